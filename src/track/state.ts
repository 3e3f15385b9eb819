/**
 * What tracking reads and writes: frames prepared for the tracker, and the state it estimates
 * (codes, lighting, colour correction, per-frame expression and pose). Plain data, so results
 * cache, serialise and cross the worker boundary without owning tensors.
 */
import type { Camera } from '../render/camera.ts';
import type { NphmModel } from '../nphm/model.ts';

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

export interface LandmarkPairs {
  pairs: readonly (readonly [number, number])[];
  scales: readonly number[];
}

export interface RigidPose {
  rot: ArrayLike<number>;
  trans: ArrayLike<number>;
}

export class TrackingCancelled extends Error {
  constructor() {
    super('tracking cancelled');
  }
}

const SQRT_4PI = Math.sqrt(4 * Math.PI);

/** Codes a tracking run starts from: the latent mean when the model has statistics, else zero (the original). */
export interface StartCodes {
  zGeo?: Float32Array;
  zApp?: Float32Array;
  zExp?: Float32Array;
}

/**
 * The initial state: the start codes (zero: the mean head of a trained model), shading 1 (SH c₀ =
 * √(4π), as the original), identity colour correction, and the given poses (identity otherwise).
 */
export function initialState(model: NphmModel, nFrames: number, init?: readonly (RigidPose | undefined)[], start: StartCodes = {}): TrackingState {
  const s = model.sizes;
  const sh = new Float32Array(27);
  sh[0] = sh[1] = sh[2] = SQRT_4PI;
  const code = (c: Float32Array | undefined, n: number) => (c ? Float32Array.from(c) : new Float32Array(n));
  return {
    zGeo: code(start.zGeo, s.zGeoDim),
    zApp: code(start.zApp, s.zAppDim),
    sh,
    colorA: Float32Array.from([1, 0, 0, 0, 1, 0, 0, 0, 1]),
    colorB: new Float32Array(3),
    frames: Array.from({ length: nFrames }, (_, i) => ({
      zExp: code(start.zExp, s.zExpDim),
      rot: Float32Array.from(init?.[i]?.rot ?? [0, 0, 0]),
      trans: Float32Array.from(init?.[i]?.trans ?? [0, 0, 0]),
    })),
  };
}

/** Mean squared landmark change between consecutive frames (0 for the first). */
export function landmarkMotion(frames: readonly Pick<TrackingFrame, 'landmarks'>[]): number[] {
  return frames.map((f, t) => {
    if (t === 0) return 0;
    const a = frames[t - 1]!.landmarks, b = f.landmarks;
    let s = 0, n = 0;
    for (let i = 0; i < a.length; i++) if (Number.isFinite(a[i]!) && Number.isFinite(b[i]!)) (s += (a[i]! - b[i]!) ** 2), n++;
    return n ? s / n : 0;
  });
}
