/**
 * Initial head pose of a frame from its 2-D landmarks: the rigid pose (residual world → model,
 * as the tracker's) that best projects the model's posed anchors of the current codes onto the
 * paired iBUG-68 landmarks, all pairs weighted alike (a PnP by gradient descent).
 *
 * Why: the original starts tracking from the poses of a FLAME tracker (MICA + metrical tracker,
 * reference §12), never from the identity. From the identity, the tracker's landmark loss — whose
 * inner-face pairs carry scale 100 — settles in a wrong yaw when the mean head's anchors differ
 * from the subject's (measured on the sample: yaw 0.12 rad against a true 0.28). The unweighted fit
 * is dominated by the face outline and lands at yaw 0.287.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { NphmModel } from '../nphm/model.ts';
import type { Camera } from '../render/camera.ts';
import { projectToPixels } from './projection.ts';
import { withCodes, type Codes } from './state-render.ts';

export interface PoseInitOptions {
  iterations?: number;
  /** Adam step of rotation (rad) and translation (model units), quartered for the last half. */
  lr?: number;
  /** Starting pose (e.g. the previous frame's); identity when absent. */
  start?: { rot: ArrayLike<number>; trans: ArrayLike<number> };
}

export interface PoseInit {
  rot: number[];
  trans: number[];
  /** Root-mean-square landmark residual in pixels at the result, over `pairsUsed` pairs. */
  rmsPixels: number;
  pairsUsed: number;
}

/**
 * Pose from landmarks; `null` when fewer than 6 pairs have a landmark and a converged anchor
 * (too few to fix six degrees of freedom robustly).
 */
export async function poseFromLandmarks(
  model: NphmModel,
  codes: Codes,
  landmarks: Float32Array,
  camera: Camera,
  pairs: readonly (readonly [number, number] | number[])[],
  opts: PoseInitOptions = {},
): Promise<PoseInit | null> {
  const sol = await withCodes(model, codes, (cond) => model.solveAnchors(cond));
  const used = pairs.filter(([a, l]) => sol.valid[a!] && Number.isFinite(landmarks[2 * l!]!) && Number.isFinite(landmarks[2 * l! + 1]!));
  if (used.length < 6) return null;
  const iterations = opts.iterations ?? 300;
  const lr = opts.lr ?? 0.02;
  const rot = tf.tidy(() => tf.variable(tf.tensor1d(Array.from(opts.start?.rot ?? [0, 0, 0])), true));
  const trans = tf.tidy(() => tf.variable(tf.tensor1d(Array.from(opts.start?.trans ?? [0, 0, 0])), true));
  const anchors = tf.tensor2d(used.flatMap(([a]) => [sol.points[3 * a!]!, sol.points[3 * a! + 1]!, sol.points[3 * a! + 2]!]), [used.length, 3]);
  const target = tf.tensor2d(used.flatMap(([, l]) => [landmarks[2 * l!]!, landmarks[2 * l! + 1]!]), [used.length, 2]);
  const scale = 1 / Math.max(camera.width, camera.height);
  const residual = () => tf.mul(tf.sub(projectToPixels(anchors, { rot, trans }, camera), target), scale);
  const fast = tf.train.adam(lr);
  const slow = tf.train.adam(lr / 4);
  try {
    for (let it = 0; it < iterations; it++) {
      const opt = it < iterations / 2 ? fast : slow;
      opt.minimize(() => tf.mean(tf.square(residual())) as tf.Scalar, false, [rot, trans]);
    }
    const rms = tf.tidy(() => tf.sqrt(tf.mean(tf.sum(tf.square(residual()), 1))));
    const rmsPixels = (await rms.data())[0]! / scale;
    rms.dispose();
    return { rot: Array.from(await rot.data()), trans: Array.from(await trans.data()), rmsPixels, pairsUsed: used.length };
  } finally {
    fast.dispose();
    slow.dispose();
    tf.dispose([rot, trans, anchors, target]);
  }
}
