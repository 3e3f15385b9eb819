/**
 * The MonoNPHM forward pass with trainable weights, for training.
 *
 * Why not NphmModel: its linear layers (src/nphm/linear.ts) treat weights as constants under a tape
 * (a custom gradient that never forms dW, for speed at inference and tracking), so weights cannot
 * be trained through it. This module is the same computation — anchors, compressor, backward
 * deformation with hyper-dimensions and the /√2 skip, kNN(12) + global local ensemble with mirrored
 * δ_x, 36 MLP types, colour bottleneck, adaptive Gaussian blending — written over the state-dict
 * variables of trainable.ts, and `train-forward.test.ts` checks it against NphmModel on the same
 * weights. It reuses the model's edge plan (kNN grouping by type) and its differentiable helpers.
 *
 * Softplus(β) layers use the same β-folding as src/nphm/params.ts (softplus(β·u) chains with scaled
 * weights), computed from the unscaled variables each call so gradients reach the original units.
 */
import * as tf from '@tensorflow/tfjs-core';
import { COMMUNICATION_DIM, GLOBAL_NODE_DISTANCE, SIGMA_NEIGHBOURS, SOFTPLUS_BETA, anchorType, derivedSizes, isMirrored, typeNodes, type DerivedSizes, type NphmConfig } from '../nphm/config.ts';
import type { EdgePlan } from '../nphm/edge-plan.ts';
import { expInputGrad, permuteRows } from '../nphm/tensor-ops.ts';
import { netVar, type TrainableNets } from './trainable.ts';

const B = SOFTPLUS_BETA;

/**
 * x·W with gradients dx = dy·Wᵀ and dW = xᵀ·dy through explicit transposes: wasm's matMul is fast
 * only without transpose flags (see src/nphm/linear.ts). The gradient is this op again, so it is
 * differentiable to any order (normals and eikonal terms need second derivatives).
 */
export function trainMatMul(x: tf.Tensor, w: tf.Tensor): tf.Tensor2D {
  const f = tf.customGrad(((xx: tf.Tensor, ww: tf.Tensor, save: tf.GradSaveFunc) => {
    save([xx, ww]);
    return {
      value: tf.matMul(xx as tf.Tensor2D, ww as tf.Tensor2D),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [trainMatMul(dy, tf.transpose(saved[1]!)), trainMatMul(tf.transpose(saved[0]!), dy)],
    };
  }) as never);
  return (f as (a: tf.Tensor, b: tf.Tensor) => tf.Tensor2D)(x, w);
}

/** Per-call weights: β-scaled and split views of the variables (cheap: O(parameters)). */
interface Dense { w: tf.Tensor2D; b: tf.Tensor1D }

interface GeoW { wLat: tf.Tensor2D; wDelta: tf.Tensor2D; b0: tf.Tensor1D; hidden: Dense[]; out: Dense }
interface AppW { wLat: tf.Tensor2D; wC: tf.Tensor2D; b0: tf.Tensor1D; hidden: Dense[]; out: Dense }

export interface TrainWeights {
  cfg: NphmConfig;
  s: DerivedSizes;
  meanAnchors: tf.Tensor2D;
  pos: Dense[];
  compressor: Dense;
  def: { w0x: tf.Tensor2D; w0code: tf.Tensor2D; b0: tf.Tensor1D; hidden: Dense[]; skipX: tf.Tensor2D; skipCode: tf.Tensor2D; out: Dense };
  geo: GeoW[];
  app: AppW[];
  /** bottleneck1 reading the β-scaled colour feature (W ÷ β), and bottleneck2. */
  b1: Dense;
  b2: Dense;
}

function rows(w: tf.Tensor, r0: number, r1: number): tf.Tensor2D {
  return tf.slice(w, [r0, 0], [r1 - r0, w.shape[1]!]) as tf.Tensor2D;
}

/** The per-call weight views; call inside the loss closure (they depend on the variables). */
export function trainWeights(nets: TrainableNets, meanAnchors: tf.Tensor2D): TrainWeights {
  const cfg = nets.config;
  const { id, ex } = cfg.decoder;
  const s = derivedSizes(cfg);
  const V = (g: 'id' | 'ex', k: string) => netVar(nets, g, k);
  const dense = (g: 'id' | 'ex', key: string, ws = 1, bs = 1): Dense => ({
    w: (ws === 1 ? V(g, `${key}.weight`) : tf.mul(V(g, `${key}.weight`), ws)) as tf.Tensor2D,
    b: (bs === 1 ? V(g, `${key}.bias`) : tf.mul(V(g, `${key}.bias`), bs)) as tf.Tensor1D,
  });
  const Hd = ex.hidden_dim;
  const w0 = V('ex', 'defDeepSDF.lin0.weight');
  const hidden: Dense[] = [];
  let skipX: tf.Tensor2D | undefined;
  let skipCode: tf.Tensor2D | undefined;
  for (let i = 1; i < ex.nlayers; i++) {
    const key = `defDeepSDF.lin${i}`;
    if (i === s.skipLayer) {
      const w = V('ex', `${key}.weight`);
      hidden.push({ w: tf.mul(rows(w, 0, Hd), 1 / Math.SQRT2) as tf.Tensor2D, b: tf.mul(V('ex', `${key}.bias`), B) as tf.Tensor1D });
      skipX = tf.mul(rows(w, Hd, Hd + 3), B / Math.SQRT2) as tf.Tensor2D;
      skipCode = tf.mul(rows(w, Hd + 3, Hd + s.defIn), B / Math.SQRT2) as tf.Tensor2D;
    } else hidden.push(dense('ex', key, 1, B));
  }
  const def = {
    w0x: tf.mul(rows(w0, 0, 3), B) as tf.Tensor2D,
    w0code: tf.mul(rows(w0, 3, s.defIn), B) as tf.Tensor2D,
    b0: tf.mul(V('ex', 'defDeepSDF.lin0.bias'), B) as tf.Tensor1D,
    hidden,
    skipX: skipX!,
    skipCode: skipCode!,
    out: dense('ex', `defDeepSDF.lin${ex.nlayers}`, 1 / B, 1),
  };
  const G = id.lat_dim_glob;
  const latG = G + id.lat_dim_loc_geo;
  const latA = G + id.lat_dim_loc_app;
  const geo: GeoW[] = [];
  const app: AppW[] = [];
  for (let t = 0; t < s.numTypes; t++) {
    const gp = `deepSDFensemble.layers.${t}.layers`;
    const nG = id.gnn.nlayers_geo;
    const gw0 = V('id', `${gp}.0.weight`);
    geo.push({
      wLat: tf.mul(rows(gw0, 0, latG), B) as tf.Tensor2D,
      wDelta: tf.mul(rows(gw0, latG, latG + s.dPos), B) as tf.Tensor2D,
      b0: tf.mul(V('id', `${gp}.0.bias`), B) as tf.Tensor1D,
      hidden: Array.from({ length: nG - 1 }, (_, i) => dense('id', `${gp}.${2 * (i + 1)}`, 1, B)),
      out: dense('id', `${gp}.${2 * nG}`, 1 / B, 1),
    });
    const ap = `aggr_app.layers.${t}.layers`;
    const nA = id.gnn.nlayers_app;
    const aw0 = V('id', `${ap}.0.weight`);
    app.push({
      wLat: rows(aw0, 0, latA),
      wC: rows(aw0, latA, latA + COMMUNICATION_DIM),
      b0: V('id', `${ap}.0.bias`) as tf.Tensor1D,
      hidden: Array.from({ length: nA - 1 }, (_, i) => dense('id', `${ap}.${2 * (i + 1)}`)),
      out: dense('id', `${ap}.${2 * nA}`),
    });
  }
  return {
    cfg,
    s,
    meanAnchors,
    pos: ['mlp_pos.0', 'mlp_pos.2', 'mlp_pos.4'].map((k) => dense('id', k)),
    compressor: dense('ex', 'compressor.0'),
    def,
    geo,
    app,
    b1: dense('id', 'communcation_bottleneck1', 1 / B, 1),
    b2: dense('id', 'communcation_bottleneck2'),
  };
}

const lin = (x: tf.Tensor, d: Dense) => tf.add(trainMatMul(x, d.w), d.b) as tf.Tensor2D;

/**
 * Code-dependent tensors of S heads at once (differentiable w.r.t. the codes and the weights).
 * Batching heads matters: the per-type MLP loop costs ~1 s of op dispatch per call on a 2-core wasm
 * machine, so all heads of a step share one loop; which head a row belongs to is a one-hot that
 * selects its per-head biases and node positions.
 */
export interface TrainCond {
  heads: number;
  /** a_c per head [S, nloc, 3]. */
  anchors: tf.Tensor3D;
  /** Deformation layer 0 / skip-layer code biases per head [S, Hd] (β-scaled). */
  def0Bias: tf.Tensor2D;
  defSkipBias: tf.Tensor2D;
  /** Per type: [S·nodes, Hg] first-layer bias of each (head, node), head-major (β-scaled). */
  geoNodeBias: tf.Tensor2D[];
  appNodeBias: tf.Tensor2D[];
  /** Per type: [S·nodes, dPos] mirrored node positions. */
  nodePos: tf.Tensor2D[];
}

/** a_c = Ā + mlp_pos(z_geo[:G]) for code rows zGeo [S, Dg] → [S, nloc, 3]. */
export function trainAnchors(W: TrainWeights, zGeo: tf.Tensor2D): tf.Tensor3D {
  const S = zGeo.shape[0];
  const g = tf.slice(zGeo, [0, 0], [S, W.cfg.decoder.id.lat_dim_glob]);
  const h = tf.relu(lin(tf.relu(lin(g, W.pos[0]!)), W.pos[1]!));
  return tf.add(tf.expandDims(W.meanAnchors, 0), tf.reshape(lin(h, W.pos[2]!), [S, W.s.numAnchors, 3])) as tf.Tensor3D;
}

/** Deformation code biases for rows zGeo [S, Dg], zExp [S, De] (anchors recomputed when not given). */
export function deformBiases(W: TrainWeights, zGeo: tf.Tensor2D, zExp: tf.Tensor2D, anchors?: tf.Tensor3D): { def0Bias: tf.Tensor2D; defSkipBias: tf.Tensor2D; anchors: tf.Tensor3D } {
  const S = zGeo.shape[0];
  const a = anchors ?? trainAnchors(W, zGeo);
  const cId = lin(tf.concat([zGeo, tf.reshape(a, [S, 3 * W.s.numAnchors])], 1), W.compressor);
  const code = tf.concat([cId, zExp], 1);
  return {
    anchors: a,
    def0Bias: tf.add(trainMatMul(code, W.def.w0code), W.def.b0) as tf.Tensor2D,
    defSkipBias: tf.add(trainMatMul(code, W.def.skipCode), W.def.hidden[W.s.skipLayer - 1]!.b) as tf.Tensor2D,
  };
}

/** Rows [g; l_k] of the nodes of type t for every head: [S·nn, G + L]. */
function typeLatents(z: tf.Tensor2D, G: number, L: number, nodes: number, tn: number[]): tf.Tensor2D {
  const S = z.shape[0];
  const nn = tn.length;
  const g = tf.tile(tf.reshape(tf.slice(z, [0, 0], [S, G]), [S, 1, G]), [1, nn, 1]);
  const loc = tf.slice(tf.reshape(tf.slice(z, [0, G], [S, nodes * L]), [S, nodes, L]), [0, tn[0]!, 0], [S, nn, L]);
  return tf.reshape(tf.concat([g, loc], 2), [S * nn, G + L]) as tf.Tensor2D;
}

/** Conditioning of S heads from code rows zGeo [S, Dg], zApp [S, Da] (or null: no colour), zExp [S, De]. */
export function trainCondition(W: TrainWeights, zGeo: tf.Tensor2D, zApp: tf.Tensor2D | null, zExp: tf.Tensor2D): TrainCond {
  const { cfg, s } = W;
  const { id } = cfg.decoder;
  const S = zGeo.shape[0];
  const { anchors, def0Bias, defSkipBias } = deformBiases(W, zGeo, zExp);
  const nodes = id.nloc + 1;
  const sign = new Float32Array(id.nloc * 3).fill(1);
  for (let k = 0; k < id.nloc; k++) if (isMirrored(cfg, k)) sign[3 * k] = -1;
  const pos = tf.pad(tf.mul(anchors, tf.tensor3d(sign, [1, id.nloc, 3])), [[0, 0], [0, 1], [0, s.dPos - 3]]) as tf.Tensor3D;
  const geoNodeBias: tf.Tensor2D[] = [];
  const appNodeBias: tf.Tensor2D[] = [];
  const nodePos: tf.Tensor2D[] = [];
  for (let t = 0; t < s.numTypes; t++) {
    const tn = typeNodes(cfg, t);
    geoNodeBias.push(tf.add(trainMatMul(typeLatents(zGeo, id.lat_dim_glob, id.lat_dim_loc_geo, nodes, tn), W.geo[t]!.wLat), W.geo[t]!.b0) as tf.Tensor2D);
    if (zApp) appNodeBias.push(tf.add(trainMatMul(typeLatents(zApp, id.lat_dim_glob, id.lat_dim_loc_app, nodes, tn), W.app[t]!.wLat), W.app[t]!.b0) as tf.Tensor2D);
    nodePos.push(tf.reshape(tf.slice(pos, [0, tn[0]!, 0], [S, tn.length, s.dPos]), [S * tn.length, s.dPos]) as tf.Tensor2D);
  }
  return { heads: S, anchors, def0Bias, defSkipBias, geoNodeBias, appNodeBias, nodePos };
}

/** One-hot [N, S] of each point's head (a constant). */
export function headOneHot(heads: Int32Array, S: number): tf.Tensor2D {
  const oh = new Float32Array(heads.length * S);
  heads.forEach((h, i) => (oh[i * S + h] = 1));
  return tf.tensor2d(oh, [heads.length, S]);
}

/** Raw deformation output [N, 3 + nhyper] (Δ then h) at posed points x [N, 3] of heads `oh` [N, S]. */
export function trainDeform(W: TrainWeights, b: { def0Bias: tf.Tensor2D; defSkipBias: tf.Tensor2D }, x: tf.Tensor2D, oh: tf.Tensor2D): tf.Tensor2D {
  const d = W.def;
  let h: tf.Tensor = tf.softplus(tf.add(trainMatMul(x, d.w0x), trainMatMul(oh, b.def0Bias)));
  d.hidden.forEach((l, i) => {
    const v = i + 1 === W.s.skipLayer ? tf.add(tf.add(trainMatMul(h, l.w), trainMatMul(oh, b.defSkipBias)), trainMatMul(x, d.skipX)) : lin(h, l);
    h = tf.softplus(v);
  });
  return lin(h, d.out);
}

/** x_c = [x + Δ, h]. */
export function canonicalOf(x: tf.Tensor2D, out: tf.Tensor2D): tf.Tensor2D {
  const n = x.shape[0];
  const xyz = tf.add(x, tf.slice(out, [0, 0], [n, 3]));
  return (out.shape[1] > 3 ? tf.concat([xyz, tf.slice(out, [0, 3], [n, out.shape[1] - 3])], 1) : xyz) as tf.Tensor2D;
}

/**
 * Edge plan of S heads' points: the model's kNN grouping by MLP type (src/nphm/edge-plan.ts), with
 * the one-hot widened to (head, node) so that one type block serves every head. `knn` [N·K] from
 * each point's own head's anchors; aux rows [sign_x, 1 … | onehot(head·nn + slot) (2S wide)].
 */
export function batchPlan(cfg: NphmConfig, knn: Int32Array, heads: Int32Array, S: number): EdgePlan {
  const s = derivedSizes(cfg);
  const k = cfg.decoder.id.nneigh;
  const n = heads.length;
  const nLocal = s.numTypes - 1;
  const E = n * k;
  if (knn.length !== E) throw new Error(`batch plan: expected ${E} kNN indices, got ${knn.length}`);
  const typeOf = new Int32Array(s.numAnchors);
  const slotOf = new Int32Array(s.numAnchors);
  const nnOf = new Int32Array(s.numAnchors);
  for (let a = 0; a < s.numAnchors; a++) {
    typeOf[a] = anchorType(cfg, a);
    const tn = typeNodes(cfg, typeOf[a]!);
    slotOf[a] = tn.indexOf(a);
    nnOf[a] = tn.length;
  }
  const counts = new Array<number>(nLocal).fill(0);
  for (let e = 0; e < E; e++) counts[typeOf[knn[e]!]!]!++;
  const offsets = new Array<number>(nLocal).fill(0);
  for (let t = 1; t < nLocal; t++) offsets[t] = offsets[t - 1]! + counts[t - 1]!;
  const fill = offsets.slice();
  const perm = new Int32Array(E);
  const inv = new Int32Array(E);
  const width = s.dPos + 2 * S;
  const aux = new Float32Array(E * width);
  for (let e = 0; e < E; e++) {
    const a = knn[e]!;
    const pos = fill[typeOf[a]!]!++;
    perm[pos] = e;
    inv[e] = pos;
    const row = pos * width;
    aux[row] = isMirrored(cfg, a) ? -1 : 1;
    for (let c = 1; c < s.dPos; c++) aux[row + c] = 1;
    aux[row + s.dPos + heads[Math.floor(e / k)]! * nnOf[a]! + slotOf[a]!] = 1;
  }
  return { n, k, knn, offsets, counts, perm: tf.tensor1d(perm, 'int32'), inv: tf.tensor1d(inv, 'int32'), aux: tf.tensor2d(aux, [E, width]) };
}

function geoMember(g: GeoW, first: tf.Tensor): { sdf: tf.Tensor2D; feat: tf.Tensor2D } {
  let v = first as tf.Tensor2D;
  for (const l of g.hidden) v = lin(tf.softplus(v), l);
  return { sdf: lin(tf.softplus(v), g.out), feat: v };
}

function appMember(W: TrainWeights, a: AppW, feat: tf.Tensor, nodeTerm: tf.Tensor): tf.Tensor2D {
  const c = lin(tf.relu(lin(feat, W.b1)), W.b2);
  let h = tf.relu(tf.add(trainMatMul(c, a.wC), nodeTerm)) as tf.Tensor2D;
  for (const l of a.hidden) h = tf.relu(lin(h, l)) as tf.Tensor2D;
  return lin(h, a.out);
}

/** SDF [N] (and colour [N, 3]) of canonical queries xc [N, dPos] of heads `oh` [N, S], with their batch plan. */
export function trainCanonical(W: TrainWeights, c: TrainCond, xc: tf.Tensor2D, oh: tf.Tensor2D, plan: EdgePlan, rgb: boolean): { sdf: tf.Tensor1D; rgb?: tf.Tensor2D } {
  const { cfg, s } = W;
  const S = c.heads;
  const N = xc.shape[0];
  const K = plan.k;
  const dPos = s.dPos;
  const C = rgb ? 5 : 2;
  const E = N * K;
  const xt = tf.reshape(tf.mul(tf.expandDims(xc, 1), tf.ones([1, K, 1])), [E, dPos]);
  const xs = tf.mul(permuteRows(xt, plan.perm, plan.inv), tf.slice(plan.aux, [0, 0], [E, dPos]));
  const outs: tf.Tensor[] = [];
  for (let t = 0; t < s.numTypes - 1; t++) {
    const cnt = plan.counts[t]!;
    if (cnt === 0) continue;
    const off = plan.offsets[t]!;
    const nn = typeNodes(cfg, t).length;
    const ohT = tf.slice(plan.aux, [off, dPos], [cnt, S * nn]) as tf.Tensor2D;
    const xT = tf.slice(xs, [off, 0], [cnt, dPos]);
    const delta = tf.sub(xT, trainMatMul(ohT, c.nodePos[t]!));
    const dist = tf.sqrt(tf.sum(tf.square(tf.slice(delta, [0, 0], [cnt, 3])), 1, true));
    const g = geoMember(W.geo[t]!, tf.add(trainMatMul(delta, W.geo[t]!.wDelta), trainMatMul(ohT, c.geoNodeBias[t]!)));
    const cols: tf.Tensor[] = [g.sdf];
    if (rgb) cols.push(appMember(W, W.app[t]!, g.feat, trainMatMul(ohT, c.appNodeBias[t]!)));
    cols.push(dist);
    outs.push(tf.concat(cols, 1));
  }
  const sorted = outs.length === 1 ? outs[0]! : tf.concat(outs, 0);
  const pm = tf.reshape(permuteRows(sorted, plan.inv, plan.perm), [N, K, C]);
  const tg = s.numTypes - 1;
  const gg = geoMember(W.geo[tg]!, tf.add(trainMatMul(xc, W.geo[tg]!.wDelta), trainMatMul(oh, c.geoNodeBias[tg]!)));
  const d = tf.reshape(tf.slice(pm, [0, 0, C - 1], [N, K, 1]), [N, K]);
  const sigma = tf.div(tf.slice(d, [0, SIGMA_NEIGHBOURS - 1], [N, 1]), cfg.decoder.id.blend_std);
  const dAll = tf.concat([d, tf.fill([N, 1], GLOBAL_NODE_DISTANCE)], 1);
  const wRaw = expInputGrad(tf.mul(tf.square(tf.div(dAll, sigma)), -0.5));
  const w = tf.div(wRaw, tf.add(tf.sum(wRaw, 1, true), 1e-8));
  const edgeSdf = tf.concat([tf.reshape(tf.slice(pm, [0, 0, 0], [N, K, 1]), [N, K]), gg.sdf], 1);
  const out: { sdf: tf.Tensor1D; rgb?: tf.Tensor2D } = { sdf: tf.sum(tf.mul(w, edgeSdf), 1) as tf.Tensor1D };
  if (rgb) {
    const rgbG = appMember(W, W.app[tg]!, gg.feat, trainMatMul(oh, c.appNodeBias[tg]!));
    const edgeRgb = tf.concat([tf.slice(pm, [0, 0, 1], [N, K, 3]), tf.expandDims(rgbG, 1)], 1);
    out.rgb = tf.sum(tf.mul(tf.expandDims(w, 2), edgeRgb), 1) as tf.Tensor2D;
  }
  return out;
}

export interface TrainFieldResult {
  sdf: tf.Tensor1D;
  rgb?: tf.Tensor2D;
  /** ∂sdf/∂x_posed [N, 3] (on the tape: differentiable again). */
  grad?: tf.Tensor2D;
  /** raw deformation output [N, 3 + nhyper]. */
  deform: tf.Tensor2D;
}

/** SDF, colour and (optionally) spatial gradient at posed points; `plan` from the same points' x_c. */
export function trainField(W: TrainWeights, c: TrainCond, x: tf.Tensor2D, oh: tf.Tensor2D, plan: EdgePlan, opts: { rgb: boolean; grad: boolean }): TrainFieldResult {
  if (!opts.grad) {
    const def = trainDeform(W, c, x, oh);
    const r = trainCanonical(W, c, canonicalOf(x, def), oh, plan, opts.rgb);
    return { ...r, deform: def };
  }
  let side: { rgb?: tf.Tensor2D; deform: tf.Tensor2D } | undefined;
  const { value, grad } = tf.valueAndGrad((xx: tf.Tensor): tf.Tensor1D => {
    const def = trainDeform(W, c, xx as tf.Tensor2D, oh);
    const r = trainCanonical(W, c, canonicalOf(xx as tf.Tensor2D, def), oh, plan, opts.rgb);
    // The forward runs in its own tidy: keep the side outputs, re-home them below.
    side = { deform: tf.keep(def), ...(r.rgb ? { rgb: tf.keep(r.rgb) } : {}) };
    return r.sdf;
  })(x, tf.ones([x.shape[0]]));
  // clone is an identity on the tape; the kept originals are not needed by any gradient.
  const adopt = <T extends tf.Tensor>(t: T): T => {
    const c = tf.clone(t);
    t.dispose();
    return c;
  };
  const s = side!;
  return { sdf: value as tf.Tensor1D, grad: grad as tf.Tensor2D, deform: adopt(s.deform), ...(s.rgb ? { rgb: adopt(s.rgb) } : {}) };
}
