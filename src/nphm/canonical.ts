/**
 * The canonical local ensemble: for each query x_c, its K nearest anchors plus the global node, a
 * geometry MLP per edge (type shared by a symmetric pair, δ_x mirrored for the odd member), the
 * geometry → appearance bottleneck and appearance MLP per edge, and adaptive Gaussian blending.
 *
 * Speed: edges are sorted by MLP type (edge-plan.ts) and each type runs its MLP as 2-D matMuls on
 * a contiguous row block. The latent inputs are per-node biases (conditioning.ts), so a member's
 * first layer only reads [δ (dPos) | one-hot node (≤2)]. No per-point weight gathers.
 */
import * as tf from '@tensorflow/tfjs-core';
import { constMatMul, dense, isRecording, linear, type Weight } from './linear.ts';
import { GLOBAL_NODE_DISTANCE, SIGMA_NEIGHBOURS, derivedSizes, typeNodes } from './config.ts';
import type { Conditioning } from './conditioning.ts';
import type { EdgePlan } from './edge-plan.ts';
import type { AppType, Dense, GeoType } from './params.ts';
import type { NphmParams } from './params.ts';
import { expInputGrad, permuteRows } from './tensor-ops.ts';

export interface CanonicalOptions {
  /** Compute colour (default true). */
  rgb?: boolean;
  /** Also return the per-edge values (debugging, parity tests). */
  edges?: boolean;
}

export interface CanonicalOutput {
  sdf: tf.Tensor1D;
  rgb?: tf.Tensor2D;
  /** Per edge (K nearest anchors, then the global node): raw MLP outputs and blend weights. */
  edges?: { sdf: tf.Tensor2D; rgb?: tf.Tensor3D; weight: tf.Tensor2D };
}

/** Geometry member: returns the sdf [n, 1] and the β-scaled colour feature (last hidden pre-activation). */
function geoMember(g: GeoType, first: tf.Tensor): { sdf: tf.Tensor2D; feat: tf.Tensor2D } {
  // Intermediates are disposed as soon as they are consumed (see deform.ts on why that is safe).
  let v = first as tf.Tensor2D;
  for (const l of g.hidden) {
    const s = tf.softplus(v);
    v.dispose();
    v = dense(s, l);
    s.dispose();
  }
  const s = tf.softplus(v);
  const sdf = dense(s, g.out);
  s.dispose();
  return { sdf, feat: v };
}

/** Appearance member from the first layer's (pre-ReLU) output. */
function appMember(a: AppType, first: tf.Tensor): tf.Tensor2D {
  let h = tf.relu(first) as tf.Tensor2D;
  first.dispose();
  for (const l of a.hidden) {
    const next = dense(h, l, 'relu');
    h.dispose();
    h = next;
  }
  const rgb = dense(h, a.out);
  h.dispose();
  return rgb;
}

/** y·W + onehot·B (B: per-node biases) without materialising a per-row bias. */
function firstLayer(y: tf.Tensor, w: Weight, oh: tf.Tensor, nodeBias: tf.Tensor): tf.Tensor {
  if (nodeBias.rank === 1) return linear(y, w, nodeBias);
  if (isRecording()) return tf.add(constMatMul(y, w), tf.matMul(oh as tf.Tensor2D, nodeBias as tf.Tensor2D));
  // One matMul over [y | onehot]·[W; B].
  return tf.matMul(tf.concat([y, oh], 1) as tf.Tensor2D, tf.concat([w.w, nodeBias], 0) as tf.Tensor2D);
}

function bottleneck(b1: Dense, feat: tf.Tensor): tf.Tensor {
  return dense(feat, b1, 'relu');
}

/** SDF (and colour) of canonical queries x_c [N, dPos] with the edge plan of x_c. */
export function canonicalField(p: NphmParams, cond: Conditioning, xc: tf.Tensor2D, plan: EdgePlan, opts: CanonicalOptions = {}): CanonicalOutput {
  const cfg = p.config;
  const s = derivedSizes(cfg);
  const { id } = cfg.decoder;
  const wantRgb = opts.rgb ?? true;
  if (wantRgb && cond.appNodeBias.length === 0) throw new Error('canonicalField: colour requested but the conditioning was built without z_app');
  const N = xc.shape[0];
  const K = plan.k;
  if (plan.n !== N) throw new Error(`canonicalField: the edge plan is for ${plan.n} points, got ${N}`);
  const dPos = s.dPos;
  const C = wantRgb ? 5 : 2; // per edge: sdf | rgb (3) | distance

  return tf.tidy(() => {
    const E = N * K;
    const xt = tf.reshape(tf.mul(tf.expandDims(xc, 1), tf.ones([1, K, 1])), [E, dPos]);
    const xs: tf.Tensor = tf.mul(permuteRows(xt, plan.perm, plan.inv), tf.slice(plan.aux, [0, 0], [E, dPos]));

    const outs: tf.Tensor2D[] = [];
    for (let t = 0; t < s.numTypes - 1; t++) {
      const cnt = plan.counts[t]!;
      if (cnt === 0) continue;
      const off = plan.offsets[t]!;
      // One tidy per type: without a tape its intermediates are freed before the next type runs.
      outs.push(
        tf.tidy(() => {
          const nn = typeNodes(cfg, t).length;
          const oh = tf.slice(plan.aux, [off, dPos], [cnt, nn]);
          const xT = tf.slice(xs, [off, 0], [cnt, dPos]);
          const nodePos = cond.nodePos[t]!;
          const delta = nn === 1 ? tf.sub(xT, nodePos) : tf.sub(xT, tf.matMul(oh, nodePos));
          const dist = tf.sqrt(tf.sum(tf.square(tf.slice(delta, [0, 0], [cnt, 3])), 1, true));
          const g = geoMember(p.geo[t]!, firstLayer(delta, p.geo[t]!.wDelta, oh, cond.geoNodeBias[t]!));
          const cols: tf.Tensor[] = [g.sdf];
          if (wantRgb) {
            const r = bottleneck(p.bottleneck1, g.feat);
            cols.push(appMember(p.app[t]!, firstLayer(r, p.app[t]!.wR, oh, cond.appNodeBias[t]!)));
          }
          cols.push(dist);
          return tf.concat(cols, 1) as tf.Tensor2D;
        }),
      );
    }
    const sorted = outs.length === 1 ? outs[0]! : tf.concat(outs, 0);
    const pm = tf.reshape(permuteRows(sorted, plan.inv, plan.perm), [N, K, C]);

    // The global member: node at the origin, so δ = x_c; its blend distance is a constant.
    const tg = s.numTypes - 1;
    const gg = geoMember(p.geo[tg]!, linear(xc, p.geo[tg]!.wDelta, cond.geoNodeBias[tg]!));

    const d = tf.reshape(tf.slice(pm, [0, 0, C - 1], [N, K, 1]), [N, K]);
    // σ = max of the 8 nearest distances = the 8th, as the kNN slots are sorted ascending. A slice
    // rather than tf.max: Max's gradient goes through Equal, which has no gradient, so the normals
    // could not be differentiated again. (Ties only swap which equal distance carries the gradient.)
    const sigma = tf.div(tf.slice(d, [0, SIGMA_NEIGHBOURS - 1], [N, 1]), id.blend_std);
    const dAll = tf.concat([d, tf.fill([N, 1], GLOBAL_NODE_DISTANCE)], 1);
    // expInputGrad, not tf.exp: the normals' second derivative goes through these weights.
    const wRaw = expInputGrad(tf.mul(tf.square(tf.div(dAll, sigma)), -0.5));
    const w = tf.div(wRaw, tf.add(tf.sum(wRaw, 1, true), 1e-8)) as tf.Tensor2D;

    const edgeSdf = tf.concat([tf.reshape(tf.slice(pm, [0, 0, 0], [N, K, 1]), [N, K]), gg.sdf], 1) as tf.Tensor2D;
    const out: CanonicalOutput = { sdf: tf.sum(tf.mul(w, edgeSdf), 1) as tf.Tensor1D };
    let edgeRgb: tf.Tensor3D | undefined;
    if (wantRgb) {
      const tr = linear(bottleneck(p.bottleneck1, gg.feat), p.app[tg]!.wR, cond.appNodeBias[tg]!);
      const rgbG = appMember(p.app[tg]!, tr);
      edgeRgb = tf.concat([tf.slice(pm, [0, 0, 1], [N, K, 3]), tf.expandDims(rgbG, 1)], 1) as tf.Tensor3D;
      out.rgb = tf.sum(tf.mul(tf.expandDims(w, 2), edgeRgb), 1) as tf.Tensor2D;
    }
    if (opts.edges) out.edges = { sdf: edgeSdf, weight: w, ...(edgeRgb ? { rgb: edgeRgb } : {}) };
    return out as unknown as tf.TensorContainer;
  }) as unknown as CanonicalOutput;
}
