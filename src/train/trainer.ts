/**
 * Auto-decoder training of the MonoNPHM networks on procedural scans.
 *
 * - Codes: z_geo and z_app per identity, z_exp per scan, as rows of three tables initialised to 0
 *   (as nn.Embedding in the original) and kept within max_norm after every step (the original's
 *   Embedding(max_norm=1) renormalises rows on lookup; projecting after the update is equivalent
 *   for the next lookup).
 * - Optimisers: AdamW for the networks, Adam for the codes with SparseAdam semantics (only the rows
 *   of the batch move; their moments are untouched otherwise), lr ratios of the original.
 * - Determinism: the batch of step t is drawn from Rng(seed, t) alone, so a resumed run takes the
 *   same batches, and the full optimiser state is part of the checkpoint.
 * - Backend-neutral: kNN plans are read asynchronously before the tape (works on webgpu too).
 */
import * as tf from '@tensorflow/tfjs-core';
import { derivedSizes, type DerivedSizes } from '../nphm/config.ts';
import { disposePlan, type EdgePlan } from '../nphm/edge-plan.ts';
import { MEAN_ANCHORS_65 } from '../nphm/mean-anchors.ts';
import { Rng } from '../synth/index.ts';
import { lrFactor, type TrainConfig, type LossWeights } from './config.ts';
import type { Dataset, ScanPool } from './dataset.ts';
import { batchPlan, canonicalOf, deformBiases, headOneHot, trainCondition, trainDeform, trainField, trainMatMul, trainWeights, type TrainWeights } from './forward.ts';
import { countParams, initNets, toStateDicts, type TrainableNets } from './trainable.ts';
import type { DecoderStateDicts } from '../nphm/state-dict.ts';

export type LossName = keyof LossWeights;
export type StepLosses = Partial<Record<LossName, number>> & { total: number };

export interface StepReport {
  step: number;
  losses: StepLosses;
  /** Points evaluated with the field (sdf + colour + spatial gradient) this step. */
  points: number;
  ms: number;
  lr: number;
}

interface AdamSlot { m: tf.Variable; v: tf.Variable }

const BETA1 = 0.9;
const BETA2 = 0.999;
const EPS = 1e-8;

interface Layout {
  N: number;
  nSurf: number;
  nOff: number;
  points: Float32Array;
  heads: Int32Array;
  normals: Float32Array;
  colors: Float32Array;
  sdfGt: Float32Array;
  /** 1 for points of neutral scans. */
  neutralMask: Float32Array;
}

/** One scan's batch, gathered from its pool on the CPU. */
interface ScanBatch {
  scan: ScanPool;
  neutralScan: number;
  /** surface (face then non-face), near, space: sdf points. */
  points: Float32Array;
  nSurface: number;
  nSdf: number;
  normals: Float32Array;
  colors: Float32Array;
  sdfGt: Float32Array;
  correspPosed: Float32Array;
  correspNeutral: Float32Array;
}

function take(rng: Rng, src: Float32Array, width: number, poolStart: number, poolCount: number, k: number, out: Float32Array, outRow: number, idx?: Int32Array): Int32Array {
  const chosen = idx ?? new Int32Array(k);
  for (let i = 0; i < k; i++) {
    const j = idx ? idx[i]! : poolStart + rng.int(poolCount);
    chosen[i] = j;
    for (let c = 0; c < width; c++) out[(outRow + i) * width + c] = src[j * width + c]!;
  }
  return chosen;
}

export class Trainer {
  readonly cfg: TrainConfig;
  readonly sizes: DerivedSizes;
  readonly nets: TrainableNets;
  readonly zGeo: tf.Variable;
  readonly zApp: tf.Variable;
  readonly zExp: tf.Variable;
  readonly meanAnchors: tf.Tensor2D;
  private readonly slots = new Map<tf.Variable, AdamSlot>();
  private readonly data: Dataset;
  private readonly anchorGt: tf.Tensor2D[];
  step = 0;
  curve: StepReport[] = [];

  constructor(cfg: TrainConfig, data: Dataset) {
    this.cfg = cfg;
    this.data = data;
    this.sizes = derivedSizes(cfg.model);
    if (cfg.model.decoder.id.nloc !== 65) throw new Error(`train: the procedural heads define 65 anchors; model config has decoder.id.nloc = ${cfg.model.decoder.id.nloc}`);
    if (data.identities !== cfg.data.identities || data.expressionsPerIdentity !== cfg.data.expressionsPerIdentity) {
      throw new Error(`train: data set has ${data.identities}×${data.expressionsPerIdentity} scans, config expects ${cfg.data.identities}×${cfg.data.expressionsPerIdentity}`);
    }
    this.nets = initNets(cfg.model, cfg.seed + 1, { deformationAtIdentity: cfg.optim.initDeformationAtIdentity });
    const nScans = data.scans.length;
    this.zGeo = tf.variable(tf.zeros([data.identities, this.sizes.zGeoDim]), true);
    this.zApp = tf.variable(tf.zeros([data.identities, this.sizes.zAppDim]), true);
    this.zExp = tf.variable(tf.zeros([nScans, this.sizes.zExpDim]), true);
    this.meanAnchors = tf.tensor2d(MEAN_ANCHORS_65.flat(), [65, 3]);
    this.anchorGt = data.anchors.map((a) => tf.tensor2d(a, [65, 3]));
    for (const v of this.allVars()) this.slots.set(v, { m: tf.variable(tf.zerosLike(v), false), v: tf.variable(tf.zerosLike(v), false) });
  }

  get parameterCount(): number {
    return countParams(this.nets);
  }

  private netVars(): tf.Variable[] {
    return [...this.nets.vars.values()];
  }

  private allVars(): tf.Variable[] {
    return [...this.netVars(), this.zGeo, this.zApp, this.zExp];
  }

  /** The batch of `step`: depends only on (seed, step). */
  private batch(step: number): ScanBatch[] {
    const b = this.cfg.batch;
    const rng = new Rng((this.cfg.seed * 2654435761 + step * 40503 + 11) >>> 0);
    const E = this.data.expressionsPerIdentity;
    const out: ScanBatch[] = [];
    for (let k = 0; k < b.scans; k++) {
      const scan = this.data.scans[rng.int(this.data.scans.length)]!;
      const nSurface = b.face + b.nonFace;
      const nSdf = nSurface + b.near + b.space;
      const points = new Float32Array(3 * nSdf);
      const normals = new Float32Array(3 * nSurface);
      const colors = new Float32Array(3 * nSurface);
      const sdfGt = new Float32Array(nSdf);
      const s = scan.surface;
      const fi = take(rng, s.points, 3, 0, s.nFace, b.face, points, 0);
      const ni = take(rng, s.points, 3, s.nFace, s.n - s.nFace, b.nonFace, points, b.face);
      take(rng, s.normals, 3, 0, 0, b.face, normals, 0, fi);
      take(rng, s.normals, 3, 0, 0, b.nonFace, normals, b.face, ni);
      take(rng, s.colors, 3, 0, 0, b.face, colors, 0, fi);
      take(rng, s.colors, 3, 0, 0, b.nonFace, colors, b.face, ni);
      const nearI = take(rng, scan.near.points, 3, 0, scan.near.n, b.near, points, nSurface);
      take(rng, scan.near.sdf, 1, 0, 0, b.near, sdfGt, nSurface, nearI);
      const spI = take(rng, scan.space.points, 3, 0, scan.space.n, b.space, points, nSurface + b.near);
      take(rng, scan.space.sdf, 1, 0, 0, b.space, sdfGt, nSurface + b.near, spI);
      const nc = scan.expression === 0 ? 0 : b.corresp;
      const correspPosed = new Float32Array(3 * nc);
      const ci = take(rng, scan.corresp.posed, 3, 0, scan.corresp.n, nc, correspPosed, 0);
      const correspNeutral = new Float32Array(3 * nc);
      take(rng, scan.corresp.neutral, 3, 0, 0, nc, correspNeutral, 0, ci);
      out.push({ scan, neutralScan: scan.identity * E, points, nSurface, nSdf, normals, colors, sdfGt, correspPosed, correspNeutral });
    }
    return out;
  }

  /** Rows `idx` of a code table as [S, D] (slices: their gradient is a pad, available everywhere). */
  private rows(table: tf.Variable, idx: number[]): tf.Tensor2D {
    const parts = idx.map((i) => tf.slice(table, [i, 0], [1, table.shape[1]!]));
    return (parts.length === 1 ? parts[0]! : tf.concat(parts, 0)) as tf.Tensor2D;
  }

  /** The batch's points laid out as [surface of every head | near + space of every head]. */
  private layout(batch: ScanBatch[]): Layout {
    const nSurf = batch.reduce((a, b) => a + b.nSurface, 0);
    const nOff = batch.reduce((a, b) => a + b.nSdf - b.nSurface, 0);
    const N = nSurf + nOff;
    const points = new Float32Array(3 * N);
    const heads = new Int32Array(N);
    const normals = new Float32Array(3 * nSurf);
    const colors = new Float32Array(3 * nSurf);
    const sdfGt = new Float32Array(nOff);
    const neutralMask = new Float32Array(N);
    let a = 0;
    let o = nSurf;
    batch.forEach((sb, h) => {
      const ns = sb.nSurface;
      const no = sb.nSdf - ns;
      points.set(sb.points.subarray(0, 3 * ns), 3 * a);
      normals.set(sb.normals, 3 * a);
      colors.set(sb.colors, 3 * a);
      heads.fill(h, a, a + ns);
      if (sb.scan.expression === 0) neutralMask.fill(1, a, a + ns);
      points.set(sb.points.subarray(3 * ns), 3 * o);
      sdfGt.set(sb.sdfGt.subarray(ns), o - nSurf);
      heads.fill(h, o, o + no);
      if (sb.scan.expression === 0) neutralMask.fill(1, o, o + no);
      a += ns;
      o += no;
    });
    return { N, nSurf, nOff, points, heads, normals, colors, sdfGt, neutralMask };
  }

  /** Edge plan of the batch's points (values only: kNN indices carry no gradient). */
  private async plan(batch: ScanBatch[], lay: Layout): Promise<EdgePlan> {
    const S = batch.length;
    const K = this.cfg.model.decoder.id.nneigh;
    const idx = tf.tidy(() => {
      const W = trainWeights(this.nets, this.meanAnchors);
      const b = deformBiases(W, this.rows(this.zGeo, batch.map((sb) => sb.scan.identity)), this.rows(this.zExp, batch.map((sb) => sb.scan.scan)));
      const x = tf.tensor2d(lay.points, [lay.N, 3]);
      const oh = headOneHot(lay.heads, S);
      const xc = tf.slice(canonicalOf(x, trainDeform(W, b, x, oh)), [0, 0], [lay.N, 3]);
      const A = tf.reshape(trainMatMul(oh, tf.reshape(b.anchors, [S, -1])), [lay.N, -1, 3]);
      const d2 = tf.sum(tf.square(tf.sub(tf.expandDims(xc, 1), A)), 2);
      return tf.topk(tf.neg(d2), K, true).indices;
    });
    const knn = (await idx.data()) as Int32Array;
    idx.dispose();
    return batchPlan(this.cfg.model, knn, lay.heads, S);
  }

  /** The loss terms of a batch (inside a tape); returns the weighted total and the unweighted terms. */
  private losses(batch: ScanBatch[], lay: Layout, plan: EdgePlan, lambda: LossWeights): { total: tf.Scalar; terms: Map<LossName, tf.Scalar> } {
    const W: TrainWeights = trainWeights(this.nets, this.meanAnchors);
    const terms = new Map<LossName, tf.Scalar>();
    const put = (k: LossName, f: () => tf.Tensor) => {
      if (lambda[k] !== 0) terms.set(k, f() as tf.Scalar);
    };
    const id = this.cfg.model.decoder.id;
    const S = batch.length;
    const idRows = batch.map((sb) => sb.scan.identity);
    const zG = this.rows(this.zGeo, idRows);
    const zA = this.rows(this.zApp, idRows);
    const zE = this.rows(this.zExp, batch.map((sb) => sb.scan.scan));
    const c = trainCondition(W, zG, zA, zE);
    const x = tf.tensor2d(lay.points, [lay.N, 3]);
    const oh = headOneHot(lay.heads, S);
    const f = trainField(W, c, x, oh, plan, { rgb: true, grad: true });
    const nS = lay.nSurf;
    put('surf_sdf', () => tf.mean(tf.abs(tf.slice(f.sdf, [0], [nS]))));
    put('normals', () => {
      const gS = tf.slice(f.grad!, [0, 0], [nS, 3]);
      const gn = tf.sqrt(tf.add(tf.sum(tf.square(gS), 1), 1e-12));
      return tf.mean(tf.sub(1, tf.div(tf.sum(tf.mul(gS, tf.tensor2d(lay.normals, [nS, 3])), 1), gn)));
    });
    put('eikonal', () => tf.mean(tf.square(tf.sub(tf.sqrt(tf.add(tf.sum(tf.square(f.grad!), 1), 1e-12)), 1))));
    if (lay.nOff > 0) put('space_sdf', () => tf.mean(tf.abs(tf.sub(tf.slice(f.sdf, [nS], [lay.nOff]), tf.tensor1d(lay.sdfGt)))));
    put('color', () => tf.mean(tf.abs(tf.sub(tf.slice(f.rgb!, [0, 0], [nS, 3]), tf.tensor2d(lay.colors, [nS, 3])))));
    const nh = this.sizes.dPos - 3;
    if (nh > 0) put('hyper', () => tf.mean(tf.sum(tf.square(tf.slice(f.deform, [0, 3], [lay.N, nh])), 1)));
    const neutral = batch.map((sb, i) => (sb.scan.expression === 0 ? i : -1)).filter((i) => i >= 0);
    if (neutral.length) {
      const nPts = lay.neutralMask.reduce((a, b) => a + b, 0);
      put('loss_reg_zero', () => tf.div(tf.sum(tf.mul(tf.sum(tf.square(f.deform), 1), tf.tensor1d(lay.neutralMask))), nPts));
      // Pinned neutral codes are 0: the term is then constant and skipped.
      if (!this.cfg.optim.pinNeutralExpression) put('neutral_zero', () => tf.mean(tf.sum(tf.square(this.rows(this.zExp, neutral.map((i) => batch[i]!.scan.scan))), 1)));
    }
    put('anchors', () => tf.mean(tf.sum(tf.square(tf.sub(c.anchors, tf.stack(batch.map((sb) => this.anchorGt[sb.scan.identity]!)))), 2)));
    const withCorr = batch.filter((sb) => sb.correspPosed.length > 0);
    if (withCorr.length) {
      put('corresp', () => {
        const nc = withCorr.reduce((a, b) => a + b.correspPosed.length / 3, 0);
        const pts = new Float32Array(6 * nc);
        const heads = new Int32Array(2 * nc);
        let at = 0;
        withCorr.forEach((sb, i) => {
          const m = sb.correspPosed.length / 3;
          pts.set(sb.correspPosed, 3 * at);
          pts.set(sb.correspNeutral, 3 * (nc + at));
          heads.fill(i, at, at + m);
          heads.fill(withCorr.length + i, nc + at, nc + at + m);
          at += m;
        });
        const zGc = this.rows(this.zGeo, withCorr.map((sb) => sb.scan.identity));
        const zEc = this.rows(this.zExp, [...withCorr.map((sb) => sb.scan.scan), ...withCorr.map((sb) => sb.neutralScan)]);
        const b = deformBiases(W, tf.concat([zGc, zGc], 0) as tf.Tensor2D, zEc);
        const xp = tf.tensor2d(pts, [2 * nc, 3]);
        const xcAll = tf.slice(canonicalOf(xp, trainDeform(W, b, xp, headOneHot(heads, 2 * withCorr.length))), [0, 0], [2 * nc, 3]);
        const d = tf.sub(tf.slice(xcAll, [0, 0], [nc, 3]), tf.slice(xcAll, [nc, 0], [nc, 3]));
        return tf.mean(tf.sum(tf.square(d), 1));
      });
    }
    put('reg_shape', () => tf.mean(tf.sum(tf.square(zG), 1)));
    put('reg_app', () => tf.mean(tf.sum(tf.square(zA), 1)));
    put('reg_expr', () => tf.mean(tf.sum(tf.square(zE), 1)));
    const symm = (z: tf.Tensor2D, Lx: number) => {
      const pairs = id.nsymm_pairs;
      const loc = tf.reshape(tf.slice(z, [0, id.lat_dim_glob], [S, 2 * pairs * Lx]), [S, pairs, 2, Lx]);
      return tf.div(tf.sum(tf.square(tf.sub(tf.slice(loc, [0, 0, 0, 0], [S, pairs, 1, Lx]), tf.slice(loc, [0, 0, 1, 0], [S, pairs, 1, Lx])))), S);
    };
    put('symm_geo', () => symm(zG, id.lat_dim_loc_geo));
    put('symm_app', () => symm(zA, id.lat_dim_loc_app));
    let total: tf.Scalar = tf.scalar(0);
    for (const [k, v] of terms) total = tf.add(total, tf.mul(v, lambda[k])) as tf.Scalar;
    return { total, terms };
  }

  private effectiveLambda(step: number): LossWeights {
    const l = { ...this.cfg.lambda };
    if (step >= this.cfg.optim.correspDecayStep) l.corresp *= 0.25;
    return l;
  }

  /** One optimisation step; returns its report. */
  async trainStep(): Promise<StepReport> {
    const t0 = performance.now();
    const step = this.step;
    const batch = this.batch(step);
    const lay = this.layout(batch);
    const plan = await this.plan(batch, lay);
    const lambda = this.effectiveLambda(step);
    const termValues: Map<LossName, tf.Scalar> = new Map();
    const vars = this.allVars();
    let totalT: tf.Scalar;
    let grads: tf.NamedTensorMap;
    try {
      ({ value: totalT, grads } = tf.variableGrads(() => {
        const { total, terms } = this.losses(batch, lay, plan, lambda);
        for (const [k, v] of terms) termValues.set(k, tf.keep(v));
        return total;
      }, vars));
    } finally {
      disposePlan(plan);
    }
    const f = lrFactor(this.cfg, step);
    const o = this.cfg.optim;
    // Rows of the code tables used by this batch (SparseAdam: only they move).
    const idRows = new Float32Array(this.data.identities);
    const scanRows = new Float32Array(this.data.scans.length);
    for (const sb of batch) {
      idRows[sb.scan.identity] = 1;
      scanRows[sb.scan.scan] = 1;
      if (sb.correspPosed.length) scanRows[sb.neutralScan] = 1;
    }
    // Pinned neutral codes start at 0 and never move (max-norm projection keeps 0 at 0).
    if (o.pinNeutralExpression) for (const sb of batch) scanRows[sb.neutralScan] = 0;
    tf.tidy(() => {
      const t = step + 1;
      const bc1 = 1 - Math.pow(BETA1, t);
      const bc2 = 1 - Math.pow(BETA2, t);
      const update = (v: tf.Variable, gIn: tf.Tensor | undefined, lr: number, wd: number, mask?: tf.Tensor) => {
        const s = this.slots.get(v)!;
        // A member type no edge of the batch used has no gradient: it is a zero gradient for Adam.
        const g = gIn ?? tf.zerosLike(v);
        let m = tf.add(tf.mul(s.m, BETA1), tf.mul(g, 1 - BETA1));
        let vv = tf.add(tf.mul(s.v, BETA2), tf.mul(tf.square(g), 1 - BETA2));
        let delta = tf.mul(tf.div(tf.div(m, bc1), tf.add(tf.sqrt(tf.div(vv, bc2)), EPS)), lr);
        if (wd > 0) delta = tf.add(delta, tf.mul(v, lr * wd));
        if (mask) {
          m = tf.add(s.m, tf.mul(tf.sub(m, s.m), mask));
          vv = tf.add(s.v, tf.mul(tf.sub(vv, s.v), mask));
          delta = tf.mul(delta, mask);
        }
        s.m.assign(m);
        s.v.assign(vv);
        v.assign(tf.sub(v, delta));
      };
      for (const v of this.netVars()) update(v, grads[v.name], o.lrNet * f, o.weightDecay);
      const idMask = tf.tensor2d(idRows, [idRows.length, 1]);
      const scanMask = tf.tensor2d(scanRows, [scanRows.length, 1]);
      update(this.zGeo, grads[this.zGeo.name], o.lrId * f, 0, idMask);
      update(this.zApp, grads[this.zApp.name], o.lrId * f, 0, idMask);
      update(this.zExp, grads[this.zExp.name], o.lrExp * f, 0, scanMask);
      if (o.maxNorm > 0) {
        for (const z of [this.zGeo, this.zApp, this.zExp]) {
          const n = tf.sqrt(tf.sum(tf.square(z), 1, true));
          z.assign(tf.mul(z, tf.div(o.maxNorm, tf.maximum(n, o.maxNorm))));
        }
      }
    });
    tf.dispose(grads);
    const losses: StepLosses = { total: (await totalT.data())[0]! };
    for (const [k, v] of termValues) losses[k] = (await v.data())[0]!;
    tf.dispose([totalT, ...termValues.values()]);
    this.step++;
    const points = batch.reduce((a, b) => a + b.nSdf, 0);
    const report: StepReport = { step: this.step, losses, points, ms: performance.now() - t0, lr: o.lrNet * f };
    return report;
  }

  /** The networks as original state dicts. */
  stateDicts(): Promise<DecoderStateDicts> {
    return toStateDicts(this.nets);
  }

  /** Mean and std (per dimension) of the trained code tables. */
  async latentStats(): Promise<Record<'geo' | 'app' | 'exp', { mean: number[]; std: number[] }>> {
    const stat = async (z: tf.Variable) => {
      const { mean, variance } = tf.moments(z, 0);
      const r = { mean: Array.from(await mean.data()), std: Array.from(await variance.data(), (v) => Math.sqrt(v)) };
      tf.dispose([mean, variance]);
      return r;
    };
    return { geo: await stat(this.zGeo), app: await stat(this.zApp), exp: await stat(this.zExp) };
  }

  /** Every variable and optimiser moment, plus step and curve, as JSON + one float32 binary. */
  async exportState(): Promise<{ json: object; bin: Float32Array }> {
    const entries: { name: string; shape: number[]; offset: number }[] = [];
    const parts: Float32Array[] = [];
    let offset = 0;
    const add = (name: string, t: tf.Tensor) => {
      entries.push({ name, shape: [...t.shape], offset });
      offset += t.size;
    };
    const named: [string, tf.Variable][] = [...this.nets.vars.entries(), ['codes:zGeo', this.zGeo], ['codes:zApp', this.zApp], ['codes:zExp', this.zExp]];
    for (const [name, v] of named) {
      const s = this.slots.get(v)!;
      for (const [n, t] of [[name, v], [`${name}#m`, s.m], [`${name}#v`, s.v]] as const) {
        add(n, t);
        parts.push((await t.data()) as Float32Array);
      }
    }
    const bin = new Float32Array(offset);
    let at = 0;
    for (const p of parts) {
      bin.set(p, at);
      at += p.length;
    }
    return { json: { format: 'nphm-train-state', version: 1, step: this.step, seed: this.cfg.seed, tensors: entries, curve: this.curve }, bin };
  }

  importState(json: { format?: string; step: number; seed: number; tensors: { name: string; shape: number[]; offset: number }[]; curve?: StepReport[] }, bin: Float32Array): void {
    if (json.format !== 'nphm-train-state') throw new Error(`train state: expected format 'nphm-train-state', got ${JSON.stringify(json.format)}`);
    if (json.seed !== this.cfg.seed) throw new Error(`train state: seed ${json.seed} does not match the config's seed ${this.cfg.seed}`);
    const named = new Map<string, tf.Variable>([...this.nets.vars.entries(), ['codes:zGeo', this.zGeo], ['codes:zApp', this.zApp], ['codes:zExp', this.zExp]]);
    const targets = new Map<string, tf.Variable>();
    for (const [name, v] of named) {
      const s = this.slots.get(v)!;
      targets.set(name, v);
      targets.set(`${name}#m`, s.m);
      targets.set(`${name}#v`, s.v);
    }
    for (const e of json.tensors) {
      const v = targets.get(e.name);
      if (!v) throw new Error(`train state: unknown tensor '${e.name}'`);
      if (v.shape.join(',') !== e.shape.join(',')) throw new Error(`train state: '${e.name}' has shape [${e.shape}], the model expects [${v.shape}]`);
      const n = v.size;
      if (e.offset + n > bin.length) throw new Error(`train state: '${e.name}' runs past the end of the binary`);
      tf.tidy(() => v.assign(tf.tensor(bin.subarray(e.offset, e.offset + n), v.shape)));
      targets.delete(e.name);
    }
    if (targets.size) throw new Error(`train state: missing ${[...targets.keys()].slice(0, 3).join(', ')}${targets.size > 3 ? ', …' : ''}`);
    this.step = json.step;
    this.curve = json.curve ?? [];
  }

  dispose(): void {
    for (const s of this.slots.values()) tf.dispose([s.m, s.v]);
    this.slots.clear();
    for (const v of this.nets.vars.values()) v.dispose();
    tf.dispose([this.zGeo, this.zApp, this.zExp, this.meanAnchors, ...this.anchorGt]);
  }
}
