/**
 * Small differentiable helpers the model needs beyond tfjs-core's ops.
 */
import * as tf from '@tensorflow/tfjs-core';

/**
 * rows of x in the order `perm` (a permutation; `inv` its inverse). Unlike `tf.gather`, whose
 * gradient needs UnsortedSegmentSum (absent from the wasm backend), the gradient of a permutation
 * is the inverse permutation, so this is differentiable to any order on every backend.
 */
export function permuteRows<T extends tf.Tensor>(x: T, perm: tf.Tensor1D, inv: tf.Tensor1D): T {
  // The indices go through `save` so that the engine keeps them alive for the backward pass even
  // when the caller disposes the edge plan right after the forward pass.
  const f = tf.customGrad(((xx: tf.Tensor, save: tf.GradSaveFunc) => {
    save([perm, inv]);
    return {
      value: tf.gather(xx, perm),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => permuteRows(dy, saved[1] as tf.Tensor1D, saved[0] as tf.Tensor1D),
    };
  }) as never);
  return f(x) as T;
}

/** The value of x with no gradient (torch's `.detach()`). */
export function stopGradient<T extends tf.Tensor>(x: T): T {
  const f = tf.customGrad(((xx: tf.Tensor) => ({
    value: tf.clone(xx),
    gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy),
  })) as never);
  return f(x) as T;
}

/**
 * exp(x) whose gradient is computed from the input (dy·exp(x)) rather than from the saved output.
 * tfjs saves an op's outputs for its gradient in a way that is not connected to the tape in the
 * right order, so tf.exp's gradient is treated as a constant when differentiated again (its
 * second derivative comes out wrong without any error). Saved inputs are fine.
 */
export function expInputGrad(x: tf.Tensor): tf.Tensor {
  const f = tf.customGrad(((xx: tf.Tensor, save: tf.GradSaveFunc) => {
    save([xx]);
    return { value: tf.exp(xx), gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.mul(dy, expInputGrad(saved[0]!)) };
  }) as never);
  return f(x);
}
