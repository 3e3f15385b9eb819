import * as tf from '@tensorflow/tfjs-core';
import type { NphmModel } from '../nphm/model.ts';
import { disposeConditioning } from '../nphm/conditioning.ts';
import type { Camera } from '../render/camera.ts';
import { modelRenderField } from '../render/model-field.ts';
import { cameraRays } from '../render/rays.ts';
import { renderChunked, shRotation, type ImageRender } from '../render/render.ts';
import type { TrackingState } from './tracker.ts';

/** Codes of one tracked frame as tensors (caller disposes). */
export function frameCodes(state: TrackingState, frame: number): { zGeo: tf.Tensor; zApp: tf.Tensor; zExp: tf.Tensor } {
  const f = state.frames[frame];
  if (!f) throw new Error(`tracking state has no frame ${frame}`);
  return { zGeo: tf.tensor1d(state.zGeo), zApp: tf.tensor1d(state.zApp), zExp: tf.tensor1d(f.zExp) };
}

/** Renders a whole image of a tracked frame (pose, SH and colour correction applied), no gradients. */
export async function renderTrackedFrame(model: NphmModel, state: TrackingState, frame: number, camera: Camera, opts: { variance?: number; nCoarse?: number; nImportance?: number; chunk?: number } = {}): Promise<ImageRender> {
  const codes = frameCodes(state, frame);
  const f = state.frames[frame]!;
  const cond = model.condition(codes);
  const params = {
    pose: { rot: tf.tensor1d(f.rot), trans: tf.tensor1d(f.trans) },
    sh: tf.tensor2d(state.sh, [9, 3]),
    w2cRotation: shRotation(camera),
    colorA: tf.tensor2d(state.colorA, [3, 3]),
    colorB: tf.tensor2d(state.colorB, [1, 3]),
  };
  try {
    return await renderChunked(modelRenderField(model, cond), cameraRays(camera), params, {
      variance: opts.variance ?? 0.8,
      nCoarse: opts.nCoarse ?? 32,
      nImportance: opts.nImportance ?? 32,
      chunk: opts.chunk ?? 512,
    });
  } finally {
    tf.dispose([codes.zGeo, codes.zApp, codes.zExp, params.pose.rot, params.pose.trans, params.sh, params.colorA, params.colorB]);
    disposeConditioning(cond);
  }
}

/** Mean absolute colour error over foreground pixels (labels ≠ 0), per channel, in [−1, 1] units. */
export function foregroundL1(rendered: Float32Array, target: Float32Array, labels: ArrayLike<number>): number {
  let s = 0, n = 0;
  for (let i = 0; i < labels.length; i++) {
    if (!labels[i]) continue;
    for (let c = 0; c < 3; c++) s += Math.abs(rendered[3 * i + c]! - target[3 * i + c]!);
    n += 3;
  }
  return n ? s / n : 0;
}
