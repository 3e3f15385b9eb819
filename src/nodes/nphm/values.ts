/**
 * The values that flow between the MonoNPHM nodes. Everything but the model is plain data
 * (typed arrays), so results cache and transfer without owning tensors; nodes create tensors only
 * inside their own run and dispose them there.
 */
import type { NphmModel } from '../../nphm/model.ts';
import type { Camera } from '../../render/camera.ts';
import type { TrackingState } from '../../track/state.ts';
import type { LossWeights } from '../../track/schedules.ts';

import type { LatentStats } from '../../nphm/latent-stats.ts';

export type { LatentStats } from '../../nphm/latent-stats.ts';

/** A loaded head model; the cache entry owns its tensors through `dispose`. */
export interface ModelValue {
  model: NphmModel;
  name: string;
  stats?: LatentStats;
  dispose(): void;
}

/** Latent codes (always complete: missing parts are zeros). */
export interface LatentValue {
  zGeo: Float32Array;
  zApp: Float32Array;
  zExp: Float32Array;
}

export interface PoseValue {
  /** Axis-angle, radians; the residual pose maps world → model: p_model = s·R·p_world + t. */
  rot: [number, number, number];
  trans: [number, number, number];
  scale: number;
}

/** An RGBA8 image. */
export interface ImageValue {
  width: number;
  height: number;
  rgba: Uint8ClampedArray;
}

export interface VideoValue {
  name: string;
  fps: number;
  frames: ImageValue[];
  /** Source frame numbers of `frames` (after range and stride). */
  frameIndex: number[];
  /** Ground truth shipped with synthetic sequences. */
  truth?: {
    cameras: Camera[];
    landmarks: Float32Array[];
    labels: Uint8Array[];
    /** Per frame: head pose model → world (x_world = R·x_model + t), axis-angle. */
    headPose: { rot: number[]; trans: number[] }[];
    /** Per frame: URI of the ground-truth mesh (world space). */
    meshUris: string[];
  };
}

export interface LandmarksValue {
  width: number;
  height: number;
  /** Per frame: [68·2] iBUG-68 pixels, NaN where missing or occluded. */
  frames: Float32Array[];
}

export interface SegmentationValue {
  width: number;
  height: number;
  frames: Uint8Array[];
}

/** A field of a model under codes (and a pose): what SDF, TextureField and DeformField output. */
export interface FieldValue {
  kind: 'sdf' | 'texture' | 'deform';
  model: ModelValue;
  codes: LatentValue;
  /** Evaluate in canonical space (no deformation) instead of posed space. */
  canonical?: boolean;
}

export interface PointsValue {
  /** [n·3] model-space points. */
  points: Float32Array;
  valid: boolean[];
  frame?: number;
}

/** What the Loss node hands the Optimizer: the targets and the loss weights. */
export interface LossValue {
  weights: Partial<LossWeights>;
  video: VideoValue;
  landmarks: LandmarksValue;
  segmentation: SegmentationValue;
  cameras: Camera[];
}

export type CodeSequenceValue = TrackingState & { source?: string };

export type CameraValue = Camera;
