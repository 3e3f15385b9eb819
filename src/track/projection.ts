/**
 * Projection of model-space points (posed anchors) into the image, as the original's landmark
 * loss does it: back to world coordinates through the inverse residual pose, then a plain pinhole
 * projection u = fx·x/z + cx, v = fy·y/z + cy in OpenCV camera axes (equivalently the original's
 * OpenGL sign flips). Differentiable w.r.t. the points and the pose.
 */
import * as tf from '@tensorflow/tfjs-core';
import { worldToCamera, type Camera } from '../render/camera.ts';
import { modelToWorld, type HeadPose } from '../render/pose.ts';

/** [N,3] model points → [N,2] pixel coordinates (u right, v down). */
export function projectToPixels(x: tf.Tensor2D, pose: HeadPose | undefined, camera: Camera): tf.Tensor2D {
  return tf.tidy(() => {
    const w2c = worldToCamera(camera, 'opencv');
    const Rc = tf.tensor2d([w2c[0]!.slice(0, 3), w2c[1]!.slice(0, 3), w2c[2]!.slice(0, 3)] as number[][]);
    const tc = tf.tensor2d([[w2c[0]![3]!, w2c[1]![3]!, w2c[2]![3]!]]);
    const pc = tf.add(tf.matMul(pose ? modelToWorld(x, pose) : x, Rc, false, true), tc);
    const [px, py, pz] = tf.unstack(pc, 1);
    const { fx, fy, cx, cy } = camera.intrinsics;
    const u = tf.add(tf.mul(tf.div(px!, pz!), fx), cx);
    const v = tf.add(tf.mul(tf.div(py!, pz!), fy), cy);
    return tf.stack([u, v], 1) as tf.Tensor2D;
  });
}
