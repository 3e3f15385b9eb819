/**
 * MonoNPHM's tracking losses (reference §4.2), as separate differentiable functions.
 *
 * Corrections against the original (reference §11), each documented where it applies:
 * - The mask loss is the plain soft-Jaccard over the sampled rays. The original combines an
 *   all-rays and a hair-only term and returns 0 whenever no hair ray was sampled (§11.4); we keep
 *   the optional hair term but never let it zero the whole loss.
 */
import * as tf from '@tensorflow/tfjs-core';

/** Facer / CelebAMask-HQ classes used by the losses (reference §5). */
export const SEG = { background: 0, neck: 1, skin: 2, cloth: 3, mouthInterior: 11, hair: 14 } as const;

/** Per-ray RGB weight: 0 for background and cloth, 1/25 for the mouth interior, 1 otherwise. */
export function rgbRayWeights(labels: ArrayLike<number>): Float32Array {
  const w = new Float32Array(labels.length);
  for (let i = 0; i < labels.length; i++) {
    const c = labels[i]!;
    w[i] = c === SEG.background || c === SEG.cloth ? 0 : c === SEG.mouthInterior ? 1 / 25 : 1;
  }
  return w;
}

/**
 * Σ_{rays, channels} w_r |rgb − gt| / R (the original divides by the number of sampled rays, not
 * the number of foreground rays, so the loss scale depends on the foreground fraction).
 */
export function rgbL1Loss(pred: tf.Tensor2D, target: tf.Tensor2D, rayWeights: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => tf.div(tf.sum(tf.mul(tf.abs(tf.sub(pred, target)), tf.expandDims(rayWeights, 1))), pred.shape[0]) as tf.Scalar);
}

/** Soft-Jaccard (1 − (I + 5)/(ΣY + ΣP − I + 5))·5 with P = clamp(silhouette, 0, 1). */
export function softJaccard(silhouette: tf.Tensor1D, target: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => {
    const p = tf.clipByValue(silhouette, 0, 1);
    const inter = tf.sum(tf.mul(p, target));
    const union = tf.sub(tf.add(tf.sum(target), tf.sum(p)), inter);
    return tf.mul(tf.sub(1, tf.div(tf.add(inter, 5), tf.add(union, 5))), 5) as tf.Scalar;
  });
}

/**
 * Mask loss: soft-Jaccard on all sampled rays (foreground = any non-background, non-cloth class),
 * plus, when hair rays were sampled, the original's hair term weighted 1/5. Never zero merely
 * because no hair ray was drawn (the original's quirk, §11.4).
 */
export function maskLoss(silhouette: tf.Tensor1D, labels: ArrayLike<number>): tf.Scalar {
  const fg = new Float32Array(labels.length);
  const hairIdx: number[] = [];
  for (let i = 0; i < labels.length; i++) {
    const c = labels[i]!;
    fg[i] = c === SEG.background || c === SEG.cloth ? 0 : 1;
    if (c === SEG.hair) hairIdx.push(i);
  }
  return tf.tidy(() => {
    const all = softJaccard(silhouette, tf.tensor1d(fg));
    if (!hairIdx.length) return all;
    const hair = softJaccard(selectRows(silhouette, hairIdx) as tf.Tensor1D, tf.ones([hairIdx.length]) as tf.Tensor1D);
    return tf.div(tf.add(tf.mul(all, hairIdx.length), tf.div(hair, 5)), hairIdx.length + 1) as tf.Scalar;
  });
}

/**
 * The mask loss of a whole batch's silhouettes and its gradient ∂L/∂P_i: what a ray-chunked step
 * linearises each chunk's silhouette term with. Tensors, so that a caller reads them the way its
 * backend allows.
 */
export function maskLossGradient(silhouette: Float32Array, labels: ArrayLike<number>): { value: tf.Scalar; grad: tf.Tensor1D } {
  return tf.tidy(() => {
    const { value, grad } = tf.valueAndGrad((x: tf.Tensor) => maskLoss(x as tf.Tensor1D, labels))(tf.tensor1d(silhouette));
    return { value: value as tf.Scalar, grad: grad as tf.Tensor1D };
  });
}

/**
 * Landmark loss: mean over valid pairs and both coordinates of (scale_k·(p_k − lm_k)/[W, H])².
 * `projected` [P,2] pixels of the posed anchors of the pairs, `targets` [P,2] detected landmarks.
 */
export function landmarkLoss(projected: tf.Tensor2D, targets: Float32Array, scales: readonly number[], valid: readonly boolean[], width: number, height: number): tf.Scalar {
  const P = scales.length;
  if (projected.shape[0] !== P || targets.length !== 2 * P || valid.length !== P) {
    throw new Error(`landmark loss: ${projected.shape[0]} projections, ${targets.length / 2} targets, ${valid.length} flags for ${P} pairs`);
  }
  const keep = valid.map((v, k) => v && Number.isFinite(targets[2 * k]!) && Number.isFinite(targets[2 * k + 1]!));
  const n = keep.filter(Boolean).length;
  if (!n) return tf.scalar(0);
  // Invalid pairs get weight 0 and a finite dummy target, so no NaN reaches the gradient.
  const t = Float32Array.from(targets, (x, i) => (keep[i >> 1] ? x : 0));
  const w = Float32Array.from({ length: 2 * P }, (_, i) => (keep[i >> 1] ? scales[i >> 1]! : 0));
  return tf.tidy(() => {
    const norm = tf.tensor2d([[1 / width, 1 / height]]);
    const r = tf.mul(tf.tensor2d(w, [P, 2]), tf.mul(tf.sub(projected, tf.tensor2d(t, [P, 2])), norm));
    return tf.div(tf.sum(tf.square(r)), 2 * n) as tf.Scalar;
  });
}

/**
 * Rows `idx` of x by a one-hot matrix product: differentiable on every backend (the gradient of
 * tf.gather needs UnsortedSegmentSum, which the wasm backend lacks).
 */
export function selectRows(x: tf.Tensor, idx: readonly number[]): tf.Tensor {
  return tf.tidy(() => {
    const n = x.shape[0]!;
    const onehot = new Float32Array(idx.length * n);
    idx.forEach((k, i) => (onehot[i * n + k] = 1));
    const sel = tf.tensor2d(onehot, [idx.length, n]);
    return x.rank === 1 ? tf.reshape(tf.matMul(sel, tf.reshape(x, [n, 1])), [idx.length]) : tf.matMul(sel, x as tf.Tensor2D);
  });
}

/** Squared L2 norm of a slice [from, to) of a code vector. */
export function sliceSquaredNorm(code: tf.Tensor, from: number, to?: number): tf.Scalar {
  return tf.tidy(() => {
    const flat = tf.reshape(code, [-1]);
    const end = to ?? flat.shape[0]!;
    return tf.sum(tf.square(tf.slice(flat, [from], [end - from]))) as tf.Scalar;
  });
}

/** Mean of the squares of a slice [from, to) of a code vector. */
export function sliceMeanSquare(code: tf.Tensor, from: number, to?: number): tf.Scalar {
  return tf.tidy(() => {
    const flat = tf.reshape(code, [-1]);
    const end = to ?? flat.shape[0]!;
    return tf.mean(tf.square(tf.slice(flat, [from], [end - from]))) as tf.Scalar;
  });
}

/**
 * Symmetry distance of a local code layout [global(g) | local_0 … local_{L−1} (d each)]: the mean
 * Euclidean (not squared) distance between the codes of each symmetric anchor pair (2i, 2i + 1).
 */
export function symmetryDistance(code: tf.Tensor, globalDim: number, localDim: number, pairs: number): tf.Scalar {
  return tf.tidy(() => {
    const flat = tf.reshape(code, [-1]);
    const local = tf.reshape(tf.slice(flat, [globalDim], [2 * pairs * localDim]), [pairs, 2, localDim]);
    const [a, b] = tf.unstack(local, 1);
    // +1e-12 keeps the gradient of the norm finite when a pair's codes coincide (they start at 0).
    return tf.mean(tf.sqrt(tf.add(tf.sum(tf.square(tf.sub(a!, b!)), 1), 1e-12))) as tf.Scalar;
  });
}

/**
 * Temporal smoothness of a per-frame quantity [T, D]: mean over t of ‖x_t − x_{t−1}‖² (each
 * neighbour pair counted once; the original averages both directions, which is the same up to a
 * factor at the ends).
 */
export function temporalSmoothness(perFrame: tf.Tensor2D): tf.Scalar {
  const T = perFrame.shape[0];
  if (T < 2) return tf.scalar(0);
  return tf.tidy(() => {
    const d = tf.sub(tf.slice(perFrame, [1, 0], [T - 1, -1]), tf.slice(perFrame, [0, 0], [T - 1, -1]));
    return tf.mean(tf.sum(tf.square(d), 1)) as tf.Scalar;
  });
}
