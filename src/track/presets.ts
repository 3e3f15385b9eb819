/**
 * Every number of MonoNPHM's tracker (reference §3–4), as data: the `paper` preset reproduces the
 * original's Kinect settings; `cheap` runs on a 2-core CPU in minutes (fewer rays, samples and
 * iterations, schedules scaled with the iteration counts).
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
  /** Landmark weight; in stage 1 it follows `landmarkSchedule`. */
  landmark: number;
  exprSmooth: number;
  poseSmooth: number;
}

export interface LearningRates {
  geoApp: number;
  color: number;
  expr: number;
  sh: number;
  rot: number;
  trans: number;
}

export interface TrackingPreset {
  name: string;
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
  /** Iterations of the first frame (paper 251). */
  firstFrameIterations: number;
  /** Iterations of a later frame = round(firstFrameIterations · mult), mult from landmark motion. */
  motionMultipliers: { high: number; mid: number; low: number };
  stage1: { weights: LossWeights; firstFrameRegExpr: number; lrFirst: LearningRates; lrLater: LearningRates };
  /** Stage 2 iterations = round(stage2IterationsPerFrame · frames). */
  stage2IterationsPerFrame: number;
  stage2: { weights: LossWeights; lr: LearningRates; exprSmoothLate: number; poseSmoothLate: number };
  /** Gradient-norm clip of z_geo and z_app. */
  clipNorm: number;
  /** Image side used for tracking (frames are downsampled to it). */
  maxImageSide: number;
}

const stage1Weights: LossWeights = {
  rgb: 100, mask: 25, regLocGeo: 1000, regLocApp: 1000, regGlobalGeo: 25, regGlobalApp: 50,
  symmGeo: 1, symmApp: 1, regExpr: 150, landmark: 100, exprSmooth: 0, poseSmooth: 0,
};

const stage2Weights: LossWeights = {
  rgb: 100, mask: 10, regLocGeo: 500, regLocApp: 500, regGlobalGeo: 50, regGlobalApp: 50,
  symmGeo: 1, symmApp: 1, regExpr: 100, landmark: 5, exprSmooth: 2000, poseSmooth: 50_000,
};

export const PAPER_PRESET: TrackingPreset = {
  name: 'paper',
  raysPerIteration: 450,
  foregroundFraction: 0.75,
  nCoarse: 32,
  nImportance: 32,
  rayChunk: 32,
  firstFrameIterations: 251,
  motionMultipliers: { high: 0.5, mid: 0.25, low: 0.1 },
  stage1: {
    weights: stage1Weights,
    firstFrameRegExpr: 1000,
    lrFirst: { geoApp: 5e-4, color: 5e-4, expr: 2e-4, sh: 0.05, rot: 5e-3, trans: 2.5e-3 },
    // Later frames: identity, appearance, colour and SH frozen; pose lr / 10; lr_scale 0.99.
    lrLater: { geoApp: 0, color: 0, expr: 1.98e-4, sh: 0, rot: 4.95e-4, trans: 2.48e-4 },
  },
  stage2IterationsPerFrame: 251 * 0.25,
  stage2: {
    weights: stage2Weights,
    lr: { geoApp: 2e-4, color: 0, expr: 1e-4, sh: 1e-4, rot: 3e-4, trans: 1e-4 },
    exprSmoothLate: 1000,
    poseSmoothLate: 25_000,
  },
  clipNorm: 0.1,
  maxImageSide: 133,
};

/**
 * For a CPU: a quarter of the rays, half the samples, a third of the iterations; learning rates
 * raised so the shorter schedule covers the same distance (the paper's are tuned for 251 steps).
 */
export const CHEAP_PRESET: TrackingPreset = {
  ...PAPER_PRESET,
  name: 'cheap',
  raysPerIteration: 128,
  nCoarse: 16,
  nImportance: 16,
  rayChunk: undefined,
  firstFrameIterations: 80,
  stage1: {
    ...PAPER_PRESET.stage1,
    lrFirst: { geoApp: 1.5e-3, color: 1.5e-3, expr: 1e-3, sh: 0.05, rot: 1e-2, trans: 5e-3 },
    lrLater: { geoApp: 0, color: 0, expr: 6e-4, sh: 0, rot: 1.5e-3, trans: 7.5e-4 },
  },
  stage2IterationsPerFrame: 10,
  maxImageSide: 96,
};

export const TRACKING_PRESETS: Record<string, TrackingPreset> = { paper: PAPER_PRESET, cheap: CHEAP_PRESET };

/** Stage-1 landmark weight at iteration `it` for a frame run with multiplier `m`. */
export function landmarkWeight(it: number, m: number, scale: number): number {
  const u = it / scale;
  return u < 25 * m ? 100 : u < 50 * m ? 50 : u < 100 * m ? 20 : 10;
}

/**
 * NeuS variance v (sharpness s = e^{10 v}): the first frame anneals from 0.3; later frames and
 * stage 2 from 0.5; both capped at 0.8. `scale` stretches the schedule for shorter presets.
 */
export function neusVariance(it: number, firstFrame: boolean, mult: number, nFrames: number, scale: number): number {
  const u = it / scale;
  if (firstFrame) return Math.min(0.3 + Math.floor(u / 25) * 0.15, 0.8);
  return Math.min(0.5 + Math.floor(u / nFrames / (50 * mult)) * 0.15, 0.8);
}

/** The motion multiplier of a later frame from its landmark motion relative to the sequence mean. */
export function motionMultiplier(preset: TrackingPreset, motion: number, meanMotion: number): number {
  const m = preset.motionMultipliers;
  if (motion > 2 * meanMotion) return m.high;
  if (motion > 0.5 * meanMotion) return m.mid;
  return m.low;
}
