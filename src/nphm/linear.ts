/**
 * Linear layers with constant weights, fast on wasm in both directions.
 *
 * The wasm backend runs a matMul on XNNPACK only when neither operand is transposed; dy·Wᵀ (the
 * input gradient) and xᵀ·dy (the weight gradient) take a generic path that is 10–40× slower. So:
 * - without a tape: tf.fused.matMul (bias and ReLU fused);
 * - under a tape: a custom-gradient matMul whose input gradient multiplies by a stored Wᵀ (no
 *   transpose flag) and which never forms the gradient of the constant W (tf.fused.matMul is a
 *   customGrad op, and customGrad computes every input's gradient eagerly). Its gradient is the
 *   same op with W and Wᵀ swapped, so it is differentiable to any order.
 */
import * as tf from '@tensorflow/tfjs-core';

/** A constant weight [in, out] and its transpose [out, in]. */
export interface Weight {
  w: tf.Tensor2D;
  wt: tf.Tensor2D;
}

/** True while tf.grad / variableGrads (or a nested backward pass) is recording. */
export function isRecording(): boolean {
  return ((tf.engine().state as unknown as { gradientDepth: number }).gradientDepth ?? 0) > 0;
}

/** x·W for a constant W, with the transpose-free gradient described above. */
export function constMatMul(x: tf.Tensor, w: Weight): tf.Tensor2D {
  const f = tf.customGrad(((xx: tf.Tensor) => ({
    value: tf.matMul(xx as tf.Tensor2D, w.w),
    gradFunc: (dy: tf.Tensor) => constMatMul(dy, { w: w.wt, wt: w.w }),
  })) as never);
  return f(x) as tf.Tensor2D;
}

/**
 * x·W + b for a constant W and a constant b: fused (bias in the matMul kernel) even under a tape,
 * with the transpose-free input gradient; nothing is saved for the backward pass.
 */
export function constAffine(x: tf.Tensor, w: Weight, b: tf.Tensor1D): tf.Tensor2D {
  const f = tf.customGrad(((xx: tf.Tensor) => ({
    value: tf.fused.matMul({ a: xx as tf.Tensor2D, b: w.w, bias: b }),
    gradFunc: (dy: tf.Tensor) => constMatMul(dy, { w: w.wt, wt: w.w }),
  })) as never);
  return f(x) as tf.Tensor2D;
}

/** act(x·W + b) for a layer whose weight and bias are both constants. */
export function dense(x: tf.Tensor, d: Weight & { b: tf.Tensor1D }, activation: 'linear' | 'relu' = 'linear'): tf.Tensor2D {
  if (!isRecording()) return tf.fused.matMul({ a: x as tf.Tensor2D, b: d.w, bias: d.b, activation }) as tf.Tensor2D;
  const y = constAffine(x, d, d.b);
  return (activation === 'relu' ? tf.relu(y) : y) as tf.Tensor2D;
}

/** act(x·W + b) for a constant W and a bias `b` that may depend on the codes (differentiated normally). */
export function linear(x: tf.Tensor, w: Weight, b?: tf.Tensor, activation: 'linear' | 'relu' = 'linear'): tf.Tensor2D {
  if (!isRecording()) return tf.fused.matMul({ a: x as tf.Tensor2D, b: w.w, bias: b, activation }) as tf.Tensor2D;
  let y: tf.Tensor = constMatMul(x, w);
  if (b) y = tf.add(y, b);
  return (activation === 'relu' ? tf.relu(y) : y) as tf.Tensor2D;
}

/** A Weight from a [in, out] tensor (the transpose is materialised once). */
export function weight(w: tf.Tensor2D): Weight {
  return { w, wt: tf.transpose(w) };
}
