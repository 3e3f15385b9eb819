/**
 * MonoNPHM tracking (reference §4): stage 1 fits frame by frame (identity, appearance, SH and
 * colour correction on the first frame; expression and pose on every frame, warm-started from the
 * previous one), stage 2 refines all frames jointly with temporal smoothness. What every iteration
 * does — iterations, learning rates, weights, NeuS variance — comes from the plan (plan.ts); one
 * step is step.ts; the variables and their code space are variables.ts and code-space.ts.
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
import type { NphmModel } from '../nphm/model.ts';
import type { LatentStats } from '../nphm/latent-stats.ts';
import { codeSpace, type CodeSpace } from './code-space.ts';
import { GroupedAdam } from './optimizer.ts';
import type { StepSettings, TrackingPlan } from './plan.ts';
import { poseFromLandmarkMotion, poseFromLandmarks } from './pose-init.ts';
import { initialState, TrackingCancelled, type LandmarkPairs, type RigidPose, type TrackingFrame, type TrackingState } from './state.ts';
import { seededRandom } from './ray-sampling.ts';
import { trackingStep, type StepResult } from './step.ts';
import { TrackVariables } from './variables.ts';
import { breathe } from '../graph/breathe.ts';
import type { RayChunkWorkers } from './ray-chunk.ts';
import { installedRayWorkers } from './ray-workers.ts';

export interface TrackProgress extends StepResult {
  stage: 1 | 2;
  frame: number;
  iteration: number;
  iterations: number;
  settings: StepSettings;
  /** On diagnosed iterations: the codes after the step (to follow how far they move). */
  codes?: { zGeo: Float32Array; zApp: Float32Array; zExp: Float32Array };
}

export interface TrackOptions {
  plan: TrackingPlan;
  pairs: LandmarkPairs;
  /** The model's latent statistics (required by a plan that steps codes in units of their spread). */
  stats?: LatentStats;
  signal?: AbortSignal;
  onProgress?: (p: TrackProgress) => void;
  seed?: number;
  /** Apply the original tracker's hand-made anchor y-shifts (default false). */
  anchorYShifts?: boolean;
  /** Initial pose per frame (e.g. from a face tracker); otherwise from `poseInit`. */
  initialPose?: readonly (RigidPose | undefined)[];
  /**
   * Without `initialPose`: start each frame at the identity / previous frame's pose, or (default)
   * at the pose that best projects the current head's anchors onto its landmarks (pose-init.ts).
   */
  poseInit?: 'identity' | 'landmarks';
  /** Differentiate each term family separately every N iterations (0: never) for gradient diagnostics. */
  diagnoseEvery?: number;
  /**
   * Where the ray chunks are evaluated: workers with their own model copy, `false` for this thread
   * only; by default the process's installed workers (the CLI installs one per core).
   */
  workers?: RayChunkWorkers | false;
}

function checkAbort(o: TrackOptions): void {
  if (o.signal?.aborted) throw new TrackingCancelled();
}

/** The code space of a run and the state it starts from (the space's centre: the latent mean, or zero). */
export function startingState(model: NphmModel, nFrames: number, o: TrackOptions): { space: CodeSpace; state: TrackingState } {
  const space = codeSpace(o.plan.codeSteps, model.sizes, o.stats);
  return { space, state: initialState(model, nFrames, o.initialPose, { zGeo: space.geo.centre, zApp: space.app.centre, zExp: space.exp.centre }) };
}

async function optimise(model: NphmModel, vars: TrackVariables, o: TrackOptions, run: { stage: 1 | 2; iterations: number; settings: (it: number) => StepSettings; row: (it: number) => number; frames: readonly TrackingFrame[]; seed: (it: number) => number }): Promise<void> {
  const opt = new GroupedAdam(vars.groups(run.settings(0).lr, o.plan.clipNorm));
  const workers = o.workers === false ? undefined : (o.workers ?? installedRayWorkers());
  try {
    for (let it = 0; it < run.iterations; it++) {
      checkAbort(o);
      const row = run.row(it);
      const settings = run.settings(it);
      const diagnose = !!o.diagnoseEvery && it % o.diagnoseEvery === 0;
      const result = await trackingStep(opt, {
        model,
        vars,
        row,
        frame: run.frames[vars.frameIds[row]!]!,
        settings,
        sampling: o.plan.sampling,
        pairs: o.pairs,
        anchorYShifts: o.anchorYShifts ?? false,
        ...(workers ? { workers } : {}),
        seed: run.seed(it),
        diagnose,
      });
      const codes = diagnose ? await readCodes(vars, row) : undefined;
      o.onProgress?.({ ...result, stage: run.stage, frame: vars.frameIds[row]!, iteration: it + 1, iterations: run.iterations, settings, ...(codes ? { codes } : {}) });
      await breathe();
    }
  } finally {
    opt.dispose();
  }
}

async function readCodes(vars: TrackVariables, row: number): Promise<{ zGeo: Float32Array; zApp: Float32Array; zExp: Float32Array }> {
  const c = vars.codes(row);
  try {
    return { zGeo: (await c.zGeo.data()) as Float32Array, zApp: (await c.zApp.data()) as Float32Array, zExp: (await c.zExp.data()) as Float32Array };
  } finally {
    tf.dispose([c.zGeo, c.zApp, c.zExp]);
  }
}

/** Stage 1: frames in order, each warm-started from the previous one; returns (and updates) `state`. */
export async function trackStage1(model: NphmModel, frames: readonly TrackingFrame[], o: TrackOptions, start?: { space: CodeSpace; state: TrackingState }): Promise<TrackingState> {
  const plan = o.plan;
  if (plan.stage1.length !== frames.length) throw new Error(`tracking plan is for ${plan.stage1.length} frames, got ${frames.length}`);
  const { space, state } = start ?? startingState(model, frames.length, o);
  for (const fp of plan.stage1) {
    await breathe();
    checkAbort(o);
    const f = fp.frame;
    const first = f === 0;
    // Warm start from the previous frame; a given initial pose of this frame is kept (it was
    // overwritten here, so only the first frame's given pose was ever used).
    const given = o.initialPose?.[f];
    if (!first) state.frames[f] = { ...state.frames[f - 1]!, zExp: state.frames[f - 1]!.zExp.slice(), ...(given ? { rot: Float32Array.from(given.rot), trans: Float32Array.from(given.trans) } : {}) };
    if ((o.poseInit ?? 'landmarks') === 'landmarks' && !o.initialPose?.[f]) {
      // Later frames' few, slow iterations cannot follow a fast turn from the warm start alone.
      const cur = state.frames[f]!;
      const codes = { zGeo: state.zGeo, zApp: state.zApp, zExp: cur.zExp };
      const init = first
        ? await poseFromLandmarks(model, codes, frames[f]!.landmarks, frames[f]!.camera, o.pairs.pairs, { start: cur })
        : await poseFromLandmarkMotion(model, codes, { landmarks: frames[f - 1]!.landmarks, pose: cur }, frames[f]!, frames[f]!.camera, o.pairs.pairs);
      if (init) state.frames[f] = { ...cur, rot: Float32Array.from(init.rot), trans: Float32Array.from(init.trans) };
    }
    await breathe();
    const vars = new TrackVariables(state, [f], space);
    try {
      await optimise(model, vars, o, { stage: 1, iterations: fp.iterations, settings: fp.settings, row: () => 0, frames, seed: (it) => (o.seed ?? 0) * 1_000_003 + f * 10_007 + it });
      await vars.writeBack(state);
    } finally {
      vars.dispose();
    }
  }
  return state;
}

/** Stage 2: all frames jointly, one random frame rendered per iteration, smoothness over all. */
export async function trackStage2(model: NphmModel, frames: readonly TrackingFrame[], state: TrackingState, o: TrackOptions): Promise<TrackingState> {
  const s2 = o.plan.stage2;
  if (!s2) return state;
  const space = codeSpace(o.plan.codeSteps, model.sizes, o.stats);
  const random = seededRandom((o.seed ?? 0) + 7919);
  const rows = Array.from({ length: s2.iterations }, () => Math.floor(random() * frames.length));
  const vars = new TrackVariables(state, frames.map((_, i) => i), space);
  try {
    await optimise(model, vars, o, { stage: 2, iterations: s2.iterations, settings: s2.settings, row: (it) => rows[it]!, frames, seed: (it) => (o.seed ?? 0) * 1_000_003 + 500_000 + it });
    await vars.writeBack(state);
  } finally {
    vars.dispose();
  }
  return state;
}

/** Stage 1, then stage 2 when the plan has one. */
export async function track(model: NphmModel, frames: readonly TrackingFrame[], o: TrackOptions): Promise<TrackingState> {
  const state = await trackStage1(model, frames, o);
  return o.plan.stage2 ? trackStage2(model, frames, state, o) : state;
}
