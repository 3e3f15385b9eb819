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
import * as THREE from 'three';
import type { NphmModel } from '../nphm/model.ts';
import type { AnchorSolution } from '../nphm/anchor-invert.ts';
import type { Camera } from '../render/camera.ts';
import { projectToPixels } from './projection.ts';
import { withCodes, type Codes } from './state-render.ts';
import { breathe } from '../graph/breathe.ts';

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
  return fitPose(sol, landmarks, camera, pairs, opts);
}

/** The fit of `poseFromLandmarks` for posed anchors already solved. */
async function fitPose(
  sol: AnchorSolution,
  landmarks: Float32Array,
  camera: Camera,
  pairs: readonly (readonly [number, number] | number[])[],
  opts: PoseInitOptions,
): Promise<PoseInit | null> {
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
      // 300 small steps run for a second or more on wasm: let progress, Stop and Ctrl-C through.
      await breathe();
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

export interface RigidPose {
  rot: ArrayLike<number>;
  trans: ArrayLike<number>;
}

function toMatrix(p: RigidPose): THREE.Matrix4 {
  const w = new THREE.Vector3(p.rot[0], p.rot[1], p.rot[2]);
  const angle = w.length();
  const m = angle > 0 ? new THREE.Matrix4().makeRotationAxis(w.divideScalar(angle), angle) : new THREE.Matrix4();
  return m.setPosition(p.trans[0]!, p.trans[1]!, p.trans[2]!);
}

function fromMatrix(m: THREE.Matrix4): { rot: number[]; trans: number[] } {
  const t = new THREE.Vector3(), q = new THREE.Quaternion(), s = new THREE.Vector3();
  m.decompose(t, q, s);
  if (q.w < 0) q.set(-q.x, -q.y, -q.z, -q.w);
  const sinHalf = Math.hypot(q.x, q.y, q.z);
  const angle = 2 * Math.atan2(sinHalf, q.w);
  const k = sinHalf > 1e-12 ? angle / sinHalf : 2;
  return { rot: [q.x * k, q.y * k, q.z * k], trans: [t.x, t.y, t.z] };
}

/** a ∘ b for poses p ↦ R·p + t (b first). */
export function composePoses(a: RigidPose, b: RigidPose): { rot: number[]; trans: number[] } {
  return fromMatrix(toMatrix(a).multiply(toMatrix(b)));
}

export function invertPose(a: RigidPose): { rot: number[]; trans: number[] } {
  return fromMatrix(toMatrix(a).invert());
}

/**
 * Starting pose of a later frame: the previous frame's tracked pose moved by the landmark-fitted
 * motion between the two frames, tracked_{f−1} ∘ fit_{f−1}⁻¹ ∘ fit_f. The fits share the codes, so
 * their common error (the mean head's anchors are not the subject's: a few degrees of pitch on the
 * sample) cancels instead of being re-applied at every frame.
 */
export async function poseFromLandmarkMotion(
  model: NphmModel,
  codes: Codes,
  previous: { landmarks: Float32Array; pose: RigidPose },
  current: { landmarks: Float32Array },
  camera: Camera,
  pairs: readonly (readonly [number, number] | number[])[],
): Promise<{ rot: number[]; trans: number[] } | null> {
  const sol = await withCodes(model, codes, (cond) => model.solveAnchors(cond));
  const before = await fitPose(sol, previous.landmarks, camera, pairs, { start: previous.pose });
  if (!before) return null;
  const after = await fitPose(sol, current.landmarks, camera, pairs, { start: before });
  if (!after) return null;
  return composePoses(previous.pose, composePoses(invertPose(before), after));
}
