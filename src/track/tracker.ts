/**
 * MonoNPHM tracking (reference §4): stage 1 fits frame by frame (identity, appearance, SH and
 * colour correction on the first frame; expression and pose on every frame, warm-started from the
 * previous one), stage 2 refines all frames jointly with temporal smoothness.
 *
 * Choices against the original (reference §11):
 * - Posed anchors from one Broyden init per anchor, with the implicit gradient including
 *   ∂a_c/∂z_geo (src/nphm/anchor-invert.ts).
 * - The NeuS cos term uses the ray direction in model space (render option `cosDirection`).
 * - Mask loss without the zero-when-no-hair-ray quirk (losses.ts).
 * - Per-frame rows (expression, pose) use dense Adam instead of SparseAdam: rows without a
 *   gradient still move by their momentum. In stage 2 every row gets a gradient from the
 *   smoothness terms anyway.
 * - The original starts from a FLAME tracker's poses; here every frame starts at the identity /
 *   the previous frame's pose, or (`poseInit: 'landmarks'`): the first frame at the pose fitted
 *   to its landmarks, later frames at the previous pose moved by the landmark-fitted motion
 *   (pose-init.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import { cameraRays } from '../render/rays.ts';
import { chunkOptions, renderRays, shRotation } from '../render/render.ts';
import { sliceRays, sphereBounds } from '../render/rays.ts';
import type { Camera } from '../render/camera.ts';
import type { NphmModel } from '../nphm/model.ts';
import { ORIGINAL_TRACKER_Y_SHIFTS, type AnchorSolution } from '../nphm/anchor-invert.ts';
import { landmarkLoss, maskLoss, selectRows, rgbL1Loss, rgbRayWeights, sliceSquaredNorm, symmetryDistance, temporalSmoothness } from './losses.ts';
import { projectToPixels } from './projection.ts';
import { GroupedAdam, type ParamGroup } from './optimizer.ts';
import { landmarkWeight, motionMultiplier, neusVariance, type LearningRates, type LossWeights, type TrackingPreset } from './presets.ts';
import { sampleRayPixels, seededRandom } from './ray-sampling.ts';
import { modelRenderField } from '../render/model-field.ts';
import { poseFromLandmarkMotion, poseFromLandmarks } from './pose-init.ts';

/** One video frame prepared for tracking. */
export interface TrackingFrame {
  width: number;
  height: number;
  /** [H·W·3] colour in [−1, 1], row-major. */
  rgb: Float32Array;
  /** [H·W] segmentation classes (reference §5). */
  labels: Uint8Array;
  /** [68·2] iBUG-68 landmarks in pixels; NaN where missing. */
  landmarks: Float32Array;
  camera: Camera;
}

export interface FrameResult {
  zExp: Float32Array;
  rot: Float32Array;
  trans: Float32Array;
}

/** Everything a tracking run estimates. */
export interface TrackingState {
  zGeo: Float32Array;
  zApp: Float32Array;
  /** [9·3] SH coefficients. */
  sh: Float32Array;
  /** [3·3] colour matrix A (rgb·A + b) and [3] offset b. */
  colorA: Float32Array;
  colorB: Float32Array;
  frames: FrameResult[];
}

export interface TrackProgress {
  stage: 1 | 2;
  frame: number;
  iteration: number;
  iterations: number;
  losses: Record<string, number>;
}

export interface LandmarkPairs {
  pairs: readonly (readonly [number, number])[];
  scales: readonly number[];
}

export interface TrackOptions {
  preset: TrackingPreset;
  pairs: LandmarkPairs;
  signal?: AbortSignal;
  onProgress?: (p: TrackProgress) => void;
  seed?: number;
  /** Apply the original tracker's hand-made anchor y-shifts (default true). */
  anchorYShifts?: boolean;
  /** Initial pose per frame (e.g. from a face tracker); identity when absent. */
  initialPose?: { rot: ArrayLike<number>; trans: ArrayLike<number> }[];
  /**
   * Without `initialPose`: start each frame at the identity / previous frame's pose (default), or
   * at the pose that best projects the current head's anchors onto its landmarks (pose-init.ts).
   */
  poseInit?: 'identity' | 'landmarks';
  /** Overrides the preset's iteration counts (tests, quick previews). */
  iterations?: { first?: number; later?: number; stage2?: number };
}

export class TrackingCancelled extends Error {
  constructor() {
    super('tracking cancelled');
  }
}

const SQRT_4PI = Math.sqrt(4 * Math.PI);
const BOUNDING_RADIUS = 0.7;

/** The initial state: zero codes (the mean head), shading 1, identity colour correction. */
export function initialState(model: NphmModel, nFrames: number, init?: TrackOptions['initialPose']): TrackingState {
  const s = model.sizes;
  const sh = new Float32Array(27);
  sh[0] = sh[1] = sh[2] = SQRT_4PI;
  return {
    zGeo: new Float32Array(s.zGeoDim),
    zApp: new Float32Array(s.zAppDim),
    sh,
    colorA: Float32Array.from([1, 0, 0, 0, 1, 0, 0, 0, 1]),
    colorB: new Float32Array(3),
    frames: Array.from({ length: nFrames }, (_, i) => ({
      zExp: new Float32Array(s.zExpDim),
      rot: Float32Array.from(init?.[i]?.rot ?? [0, 0, 0]),
      trans: Float32Array.from(init?.[i]?.trans ?? [0, 0, 0]),
    })),
  };
}

/** Variables of one optimisation, created from a state and read back into one. */
class Params {
  readonly zGeo: tf.Variable;
  readonly zApp: tf.Variable;
  readonly sh: tf.Variable;
  readonly colorA: tf.Variable;
  readonly colorB: tf.Variable;
  /** [T, De], [T, 3], [T, 3]: one row per frame being optimised. */
  readonly zExp: tf.Variable;
  readonly rot: tf.Variable;
  readonly trans: tf.Variable;

  constructor(state: TrackingState, readonly frameIds: number[]) {
    const v = (x: Float32Array, shape: number[], name: string) => tf.tidy(() => tf.variable(tf.tensor(x, shape), true, `${name}_${Params.counter}`));
    Params.counter++;
    const rows = (k: 'zExp' | 'rot' | 'trans') => Float32Array.from(frameIds.flatMap((f) => Array.from(state.frames[f]![k])));
    this.zGeo = v(state.zGeo, [state.zGeo.length], 'z_geo');
    this.zApp = v(state.zApp, [state.zApp.length], 'z_app');
    this.sh = v(state.sh, [9, 3], 'sh');
    this.colorA = v(state.colorA, [3, 3], 'color_a');
    this.colorB = v(state.colorB, [1, 3], 'color_b');
    this.zExp = v(rows('zExp'), [frameIds.length, state.frames[0]!.zExp.length], 'z_exp');
    this.rot = v(rows('rot'), [frameIds.length, 3], 'rot');
    this.trans = v(rows('trans'), [frameIds.length, 3], 'trans');
  }

  static counter = 0;

  groups(lr: LearningRates, clip: number): ParamGroup[] {
    const g = (name: string, variables: tf.Variable[], rate: number, clipNorm?: number): ParamGroup => ({ name, variables, lr: rate, frozen: rate === 0, ...(clipNorm ? { clipNorm } : {}) });
    return [
      g('geo', [this.zGeo], lr.geoApp, clip),
      g('app', [this.zApp], lr.geoApp, clip),
      g('color', [this.colorA, this.colorB], lr.color),
      g('expr', [this.zExp], lr.expr),
      g('sh', [this.sh], lr.sh),
      g('rot', [this.rot], lr.rot),
      g('trans', [this.trans], lr.trans),
    ];
  }

  async writeBack(state: TrackingState): Promise<void> {
    state.zGeo = (await this.zGeo.data()) as Float32Array;
    state.zApp = (await this.zApp.data()) as Float32Array;
    state.sh = (await this.sh.data()) as Float32Array;
    state.colorA = (await this.colorA.data()) as Float32Array;
    state.colorB = (await this.colorB.data()) as Float32Array;
    const [e, r, t] = [(await this.zExp.data()) as Float32Array, (await this.rot.data()) as Float32Array, (await this.trans.data()) as Float32Array];
    const De = state.frames[0]!.zExp.length;
    this.frameIds.forEach((f, i) => {
      state.frames[f] = { zExp: e.slice(i * De, (i + 1) * De), rot: r.slice(3 * i, 3 * i + 3), trans: t.slice(3 * i, 3 * i + 3) };
    });
  }

  dispose(): void {
    tf.dispose([this.zGeo, this.zApp, this.sh, this.colorA, this.colorB, this.zExp, this.rot, this.trans]);
  }
}

/** Mean squared landmark change between consecutive frames (0 for the first). */
export function landmarkMotion(frames: readonly TrackingFrame[]): number[] {
  return frames.map((f, t) => {
    if (t === 0) return 0;
    const a = frames[t - 1]!.landmarks, b = f.landmarks;
    let s = 0, n = 0;
    for (let i = 0; i < a.length; i++) if (Number.isFinite(a[i]!) && Number.isFinite(b[i]!)) (s += (a[i]! - b[i]!) ** 2), n++;
    return n ? s / n : 0;
  });
}

interface IterationSpec {
  params: Params;
  /** Row of `params` to render (frame index within params). */
  row: number;
  frame: TrackingFrame;
  weights: LossWeights;
  regExpr: number;
  landmarkW: number;
  variance: number;
  seed: number;
  /** Stage-2 smoothness weights (0 in stage 1). */
  exprSmooth: number;
  poseSmooth: number;
}

/** One optimisation step on one frame; returns the loss terms. */
async function iterate(model: NphmModel, opt: GroupedAdam, spec: IterationSpec, o: TrackOptions): Promise<Record<string, number>> {
  const { params, row, frame, weights: w, preset } = { ...spec, preset: o.preset };
  const random = seededRandom(spec.seed);
  const pixels = sampleRayPixels(frame.width, frame.height, frame.labels, preset.raysPerIteration, preset.foregroundFraction, random);
  const rays = cameraRays(frame.camera, { pixels });
  const targetRgb = new Float32Array(3 * pixels.length);
  const labels = new Uint8Array(pixels.length);
  pixels.forEach((p, i) => {
    targetRgb.set(frame.rgb.subarray(3 * p, 3 * p + 3), 3 * i);
    labels[i] = frame.labels[p]!;
  });
  const anchorIdx = o.pairs.pairs.map((p) => p[0]);
  const lmTargets = Float32Array.from(o.pairs.pairs.flatMap((p) => [frame.landmarks[2 * p[1]]!, frame.landmarks[2 * p[1] + 1]!]));
  const wantLandmarks = spec.landmarkW > 0 && lmTargets.some(Number.isFinite);

  // The Broyden solve needs no tape: it runs on the current codes before the step.
  let sol: AnchorSolution | undefined;
  if (wantLandmarks) {
    const codes = { zGeo: params.zGeo, zApp: params.zApp, zExp: tf.slice(params.zExp, [row, 0], [1, -1]) };
    sol = await model.solveAnchors(codes, o.anchorYShifts === false ? {} : { yShifts: ORIGINAL_TRACKER_Y_SHIFTS });
    codes.zExp.dispose();
  }

  const cfg = model.config.decoder.id;
  const R = pixels.length;
  const rayWeights = rgbRayWeights(labels);
  const bounds = sphereBounds(rays, BOUNDING_RADIUS);
  const chunk = Math.max(1, Math.min(R, preset.rayChunk ?? R));
  // One jitter table for the whole batch, so chunking never changes the samples.
  const jitter = { kind: 'table' as const, u: Float32Array.from({ length: R * preset.nCoarse }, random) };
  const renderOptions = (s: number, e: number) => chunkOptions({ variance: spec.variance, nCoarse: preset.nCoarse, nImportance: preset.nImportance, jitter }, bounds, s, e);

  /** Everything the step differentiates, built inside the caller's tape scope. */
  const scene = () => {
    const zExp = tf.slice(params.zExp, [row, 0], [1, -1]);
    const pose = { rot: tf.reshape(tf.slice(params.rot, [row, 0], [1, 3]), [3]), trans: tf.reshape(tf.slice(params.trans, [row, 0], [1, 3]), [3]) };
    const cond = model.condition({ zGeo: params.zGeo, zApp: params.zApp, zExp });
    const renderParams = { pose, sh: params.sh, w2cRotation: shRotation(frame.camera), colorA: params.colorA, colorB: params.colorB };
    return { zExp, pose, cond, field: modelRenderField(model, cond), renderParams };
  };
  const render = (sc: ReturnType<typeof scene>, s: number, e: number) => renderRays(sc.field, sliceRays(rays, s, e), sc.renderParams, renderOptions(s, e));
  const rgbSum = (out: { rgb: tf.Tensor2D }, s: number, e: number) =>
    tf.mul(rgbL1Loss(out.rgb, tf.tensor2d(targetRgb.subarray(3 * s, 3 * e), [e - s, 3]), tf.tensor1d(rayWeights.subarray(s, e))), (e - s) / R) as tf.Scalar;

  const terms: Record<string, tf.Scalar> = {};
  const term = (name: string, weight: number, value: tf.Scalar) => {
    terms[name] = tf.keep(value);
    return tf.mul(value, weight);
  };
  /** Terms that do not depend on the rays: latent regularisers, landmarks, smoothness. */
  const rayFreeTerms = (sc: ReturnType<typeof scene>): tf.Tensor[] => {
    const parts: tf.Tensor[] = [
      term('regGlobalGeo', w.regGlobalGeo, sliceSquaredNorm(params.zGeo, 0, cfg.lat_dim_glob)),
      term('regLocGeo', w.regLocGeo, sliceSquaredNorm(params.zGeo, cfg.lat_dim_glob)),
      term('regGlobalApp', w.regGlobalApp, sliceSquaredNorm(params.zApp, 0, cfg.lat_dim_glob)),
      term('regLocApp', w.regLocApp, sliceSquaredNorm(params.zApp, cfg.lat_dim_glob)),
      term('symmGeo', w.symmGeo, symmetryDistance(params.zGeo, cfg.lat_dim_glob, cfg.lat_dim_loc_geo, cfg.nsymm_pairs)),
      term('symmApp', w.symmApp, symmetryDistance(params.zApp, cfg.lat_dim_glob, cfg.lat_dim_loc_app, cfg.nsymm_pairs)),
      term('regExpr', spec.regExpr, sliceSquaredNorm(sc.zExp, 0)),
    ];
    if (sol) {
      const posed = selectRows(model.posedAnchors(sc.cond, sol), anchorIdx) as tf.Tensor2D;
      const projected = projectToPixels(posed, sc.pose, frame.camera);
      const valid = anchorIdx.map((a) => sol!.valid[a]!);
      parts.push(term('landmark', spec.landmarkW, landmarkLoss(projected, lmTargets, o.pairs.scales, valid, frame.width, frame.height)));
    }
    if (spec.exprSmooth > 0) parts.push(term('exprSmooth', spec.exprSmooth, temporalSmoothness(params.zExp as tf.Tensor as tf.Tensor2D)));
    if (spec.poseSmooth > 0) {
      const poseSmooth = tf.add(temporalSmoothness(params.rot as tf.Tensor as tf.Tensor2D), tf.mul(temporalSmoothness(params.trans as tf.Tensor as tf.Tensor2D), 10)) as tf.Scalar;
      parts.push(term('poseSmooth', spec.poseSmooth, poseSmooth));
    }
    return parts;
  };

  let total: number;
  if (chunk >= R) {
    total = opt.step(() => {
      const sc = scene();
      const out = render(sc, 0, R);
      return tf.addN([term('rgb', w.rgb, rgbSum(out, 0, R)), term('mask', w.mask, maskLoss(out.weightsSum, labels)), ...rayFreeTerms(sc)]) as tf.Scalar;
    });
  } else {
    total = await chunkedStep(opt, R, chunk, labels, scene, render, rgbSum, rayFreeTerms, w, terms);
  }
  const losses: Record<string, number> = { total };
  for (const [k, t] of Object.entries(terms)) {
    losses[k] = (await t.data())[0]!;
    t.dispose();
  }
  return losses;
}

/**
 * One step with the rays in chunks, so the memory of the double-backward tape stays bounded (the
 * paper-size model needs ~1.3 MB per sample point). The colour loss is a sum over rays; the
 * silhouette loss (soft-Jaccard) is not, so it is linearised: a forward pass without tape gives
 * every ray's silhouette P, the exact ∂L/∂P_i of the whole batch, and each chunk then
 * back-propagates Σ_i (∂L/∂P_i)·P_i, which has the same gradient. Gradients are summed over chunks.
 */
async function chunkedStep<S>(
  opt: GroupedAdam,
  R: number,
  chunk: number,
  labels: Uint8Array,
  scene: () => S,
  render: (sc: S, s: number, e: number) => { rgb: tf.Tensor2D; weightsSum: tf.Tensor1D },
  rgbSum: (out: { rgb: tf.Tensor2D }, s: number, e: number) => tf.Scalar,
  rayFreeTerms: (sc: S) => tf.Tensor[],
  w: LossWeights,
  terms: Record<string, tf.Scalar>,
): Promise<number> {
  const silhouette = new Float32Array(R);
  for (let s = 0; s < R; s += chunk) {
    const e = Math.min(R, s + chunk);
    const p = tf.tidy(() => render(scene(), s, e).weightsSum);
    silhouette.set((await p.data()) as Float32Array, s);
    p.dispose();
  }
  const { value: maskValue, grad: maskGrad } = tf.tidy(() => {
    const r = tf.valueAndGrad((p: tf.Tensor) => maskLoss(p as tf.Tensor1D, labels))(tf.tensor1d(silhouette));
    return { value: r.value, grad: r.grad };
  });
  const dMask = (await maskGrad.data()) as Float32Array;
  maskGrad.dispose();
  terms.mask = maskValue as tf.Scalar;

  const sums: Record<string, tf.Tensor> = {};
  const add = (grads: Record<string, tf.Tensor>) => {
    for (const [k, g] of Object.entries(grads)) {
      const prev = sums[k];
      sums[k] = prev ? tf.add(prev, g) : g;
      if (prev) {
        prev.dispose();
        g.dispose();
      }
    }
  };
  let rgbTotal = 0;
  let rayFreeTotal = 0;
  const vars = opt.trainable();
  for (let s = 0; s < R; s += chunk) {
    const e = Math.min(R, s + chunk);
    let rgbPart: tf.Scalar | undefined;
    const r = tf.variableGrads(() => {
      const out = render(scene(), s, e);
      rgbPart = tf.keep(rgbSum(out, s, e));
      const surrogate = tf.sum(tf.mul(out.weightsSum, tf.tensor1d(dMask.subarray(s, e))));
      return tf.add(tf.mul(rgbPart, w.rgb), tf.mul(surrogate, w.mask)) as tf.Scalar;
    }, vars);
    rgbTotal += (await rgbPart!.data())[0]!;
    rgbPart!.dispose();
    r.value.dispose();
    add(r.grads);
  }
  const free = tf.variableGrads(() => tf.addN(rayFreeTerms(scene())) as tf.Scalar, vars);
  rayFreeTotal = (await free.value.data())[0]!;
  free.value.dispose();
  add(free.grads);
  terms.rgb = tf.scalar(rgbTotal);
  try {
    opt.applyGradients(sums);
  } finally {
    tf.dispose(Object.values(sums));
  }
  return w.rgb * rgbTotal + w.mask * (await maskValue.data())[0]! + rayFreeTotal;
}

function checkAbort(o: TrackOptions): void {
  if (o.signal?.aborted) throw new TrackingCancelled();
}

/** Stage 1: frames in order; returns the state after the last frame (also kept in `state`). */
export async function trackStage1(model: NphmModel, frames: readonly TrackingFrame[], o: TrackOptions, state = initialState(model, frames.length, o.initialPose)): Promise<TrackingState> {
  const p = o.preset;
  const motion = landmarkMotion(frames);
  const meanMotion = motion.slice(1).reduce((a, b) => a + b, 0) / Math.max(1, motion.length - 1);
  const scale = p.firstFrameIterations / 251;
  for (let f = 0; f < frames.length; f++) {
    const first = f === 0;
    if (!first) state.frames[f] = { ...state.frames[f - 1]!, zExp: state.frames[f - 1]!.zExp.slice() };
    if (o.poseInit === 'landmarks' && !o.initialPose?.[f]) {
      // Later frames' few, slow iterations cannot follow a fast turn from the warm start alone.
      const cur = state.frames[f]!;
      const codes = { zGeo: state.zGeo, zApp: state.zApp, zExp: cur.zExp };
      const init = first
        ? await poseFromLandmarks(model, codes, frames[f]!.landmarks, frames[f]!.camera, o.pairs.pairs, { start: cur })
        : await poseFromLandmarkMotion(model, codes, { landmarks: frames[f - 1]!.landmarks, pose: cur }, frames[f]!, frames[f]!.camera, o.pairs.pairs);
      if (init) state.frames[f] = { ...cur, rot: Float32Array.from(init.rot), trans: Float32Array.from(init.trans) };
    }
    const mult = first ? 1 : motionMultiplier(p, motion[f]!, meanMotion);
    const iterations = first ? (o.iterations?.first ?? p.firstFrameIterations) : (o.iterations?.later ?? Math.max(1, Math.round(p.firstFrameIterations * mult)));
    const params = new Params(state, [f]);
    const lr = first ? p.stage1.lrFirst : p.stage1.lrLater;
    const opt = new GroupedAdam(params.groups(lr, p.clipNorm));
    const m = mult * scale * (iterations / Math.max(1, first ? p.firstFrameIterations : Math.round(p.firstFrameIterations * mult)));
    try {
      for (let it = 0; it < iterations; it++) {
        checkAbort(o);
        applyStage1Schedule(opt, it, m, lr);
        const losses = await iterate(model, opt, {
          params,
          row: 0,
          frame: frames[f]!,
          weights: p.stage1.weights,
          regExpr: first ? p.stage1.firstFrameRegExpr : p.stage1.weights.regExpr,
          landmarkW: landmarkWeight(it, mult, scale),
          variance: neusVariance(it, first, mult, 1, scale),
          seed: (o.seed ?? 0) * 1_000_003 + f * 10_007 + it,
          exprSmooth: 0,
          poseSmooth: 0,
        }, o);
        o.onProgress?.({ stage: 1, frame: f, iteration: it + 1, iterations, losses });
      }
      await params.writeBack(state);
    } finally {
      opt.dispose();
      params.dispose();
    }
  }
  return state;
}

/**
 * Stage-1 learning-rate milestones (reference §4.3), in units of m = mult·(iterations/251):
 * pose ×½ at 32m; codes set to 5e-4·scale and SH ×½ at 150m; codes, expression and pose ×½ at
 * 200m; codes, expression and SH ×½ at 225m.
 */
function applyStage1Schedule(opt: GroupedAdam, it: number, m: number, lr: LearningRates): void {
  const at = (k: number) => it === Math.round(k * m) && it > 0;
  const frozen = (g: string) => opt.groups.find((x) => x.name === g)!.frozen;
  const scale = (g: string, f: number) => !frozen(g) && opt.scaleLr(g, f);
  if (at(32)) ['rot', 'trans'].forEach((g) => scale(g, 0.5));
  if (at(150)) {
    const base = 5e-4 * (lr.expr / 2e-4);
    ['geo', 'app', 'expr'].forEach((g) => !frozen(g) && opt.setLr(g, base));
    scale('sh', 0.5);
  }
  if (at(200)) ['geo', 'app', 'expr', 'rot', 'trans'].forEach((g) => scale(g, 0.5));
  if (at(225)) ['geo', 'app', 'expr', 'sh'].forEach((g) => scale(g, 0.5));
}

/** Stage 2: all frames jointly, one random frame rendered per iteration, smoothness over all. */
export async function trackStage2(model: NphmModel, frames: readonly TrackingFrame[], state: TrackingState, o: TrackOptions): Promise<TrackingState> {
  const p = o.preset;
  const n = o.iterations?.stage2 ?? Math.max(1, Math.round(p.stage2IterationsPerFrame * frames.length));
  const params = new Params(state, frames.map((_, i) => i));
  const opt = new GroupedAdam(params.groups(p.stage2.lr, p.clipNorm));
  const random = seededRandom((o.seed ?? 0) + 7919);
  try {
    for (let it = 0; it < n; it++) {
      checkAbort(o);
      if (it > 0 && (it === Math.round(n / 2) || it === Math.round((3 * n) / 4))) for (const g of opt.groups) if (!g.frozen) opt.scaleLr(g.name, 0.5);
      const late = it >= n / 2;
      const f = Math.floor(random() * frames.length);
      const losses = await iterate(model, opt, {
        params,
        row: f,
        frame: frames[f]!,
        weights: p.stage2.weights,
        regExpr: p.stage2.weights.regExpr,
        landmarkW: p.stage2.weights.landmark,
        variance: neusVariance(it, false, 1, frames.length, p.firstFrameIterations / 251),
        seed: (o.seed ?? 0) * 1_000_003 + 500_000 + it,
        exprSmooth: late ? p.stage2.exprSmoothLate : p.stage2.weights.exprSmooth,
        poseSmooth: late ? p.stage2.poseSmoothLate : p.stage2.weights.poseSmooth,
      }, o);
      o.onProgress?.({ stage: 2, frame: f, iteration: it + 1, iterations: n, losses });
    }
    await params.writeBack(state);
  } finally {
    opt.dispose();
    params.dispose();
  }
  return state;
}
