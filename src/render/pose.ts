/**
 * Residual head pose: p_model = s · R · p_world + t, R = so3_exp(ω) (axis-angle ω, Rodrigues).
 *
 * Differentiable in tfjs w.r.t. ω, t and s. Like pytorch3d's `so3_exp_map` (the original), the
 * squared angle is clamped at 1e-4 before the square root, so the map and its derivative stay finite
 * at ω = 0 (the rotation is then I + 0.99998·[ω]× + 0.49999·[ω]×², a 2e-5 relative deviation from
 * the exact series for |ω| < 0.01).
 */
import * as tf from '@tensorflow/tfjs-core';

export interface HeadPose {
  /** [3] axis-angle. */
  rot: tf.Tensor;
  /** [3] translation (model units). */
  trans: tf.Tensor;
  /** Scalar scale; 1 when absent. */
  scale?: tf.Tensor | number;
}

const SO3_EPS = 1e-4;

/** [3] axis-angle → [3,3] rotation matrix (column-vector convention: R·p). */
export function so3Exp(omega: tf.Tensor): tf.Tensor2D {
  return tf.tidy(() => {
    const w = omega.reshape([3]);
    const theta2 = tf.maximum(tf.sum(tf.square(w)), SO3_EPS);
    const theta = tf.sqrt(theta2);
    const fac1 = tf.div(tf.sin(theta), theta);
    const fac2 = tf.div(tf.sub(1, tf.cos(theta)), theta2);
    const [wx, wy, wz] = tf.unstack(w);
    const z = tf.zerosLike(wx!);
    const K = tf.stack([z, tf.neg(wz!), wy!, wz!, z, tf.neg(wx!), tf.neg(wy!), wx!, z]).reshape([3, 3]);
    const K2 = tf.matMul(K, K);
    return tf.addN([tf.eye(3), tf.mul(fac1, K), tf.mul(fac2, K2)]) as tf.Tensor2D;
  });
}

/** Plain-number so3 exp with the same clamp (for CPU-side use and tests). */
export function so3ExpNumbers(w: readonly number[]): number[][] {
  const [x, y, z] = [w[0] ?? 0, w[1] ?? 0, w[2] ?? 0];
  const t2 = Math.max(x * x + y * y + z * z, SO3_EPS);
  const t = Math.sqrt(t2);
  const f1 = Math.sin(t) / t;
  const f2 = (1 - Math.cos(t)) / t2;
  const K = [
    [0, -z, y],
    [z, 0, -x],
    [-y, x, 0],
  ];
  const out: number[][] = [];
  for (let i = 0; i < 3; i++) {
    out.push([]);
    for (let j = 0; j < 3; j++) {
      let k2 = 0;
      for (let k = 0; k < 3; k++) k2 += K[i]![k]! * K[k]![j]!;
      out[i]!.push((i === j ? 1 : 0) + f1 * K[i]![j]! + f2 * k2);
    }
  }
  return out;
}

/** Identity pose tensors (ω = 0, t = 0, s = 1). */
export function identityPose(): HeadPose {
  return { rot: tf.zeros([3]), trans: tf.zeros([3]), scale: 1 };
}

/** Row-vector world points [N,3] → model points [N,3]: s · p Rᵀ + t. */
export function worldToModel(points: tf.Tensor2D, pose: HeadPose, R?: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const rot = R ?? so3Exp(pose.rot);
    let p = tf.matMul(points, rot, false, true);
    if (pose.scale !== undefined && !(typeof pose.scale === 'number' && pose.scale === 1)) p = tf.mul(p, pose.scale);
    return tf.add(p, pose.trans.reshape([1, 3])) as tf.Tensor2D;
  });
}

/** Model points [N,3] → world points: Rᵀ (p − t) / s (row vectors: ((p − t)/s) R). */
export function modelToWorld(points: tf.Tensor2D, pose: HeadPose, R?: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const rot = R ?? so3Exp(pose.rot);
    let p = tf.sub(points, pose.trans.reshape([1, 3]));
    if (pose.scale !== undefined && !(typeof pose.scale === 'number' && pose.scale === 1)) p = tf.div(p, pose.scale);
    return tf.matMul(p, rot) as tf.Tensor2D;
  });
}
