/**
 * Tracking schedules: every number of MonoNPHM's tracker (reference §3–4) as data. `paper` is the
 * original's Kinect settings; `short` runs on a 2-core CPU in minutes (fewer rays, samples and
 * iterations; the milestones scale with the iteration counts). `plan.ts` turns a schedule and the
 * nodes' overrides into the per-iteration settings a run uses; nothing else reads these numbers.
 *
 * Milestones are given in the paper's iterations of a first frame (251), so one number places them
 * for any iteration count: a milestone at k happens at round(k/251 · N) of a frame with N iterations.
 */

export interface LossWeights {
  rgb: number;
  mask: number;
  regLocGeo: number;
  regLocApp: number;
  regGlobalGeo: number;
  regGlobalApp: number;
  symmGeo: number;
  symmApp: number;
  regExpr: number;
  landmark: number;
  exprSmooth: number;
  poseSmooth: number;
}

export const LOSS_TERMS: readonly (keyof LossWeights)[] = ['rgb', 'mask', 'regLocGeo', 'regLocApp', 'regGlobalGeo', 'regGlobalApp', 'symmGeo', 'symmApp', 'regExpr', 'landmark', 'exprSmooth', 'poseSmooth'];

export interface LearningRates {
  geo: number;
  app: number;
  color: number;
  expr: number;
  sh: number;
  rot: number;
  trans: number;
}

export const PARAM_GROUPS: readonly (keyof LearningRates)[] = ['geo', 'app', 'color', 'expr', 'sh', 'rot', 'trans'];

/** The original's iterations of a first frame: the unit of every stage-1 milestone. */
export const PAPER_FRAME_ITERATIONS = 251;

/** A step function of the iteration (in units of PAPER_FRAME_ITERATIONS): `value` until `before`. */
export interface Step {
  before: number;
  value: number;
}

export interface Sampling {
  raysPerIteration: number;
  /** Fraction of rays drawn from foreground pixels (rest uniform). */
  foregroundFraction: number;
  nCoarse: number;
  nImportance: number;
  /**
   * Rays per differentiable chunk (memory of the double-backward tape); all rays at once when
   * absent. The paper model on wasm holds ~1.3 MB per sample point.
   */
  rayChunk?: number;
}

/**
 * How the identity, appearance and expression codes are stepped.
 * - `raw`: Adam on the codes themselves, learning rates in code units (the original).
 * - `spread`: Adam on u = (z − μ)/σ with the model's latent statistics (per element mean μ and
 *   spread σ of its training codes, stored with the model): learning rates are in units of the
 *   spread, so one schedule fits models whose codes differ in scale (see docs/architecture.md).
 */
export type CodeSteps = 'raw' | 'spread';

export type CodeRates = Pick<LearningRates, 'geo' | 'app' | 'expr'>;
export type RegulariserWeights = Pick<LossWeights, 'regLocGeo' | 'regLocApp' | 'regGlobalGeo' | 'regGlobalApp' | 'symmGeo' | 'symmApp' | 'regExpr'>;

/**
 * The code learning rates and latent-regulariser weights of `spread` code steps: rates in spreads
 * per step, regularisers as means over a code's elements of (offset / spread)², symmetry as the
 * pairs' distance in spreads per element (step.ts). Everything else of a schedule is the same in
 * both conventions.
 */
export interface SpreadCodeSettings {
  stage1: { lrFirst: CodeRates; lrLater: CodeRates; weights: RegulariserWeights; firstFrameRegExpr: number };
  stage2: { lr: CodeRates; weights: RegulariserWeights };
}

export interface TrackingSchedule {
  name: string;
  sampling: Sampling;
  /** The default code steps; the code numbers of stage1/stage2 are in `raw` units, `spread` holds the others. */
  codeSteps: CodeSteps;
  spread: SpreadCodeSettings;
  stage1: {
    /** Iterations of the first frame (paper 251). */
    firstIterations: number;
    /** Later frames: ⌊firstIterations · multiplier⌋ (the original's int()), the multiplier from landmark motion. */
    motionMultipliers: { high: number; mid: number; low: number };
    weights: LossWeights;
    /** Expression regulariser of the first frame of a video (the original's 1000). */
    firstFrameRegExpr: number;
    /** Landmark weight over a frame's iterations (the original's hard-coded 100 → 50 → 20 → 10). */
    landmark: readonly Step[];
    lrFirst: LearningRates;
    /** Later frames: identity, appearance, colour and SH frozen (lr 0). */
    lrLater: LearningRates;
  };
  stage2: {
    /** Stage-2 iterations = ⌊iterationsPerFrame · frames⌋. */
    iterationsPerFrame: number;
    weights: LossWeights;
    /** Smoothness weights of the second half of stage 2 (the original halves them). */
    exprSmoothLate: number;
    poseSmoothLate: number;
    lr: LearningRates;
  };
  /** Gradient-norm clip of z_geo and z_app, each (the original's 0.1, in code units). */
  clipNorm: number;
}

const stage1Weights: LossWeights = {
  rgb: 100, mask: 25, regLocGeo: 1000, regLocApp: 1000, regGlobalGeo: 25, regGlobalApp: 50,
  symmGeo: 1, symmApp: 1, regExpr: 150, landmark: 100, exprSmooth: 0, poseSmooth: 0,
};

const stage2Weights: LossWeights = {
  rgb: 100, mask: 10, regLocGeo: 500, regLocApp: 500, regGlobalGeo: 50, regGlobalApp: 50,
  symmGeo: 1, symmApp: 1, regExpr: 100, landmark: 5, exprSmooth: 2000, poseSmooth: 50_000,
};

const PAPER_LANDMARK: readonly Step[] = [
  { before: 25, value: 100 },
  { before: 50, value: 50 },
  { before: 100, value: 20 },
  { before: Infinity, value: 10 },
];

/**
 * Spread-unit code settings (see docs/architecture.md, "Tracking in units of the code spread"):
 * measured on videos rendered by the default model, where the original's weights translated to
 * spread units (local identity ≈ 30, first-frame expression ≈ 40) hold z_geo at the mean and
 * z_exp at zero.
 */
const SPREAD_CODES: SpreadCodeSettings = {
  stage1: {
    lrFirst: { geo: 0.1, app: 0.1, expr: 0.1 },
    lrLater: { geo: 0, app: 0, expr: 0.1 },
    weights: { regLocGeo: 3, regGlobalGeo: 0.3, regLocApp: 3, regGlobalApp: 0.3, symmGeo: 0.1, symmApp: 0.1, regExpr: 0.5 },
    firstFrameRegExpr: 1,
  },
  stage2: {
    lr: { geo: 0.04, app: 0.04, expr: 0.05 },
    weights: { regLocGeo: 1.5, regGlobalGeo: 0.6, regLocApp: 1.5, regGlobalApp: 0.3, symmGeo: 0.1, symmApp: 0.1, regExpr: 0.3 },
  },
};

export const PAPER_SCHEDULE: TrackingSchedule = {
  name: 'paper',
  sampling: { raysPerIteration: 450, foregroundFraction: 0.75, nCoarse: 32, nImportance: 32, rayChunk: 32 },
  codeSteps: 'spread',
  spread: SPREAD_CODES,
  stage1: {
    firstIterations: PAPER_FRAME_ITERATIONS,
    motionMultipliers: { high: 0.5, mid: 0.25, low: 0.1 },
    weights: stage1Weights,
    firstFrameRegExpr: 1000,
    landmark: PAPER_LANDMARK,
    lrFirst: { geo: 5e-4, app: 5e-4, color: 5e-4, expr: 2e-4, sh: 0.05, rot: 5e-3, trans: 2.5e-3 },
    // lr_scale 0.99, pose lr / 10.
    lrLater: { geo: 0, app: 0, color: 0, expr: 1.98e-4, sh: 0, rot: 4.95e-4, trans: 2.48e-4 },
  },
  stage2: {
    iterationsPerFrame: PAPER_FRAME_ITERATIONS * 0.25,
    weights: stage2Weights,
    exprSmoothLate: 1000,
    poseSmoothLate: 25_000,
    lr: { geo: 2e-4, app: 2e-4, color: 0, expr: 1e-4, sh: 1e-4, rot: 3e-4, trans: 1e-4 },
  },
  clipNorm: 0.1,
};

/**
 * For a CPU: a quarter of the rays, half the samples, a third of the iterations; code learning
 * rates raised so the shorter schedule covers the same distance. The first frame's pose rates are
 * half the paper's, not raised: the frame starts at the pose fitted to its landmarks, and at
 * 128 rays per step each Adam step moves the pose by about its rate whatever the gradient, so
 * twice the paper's rates walked the head 1.25 mm per step off even the true pose (sample, first
 * frame from the true pose: face 2.37 mm at 1e-2 / 5e-3, 1.34 mm at these; docs/architecture.md).
 */
export const SHORT_SCHEDULE: TrackingSchedule = {
  ...PAPER_SCHEDULE,
  name: 'short',
  sampling: { raysPerIteration: 128, foregroundFraction: 0.75, nCoarse: 16, nImportance: 16 },
  stage1: {
    ...PAPER_SCHEDULE.stage1,
    firstIterations: 80,
    lrFirst: { geo: 1.5e-3, app: 1.5e-3, color: 1.5e-3, expr: 1e-3, sh: 0.05, rot: 2.5e-3, trans: 1.25e-3 },
    lrLater: { geo: 0, app: 0, color: 0, expr: 6e-4, sh: 0, rot: 1.5e-3, trans: 7.5e-4 },
  },
  stage2: { ...PAPER_SCHEDULE.stage2, iterationsPerFrame: 10 },
};

export const TRACKING_SCHEDULES: Readonly<Record<string, TrackingSchedule>> = Object.freeze({ paper: PAPER_SCHEDULE, short: SHORT_SCHEDULE });
