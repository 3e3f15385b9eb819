/**
 * The tracking plan: one pure function turns a schedule (schedules.ts), the number of frames and
 * their landmark motion, and the overrides set on the Optimizer and Loss nodes into everything a
 * run does — iterations per frame, learning rates, loss weights and NeuS variance at every
 * iteration of stage 1 and stage 2. The stage drivers only read it, so every setting a user sees
 * is the one that runs, and a setting that cannot take effect is reported, not silently dropped.
 */
import {
  LOSS_TERMS,
  PARAM_GROUPS,
  PAPER_FRAME_ITERATIONS,
  type CodeSteps,
  type LearningRates,
  type LossWeights,
  type Sampling,
  type Step,
  type TrackingSchedule,
} from './schedules.ts';

/**
 * Sample points (rays × samples per ray) one gradient tape may hold when the schedule names no
 * ray chunk: the short schedule's 128 rays × 32 samples, which run unchunked on wasm; at 1024 such
 * rays one tape ran the wasm heap out of memory ("memory access out of bounds").
 */
export const MAX_TAPE_POINTS = 128 * 32;

/** The schedule's sampling with the rays asked for, chunked when one tape would exceed MAX_TAPE_POINTS. */
function boundedSampling(base: Sampling, rays: number | undefined): Sampling {
  const s = { ...base, ...(rays ? { raysPerIteration: rays } : {}) };
  if (s.rayChunk !== undefined) return s;
  const chunk = Math.max(1, Math.floor(MAX_TAPE_POINTS / (s.nCoarse + s.nImportance)));
  return s.raysPerIteration > chunk ? { ...s, rayChunk: chunk } : s;
}

/** What one optimisation step uses. */
export interface StepSettings {
  lr: LearningRates;
  weights: LossWeights;
  /** NeuS variance v (sharpness e^{10 v}). */
  variance: number;
}

export interface FramePlan {
  frame: number;
  iterations: number;
  /** The original's motion multiplier (1 for the first frame). */
  multiplier: number;
  settings(iteration: number): StepSettings;
}

export interface Stage2Plan {
  iterations: number;
  settings(iteration: number): StepSettings;
}

export interface TrackingPlan {
  schedule: string;
  sampling: Sampling;
  codeSteps: CodeSteps;
  clipNorm: number;
  stage1: FramePlan[];
  stage2: Stage2Plan | null;
  /** Settings that were given but cannot take effect in this run, each with the reason. */
  ignored: string[];
}

export interface PlanOverrides {
  /** Loss weights held constant over every iteration of both stages (replacing the schedule's). */
  weights?: Partial<LossWeights>;
  firstIterations?: number;
  /** Iterations of every later frame (instead of the count from landmark motion). */
  laterIterations?: number;
  stage2Iterations?: number;
  raysPerIteration?: number;
  /** Stage 1 only, or stage 1 then stage 2 (default). */
  stages?: '1' | '1+2';
  /** The schedule's code steps by default; `raw` runs the original's code numbers verbatim. */
  codeSteps?: CodeSteps;
  /**
   * Every frame keeps the pose it starts with (rotation and translation rate 0 in both stages):
   * shape and expression from known poses, e.g. a synthetic video's true ones.
   */
  holdPose?: boolean;
}

function heldPose(lr: LearningRates, hold: boolean | undefined): LearningRates {
  return hold ? { ...lr, rot: 0, trans: 0 } : lr;
}

/** The schedule with its code rates and regulariser weights in the units of `steps`. */
export function scheduleInUnits(schedule: TrackingSchedule, steps: CodeSteps): TrackingSchedule {
  if (steps === 'raw') return { ...schedule, codeSteps: 'raw' };
  const sp = schedule.spread;
  return {
    ...schedule,
    codeSteps: 'spread',
    stage1: {
      ...schedule.stage1,
      weights: { ...schedule.stage1.weights, ...sp.stage1.weights },
      firstFrameRegExpr: sp.stage1.firstFrameRegExpr,
      lrFirst: { ...schedule.stage1.lrFirst, ...sp.stage1.lrFirst },
      lrLater: { ...schedule.stage1.lrLater, ...sp.stage1.lrLater },
    },
    stage2: { ...schedule.stage2, weights: { ...schedule.stage2.weights, ...sp.stage2.weights }, lr: { ...schedule.stage2.lr, ...sp.stage2.lr } },
  };
}

/** Value of a step function at u (units of PAPER_FRAME_ITERATIONS). */
function stepAt(steps: readonly Step[], u: number): number {
  for (const s of steps) if (u < s.before) return s.value;
  return steps[steps.length - 1]!.value;
}

/** The motion multiplier of a later frame from its landmark motion relative to the sequence mean. */
export function motionMultiplier(m: TrackingSchedule['stage1']['motionMultipliers'], motion: number, meanMotion: number): number {
  if (motion > 2 * meanMotion) return m.high;
  if (motion > 0.5 * meanMotion) return m.mid;
  return m.low;
}

/**
 * Stage-1 learning rates at iteration `it` of a frame with `n` iterations (reference §4.3), the
 * milestones at k/251 of the frame: pose ×½ at 32; expression ×2.5 and SH ×½ at 150; codes,
 * colour, expression and pose ×½ at 200; codes, colour, expression and SH ×½ at 225. (At 150 the
 * original sets codes and expression to 5e-4·lr_scale: the codes are still at that rate, the
 * expression's 2e-4 rises by 2.5.) Frozen groups (rate 0) stay frozen.
 */
export function stage1LearningRates(base: LearningRates, it: number, n: number): LearningRates {
  const lr = { ...base };
  const passed = (k: number) => {
    const at = Math.round((k / PAPER_FRAME_ITERATIONS) * n);
    return at > 0 && it >= at;
  };
  const scale = (groups: (keyof LearningRates)[], f: number) => groups.forEach((g) => (lr[g] *= f));
  const codes: (keyof LearningRates)[] = ['geo', 'app', 'color'];
  if (passed(32)) scale(['rot', 'trans'], 0.5);
  if (passed(150)) scale(['expr'], 2.5);
  if (passed(150)) scale(['sh'], 0.5);
  if (passed(200)) scale([...codes, 'expr', 'rot', 'trans'], 0.5);
  if (passed(225)) scale([...codes, 'expr', 'sh'], 0.5);
  return lr;
}

/**
 * NeuS variance (reference §3): the first frame anneals 0.3 → 0.8 in steps of 0.15 every 25
 * iterations (of 251), later frames 0.5 → 0.8 every 50; stage 2 every 50 iterations per frame
 * (of the original's 62.75).
 */
export function stage1Variance(first: boolean, it: number, n: number): number {
  const u = (it * PAPER_FRAME_ITERATIONS) / Math.max(1, n);
  return first ? Math.min(0.3 + Math.floor(u / 25) * 0.15, 0.8) : Math.min(0.5 + Math.floor(u / 50) * 0.15, 0.8);
}

export function stage2Variance(it: number, n: number): number {
  const perFrame = (it * PAPER_FRAME_ITERATIONS * 0.25) / Math.max(1, n);
  return Math.min(0.5 + Math.floor(perFrame / 50) * 0.15, 0.8);
}

function checkOverrides(o: PlanOverrides): void {
  for (const [k, v] of Object.entries(o.weights ?? {})) {
    if (!(LOSS_TERMS as readonly string[]).includes(k)) throw new Error(`loss weight '${k}' is not a tracking term (terms: ${LOSS_TERMS.join(', ')})`);
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new Error(`loss weight '${k}' must be a finite number ≥ 0, got ${String(v)}`);
  }
  for (const k of ['firstIterations', 'laterIterations', 'stage2Iterations', 'raysPerIteration'] as const) {
    const v = o[k];
    if (v !== undefined && !(Number.isInteger(v) && v >= 1)) throw new Error(`${k} must be an integer ≥ 1, got ${String(v)}`);
  }
  if (o.holdPose !== undefined && typeof o.holdPose !== 'boolean') throw new Error(`holdPose must be true or false, got ${String(o.holdPose)}`);
  if (o.codeSteps !== undefined && o.codeSteps !== 'spread' && o.codeSteps !== 'raw') throw new Error(`codeSteps must be 'spread' or 'raw', got ${String(o.codeSteps)}`);
}

/**
 * The plan of a run over `motion.length` frames (`landmarkMotion` of the frames). Throws on an
 * override that is not a valid setting; lists overrides that have no effect in `ignored`.
 */
export function resolveTrackingPlan(given: TrackingSchedule, motion: readonly number[], overrides: PlanOverrides = {}): TrackingPlan {
  checkOverrides(overrides);
  const schedule = scheduleInUnits(given, overrides.codeSteps ?? given.codeSteps);
  const T = motion.length;
  if (T < 1) throw new Error('tracking needs at least one frame');
  const fixed = overrides.weights ?? {};
  const ignored: string[] = [];
  const twoStages = (overrides.stages ?? '1+2') === '1+2';
  if (T === 1 && overrides.laterIterations !== undefined) ignored.push('laterIterations: the video has one frame');
  if (!twoStages && overrides.stage2Iterations !== undefined) ignored.push('stage2Iterations: stage 2 is off (stages = 1)');
  for (const k of ['exprSmooth', 'poseSmooth'] as const) {
    if (fixed[k] === undefined) continue;
    if (!twoStages) ignored.push(`${k}: smoothness acts in stage 2 only, which is off`);
    else if (T === 1) ignored.push(`${k}: smoothness needs two frames or more`);
  }

  const s1 = schedule.stage1;
  const meanMotion = motion.slice(1).reduce((a, b) => a + b, 0) / Math.max(1, T - 1);
  const stage1: FramePlan[] = motion.map((m, f) => {
    const first = f === 0;
    const multiplier = first ? 1 : motionMultiplier(s1.motionMultipliers, m, meanMotion);
    const iterations = first
      ? (overrides.firstIterations ?? s1.firstIterations)
      : (overrides.laterIterations ?? Math.max(1, Math.floor(s1.firstIterations * multiplier)));
    const base = first ? s1.lrFirst : s1.lrLater;
    return {
      frame: f,
      iterations,
      multiplier,
      settings: (it) => {
        const u = (it * PAPER_FRAME_ITERATIONS) / Math.max(1, iterations);
        const weights: LossWeights = {
          ...s1.weights,
          landmark: stepAt(s1.landmark, u),
          regExpr: first ? s1.firstFrameRegExpr : s1.weights.regExpr,
          // Smoothness needs neighbouring frames, which stage 1 never optimises together.
          exprSmooth: 0,
          poseSmooth: 0,
          ...withoutSmoothness(fixed),
        };
        return { lr: heldPose(stage1LearningRates(base, it, iterations), overrides.holdPose), weights, variance: stage1Variance(first, it, iterations) };
      },
    };
  });

  let stage2: Stage2Plan | null = null;
  if (twoStages) {
    const s2 = schedule.stage2;
    const n = overrides.stage2Iterations ?? Math.max(1, Math.floor(s2.iterationsPerFrame * T));
    stage2 = {
      iterations: n,
      settings: (it) => {
        const late = it >= n / 2;
        const halvings = (it >= Math.round(n / 2) && it > 0 ? 1 : 0) + (it >= Math.round((3 * n) / 4) && it > 0 ? 1 : 0);
        const lr = Object.fromEntries(PARAM_GROUPS.map((g) => [g, s2.lr[g] * 0.5 ** halvings])) as unknown as LearningRates;
        const weights: LossWeights = {
          ...s2.weights,
          exprSmooth: late ? s2.exprSmoothLate : s2.weights.exprSmooth,
          poseSmooth: late ? s2.poseSmoothLate : s2.weights.poseSmooth,
          ...fixed,
        };
        return { lr: heldPose(lr, overrides.holdPose), weights, variance: stage2Variance(it, n) };
      },
    };
  }
  return {
    schedule: schedule.name,
    sampling: boundedSampling(schedule.sampling, overrides.raysPerIteration),
    codeSteps: schedule.codeSteps,
    clipNorm: schedule.clipNorm,
    stage1,
    stage2,
    ignored,
  };
}

function withoutSmoothness(w: Partial<LossWeights>): Partial<LossWeights> {
  const { exprSmooth: _e, poseSmooth: _p, ...rest } = w;
  return rest;
}
