/**
 * One optimisation step of tracking on one frame: sample rays, solve the posed anchors, build the
 * objective (reference §4.2) under the step's weights, differentiate it w.r.t. the trainable
 * variables — in ray chunks when the plan asks, so the double-backward tape stays bounded — and
 * apply the grouped Adam update.
 *
 * With `diagnose`, each family of terms (colour, silhouette, landmarks, latent regularisers,
 * smoothness) is differentiated on its own and the gradients are summed for the step (the same
 * step, about twice the cost), so a run can report how strongly each term pulls on each group.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { NphmModel } from '../nphm/model.ts';
import { ORIGINAL_TRACKER_Y_SHIFTS, type AnchorSolution } from '../nphm/anchor-invert.ts';
import { cameraRays, sliceRays, sphereBounds } from '../render/rays.ts';
import { chunkOptions, renderRays, shRotation } from '../render/render.ts';
import { landmarkLoss, maskLoss, maskLossGradient, rgbRayWeights, selectRows, sliceMeanSquare, sliceSquaredNorm, symmetryDistance, temporalSmoothness } from './losses.ts';
import type { GroupedAdam } from './optimizer.ts';
import { projectToPixels } from './projection.ts';
import { sampleRayPixels, seededRandom } from './ray-sampling.ts';
import type { Sampling, LossWeights } from './schedules.ts';
import type { StepSettings } from './plan.ts';
import type { LandmarkPairs, TrackingFrame } from './state.ts';
import type { RowCodes, TrackVariables } from './variables.ts';
import type { HeadPose } from '../render/pose.ts';
import { breathe } from '../graph/breathe.ts';
import { barrierLoss, chunkObjective, zeroLink, chunkSilhouette, maskBarrier, rgbShare, SCENE_INPUTS, sceneRender, sceneValues, type RayChunk, type RayChunkWorkers, type SceneTensors, type SceneValues } from './ray-chunk.ts';

const BOUNDING_RADIUS = 0.7;

/** Families of terms whose gradients `diagnose` reports separately. */
export const TERM_FAMILIES = ['rgb', 'mask', 'landmark', 'regularisers', 'smoothness'] as const;
export type TermFamily = (typeof TERM_FAMILIES)[number];

const FAMILY_OF: Record<keyof LossWeights, TermFamily> = {
  rgb: 'rgb', mask: 'mask', landmark: 'landmark',
  regLocGeo: 'regularisers', regLocApp: 'regularisers', regGlobalGeo: 'regularisers', regGlobalApp: 'regularisers',
  symmGeo: 'regularisers', symmApp: 'regularisers', regExpr: 'regularisers',
  exprSmooth: 'smoothness', poseSmooth: 'smoothness',
};

export interface StepInput {
  model: NphmModel;
  vars: TrackVariables;
  /** Row of `vars` rendered (the frame's index among the optimised frames). */
  row: number;
  frame: TrackingFrame;
  settings: StepSettings;
  sampling: Sampling;
  pairs: LandmarkPairs;
  anchorYShifts: boolean;
  seed: number;
  diagnose?: boolean;
  /** Evaluate the ray chunks there instead of in this thread. */
  workers?: RayChunkWorkers;
}

export interface StepResult {
  /** Unweighted value of every term evaluated, and `total` (the weighted objective). */
  losses: Record<string, number>;
  /** Per trainable group: ‖∂total/∂z‖ in code units, before clipping. */
  gradNorms: Record<string, number>;
  /** With `diagnose`: per term family, per trainable group, the norm of that family's gradient. */
  familyGradNorms?: Partial<Record<TermFamily, Record<string, number>>>;
}

interface Prepared {
  rays: ReturnType<typeof cameraRays>;
  targetRgb: Float32Array;
  labels: Uint8Array;
  rayWeights: Float32Array;
  bounds: ReturnType<typeof sphereBounds>;
  jitter: { kind: 'table'; u: Float32Array };
  anchors?: { sol: AnchorSolution; idx: number[]; targets: Float32Array };
}

async function prepare(s: StepInput): Promise<Prepared> {
  const { frame, sampling, settings } = s;
  const random = seededRandom(s.seed);
  const pixels = sampleRayPixels(frame.width, frame.height, frame.labels, sampling.raysPerIteration, sampling.foregroundFraction, random);
  const rays = cameraRays(frame.camera, { pixels });
  const targetRgb = new Float32Array(3 * pixels.length);
  const labels = new Uint8Array(pixels.length);
  pixels.forEach((p, i) => {
    targetRgb.set(frame.rgb.subarray(3 * p, 3 * p + 3), 3 * i);
    labels[i] = frame.labels[p]!;
  });
  const idx = s.pairs.pairs.map((p) => p[0]);
  const targets = Float32Array.from(s.pairs.pairs.flatMap((p) => [frame.landmarks[2 * p[1]]!, frame.landmarks[2 * p[1] + 1]!]));
  let anchors: Prepared['anchors'];
  if (settings.weights.landmark > 0 && targets.some(Number.isFinite)) {
    // The Broyden solve needs no tape: it runs on the current codes before the step.
    const codes = s.vars.codes(s.row);
    try {
      const sol = await s.model.solveAnchors(codes, s.anchorYShifts ? { yShifts: ORIGINAL_TRACKER_Y_SHIFTS } : {});
      anchors = { sol, idx, targets };
    } finally {
      tf.dispose([codes.zGeo, codes.zApp, codes.zExp]);
    }
  }
  // One jitter table for the whole batch, so chunking never changes the samples.
  const jitter = { kind: 'table' as const, u: Float32Array.from({ length: pixels.length * sampling.nCoarse }, random) };
  return { rays, targetRgb, labels, rayWeights: rgbRayWeights(labels), bounds: sphereBounds(rays, BOUNDING_RADIUS), jitter, anchors };
}

/** The differentiable pieces of one frame under the current variables (built inside a tape). */
function scene(s: StepInput) {
  const codes = s.vars.codes(s.row);
  const pose = s.vars.pose(s.row);
  const { cond, field, renderParams } = sceneRender(s.model, inputsOf(s, codes, pose), shRotation(s.frame.camera));
  return { codes, pose, cond, field, renderParams };
}
type Scene = ReturnType<typeof scene>;

/** The render's inputs under the current variables (inside a tape: differentiable w.r.t. them). */
function sceneInputs(s: StepInput): SceneTensors {
  return inputsOf(s, s.vars.codes(s.row), s.vars.pose(s.row));
}

function inputsOf(s: StepInput, codes: RowCodes, pose: HeadPose): SceneTensors {
  return { zGeo: codes.zGeo, zApp: codes.zApp, zExp: codes.zExp, rot: pose.rot, trans: pose.trans, sh: s.vars.sh, colorA: s.vars.colorA, colorB: s.vars.colorB };
}

/** `f` of the render's inputs now, without a tape. */
async function withSceneNow<T>(s: StepInput, f: (scene: SceneTensors) => Promise<T>): Promise<T> {
  const scene = tf.tidy(() => sceneInputs(s) as unknown as tf.TensorContainer) as unknown as SceneTensors;
  try {
    return await f(scene);
  } finally {
    // sh and the colour correction are the variables themselves: only the derived inputs go.
    tf.dispose([scene.zGeo, scene.zApp, scene.zExp, scene.rot, scene.trans]);
  }
}

/** Weighted terms that do not depend on the rays, restricted to `families`. */
function rayFreeTerms(s: StepInput, p: Prepared, sc: Scene, families: ReadonlySet<TermFamily>, record: (k: keyof LossWeights, v: tf.Scalar) => tf.Scalar): tf.Scalar[] {
  const w = s.settings.weights;
  const cfg = s.model.config.decoder.id;
  const parts: tf.Scalar[] = [];
  const add = (k: keyof LossWeights, f: () => tf.Scalar) => {
    if (families.has(FAMILY_OF[k]) && w[k] > 0) parts.push(record(k, f()));
  };
  if (families.has('regularisers')) {
    const c = s.vars.regularised(sc.codes, s.row);
    const sq = (x: tf.Tensor, from: number, to?: number) => (c.perElement ? sliceMeanSquare(x, from, to) : sliceSquaredNorm(x, from, to));
    // Per element (spread steps): the distance of a pair's local codes in spreads per element.
    const symm = (x: tf.Tensor, local: number) => {
      const d = symmetryDistance(x, cfg.lat_dim_glob, local, cfg.nsymm_pairs);
      return c.perElement ? (tf.div(d, Math.sqrt(local)) as tf.Scalar) : d;
    };
    add('regGlobalGeo', () => sq(c.geo, 0, cfg.lat_dim_glob));
    add('regLocGeo', () => sq(c.geo, cfg.lat_dim_glob));
    add('regGlobalApp', () => sq(c.app, 0, cfg.lat_dim_glob));
    add('regLocApp', () => sq(c.app, cfg.lat_dim_glob));
    add('symmGeo', () => symm(c.geo, cfg.lat_dim_loc_geo));
    add('symmApp', () => symm(c.app, cfg.lat_dim_loc_app));
    add('regExpr', () => sq(c.exp, 0));
  }
  if (p.anchors) {
    const a = p.anchors;
    add('landmark', () => {
      const posed = selectRows(s.model.posedAnchors(sc.cond, a.sol), a.idx) as tf.Tensor2D;
      const projected = projectToPixels(posed, sc.pose, s.frame.camera);
      return landmarkLoss(projected, a.targets, s.pairs.scales, a.idx.map((k) => a.sol.valid[k]!), s.frame.width, s.frame.height);
    });
  }
  if (s.vars.frameIds.length > 1) {
    add('exprSmooth', () => temporalSmoothness(s.vars.allExpressions()));
    add('poseSmooth', () => tf.add(temporalSmoothness(s.vars.rot as tf.Tensor as tf.Tensor2D), tf.mul(temporalSmoothness(s.vars.trans as tf.Tensor as tf.Tensor2D), 10)) as tf.Scalar);
  }
  return parts;
}

/**
 * tf.variableGrads of the sum of `f`'s terms with every variable on the tape (zeroLink): the one
 * way this step differentiates, so no tape can miss the link.
 */
function linkedGrads(f: () => tf.Scalar | tf.Scalar[], vars: tf.Variable[]): { value: tf.Scalar; grads: Record<string, tf.Tensor> } {
  return tf.variableGrads(() => {
    const out = f();
    return tf.addN([...(Array.isArray(out) ? out : [out]), zeroLink(vars)]) as tf.Scalar;
  }, vars);
}

interface Gradients {
  grads: Record<string, tf.Tensor>;
  /** Weighted objective of the included terms. */
  total: number;
  terms: Record<string, number>;
}

function addInto(sums: Record<string, tf.Tensor>, grads: Record<string, tf.Tensor>): void {
  for (const [k, g] of Object.entries(grads)) {
    const prev = sums[k];
    if (!prev) {
      sums[k] = g;
      continue;
    }
    sums[k] = tf.add(prev, g);
    prev.dispose();
    g.dispose();
  }
}

/**
 * Gradients of the terms of `families` w.r.t. the trainable variables. Without chunking one tape
 * holds everything. With chunks, the colour loss (a sum over rays) is summed per chunk; the
 * silhouette loss (soft-Jaccard, not a sum) is linearised: a forward pass without tape gives every
 * ray's silhouette P, the exact ∂L/∂P_i of the whole batch, and each chunk back-propagates
 * Σ_i (∂L/∂P_i)·P_i, which has the same gradient.
 */
async function gradientsOf(s: StepInput, p: Prepared, vars: tf.Variable[], families: ReadonlySet<TermFamily>): Promise<Gradients> {
  const w = s.settings.weights;
  const R = p.rays.count;
  const wantRgb = families.has('rgb') && w.rgb > 0;
  const wantMask = families.has('mask') && w.mask > 0;
  const planned = Math.max(1, Math.min(R, s.sampling.rayChunk ?? R));
  const workers = s.workers && s.workers.size > 1 ? s.workers : undefined;
  // With threads, the chunk count is a multiple of theirs (none idles in the last round), and when
  // every chunk can run at once the silhouette term meets at a barrier instead of a silhouette
  // pass first (ray-chunk.ts MaskBarrier): that pass costs as much as the threads save.
  const nChunks = Math.min(R, workers ? workers.size * Math.ceil(R / (workers.size * planned)) : Math.ceil(R / planned));
  const chunk = Math.ceil(R / nChunks);
  const barrier = workers && wantMask && Math.ceil(R / chunk) <= workers.size ? maskBarrier(p.labels, Math.ceil(R / chunk)) : undefined;
  const opts = (a: number, b: number) => chunkOptions({ variance: s.settings.variance, nCoarse: s.sampling.nCoarse, nImportance: s.sampling.nImportance, jitter: p.jitter }, p.bounds, a, b);

  const kept: Partial<Record<keyof LossWeights, tf.Scalar>> = {};
  const record = (k: keyof LossWeights, v: tf.Scalar) => {
    kept[k] = tf.keep(v);
    return tf.mul(v, w[k]) as tf.Scalar;
  };
  const read = async (): Promise<Record<string, number>> => {
    const out: Record<string, number> = {};
    for (const [k, t] of Object.entries(kept)) {
      out[k] = (await t!.data())[0]!;
      t!.dispose();
    }
    return out;
  };
  const sums: Record<string, tf.Tensor> = {};

  if (chunk >= R) {
    const r = linkedGrads(() => {
      const sc = scene(s);
      const parts = rayFreeTerms(s, p, sc, families, record);
      if (wantRgb || wantMask) {
        const out = renderRays(sc.field, p.rays, sc.renderParams, opts(0, R));
        if (wantRgb) parts.push(record('rgb', rgbShare(out.rgb, { targetRgb: p.targetRgb, rayWeights: p.rayWeights, share: 1 })));
        if (wantMask) parts.push(record('mask', maskLoss(out.weightsSum, p.labels)));
      }
      return parts;
    }, vars);
    const total = (await r.value.data())[0]!;
    r.value.dispose();
    return { grads: r.grads, total, terms: await read() };
  }

  const chunks = (dMask?: Float32Array): RayChunk[] => {
    const out: RayChunk[] = [];
    for (let a = 0; a < R; a += chunk) {
      const b = Math.min(R, a + chunk);
      out.push({
        rays: sliceRays(p.rays, a, b),
        options: opts(a, b),
        w2cRotation: shRotation(s.frame.camera),
        targetRgb: p.targetRgb.subarray(3 * a, 3 * b),
        rayWeights: p.rayWeights.subarray(a, b),
        share: (b - a) / R,
        weights: { rgb: wantRgb ? w.rgb : 0, mask: wantMask ? w.mask : 0 },
        ...(dMask ? { dMask: dMask.subarray(a, b) } : {}),
        ...(barrier ? { barrier: { ...barrier, start: a } } : {}),
      });
    }
    return out;
  };
  // The workers take the scene's values, read once per pass; the tracker's thread takes tensors.
  const values = workers ? await withSceneNow(s, sceneValues) : undefined;

  let dMask: Float32Array | undefined;
  if (wantMask && !barrier) {
    const silhouette = new Float32Array(R);
    const parts = chunks();
    if (workers) {
      (await workers.silhouettes(s.model, values!, parts)).forEach((sil, i) => silhouette.set(sil, i * chunk));
    } else {
      for (const [i, c] of parts.entries()) {
        await breathe();
        silhouette.set(await withSceneNow(s, (scene) => chunkSilhouette(s.model, scene, c)), i * chunk);
      }
    }
    const { value, grad } = maskLossGradient(silhouette, p.labels);
    kept.mask = value;
    dMask = (await grad.data()) as Float32Array;
    grad.dispose();
  }
  let rgbTotal = 0;
  let maskValue: number | undefined;
  const pending = (wantRgb || wantMask) && workers ? workers.gradients(s.model, values!, chunks(dMask)) : undefined;
  pending?.catch(() => undefined);
  // The terms without rays meanwhile, on this thread (none in some families: the link alone).
  const free = linkedGrads(() => rayFreeTerms(s, p, scene(s), families, record), vars);
  const freeTotal = (await free.value.data())[0]!;
  free.value.dispose();
  addInto(sums, free.grads);
  if (pending) {
    // Σ over chunks of ∂objective/∂inputs, then one backward pass through the code space.
    const results = await pending;
    const sum = {} as SceneValues;
    for (const k of SCENE_INPUTS) {
      const acc = new Float32Array(values![k].length);
      for (const r of results) r.grads[k].forEach((g, j) => (acc[j] = acc[j]! + g));
      sum[k] = acc;
    }
    rgbTotal = results.reduce((a, r) => a + r.rgb, 0);
    if (barrier) maskValue = barrierLoss(barrier);
    const r = linkedGrads(() => {
      const scene = sceneInputs(s);
      return SCENE_INPUTS.map((k) => tf.sum(tf.mul(scene[k], tf.tensor(sum[k], scene[k].shape))) as tf.Scalar);
    }, vars);
    r.value.dispose();
    addInto(sums, r.grads);
  } else if (wantRgb || wantMask) {
    for (const c of chunks(dMask)) {
      // Cancellation is checked between steps (a step's gradient sums must not leak); the
      // turns given here let the cancel itself arrive.
      await breathe();
      let part: tf.Scalar | undefined;
      const r = linkedGrads(() => {
        const o = chunkObjective(s.model, sceneInputs(s), c);
        part = o.rgb;
        return o.objective;
      }, vars);
      if (part) {
        rgbTotal += (await part.data())[0]!;
        part.dispose();
      }
      r.value.dispose();
      addInto(sums, r.grads);
    }
  }
  const terms = await read();
  if (wantRgb) terms.rgb = rgbTotal;
  if (maskValue !== undefined) terms.mask = maskValue;
  return { grads: sums, total: freeTotal + (wantRgb ? w.rgb * rgbTotal : 0) + (wantMask ? w.mask * terms.mask! : 0), terms };
}

async function readNorms(norms: Record<string, tf.Scalar>): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const [k, t] of Object.entries(norms)) {
    out[k] = (await t.data())[0]!;
    t.dispose();
  }
  return out;
}

/** One step: the objective's gradients applied by `opt` at the step's learning rates. */
export async function trackingStep(opt: GroupedAdam, s: StepInput): Promise<StepResult> {
  opt.setLearningRates(s.settings.lr as unknown as Record<string, number>);
  const p = await prepare(s);
  const vars = opt.trainable();
  const families = TERM_FAMILIES.filter((f) => (Object.keys(FAMILY_OF) as (keyof LossWeights)[]).some((k) => FAMILY_OF[k] === f && s.settings.weights[k] > 0));
  let g: Gradients;
  let familyGradNorms: StepResult['familyGradNorms'];
  if (s.diagnose) {
    familyGradNorms = {};
    const sums: Record<string, tf.Tensor> = {};
    let total = 0;
    const terms: Record<string, number> = {};
    for (const f of families) {
      const part = await gradientsOf(s, p, vars, new Set([f]));
      familyGradNorms[f] = await readNorms(opt.gradientNorms(part.grads));
      addInto(sums, part.grads);
      total += part.total;
      Object.assign(terms, part.terms);
    }
    g = { grads: sums, total, terms };
  } else {
    g = await gradientsOf(s, p, vars, new Set(families));
  }
  let gradNorms: Record<string, number>;
  try {
    gradNorms = await readNorms(opt.applyGradients(g.grads));
  } finally {
    tf.dispose(Object.values(g.grads));
  }
  return { losses: { total: g.total, ...g.terms }, gradNorms, ...(familyGradNorms ? { familyGradNorms } : {}) };
}
