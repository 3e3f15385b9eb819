/**
 * Gradient registrations that make SECOND-order gradients correct in tfjs 4.22. The renderer needs
 * them: its NeuS cos term and SH normals use ∂sdf/∂x, computed with tf.grad inside the loss, so the
 * backward pass of the loss differentiates the field's backward pass (double backward).
 *
 * 1. Zero gradients for comparison and logical kernels. tfjs registers one for GreaterEqual only,
 *    but the first-order gradients of Max/Min (`equal(x, max)`), ClipByValue (`lessEqual`), … put
 *    these ops on the tape; the outer backward pass then fails with "gradient function not found".
 *
 * 2. Exp, Sigmoid, Tanh, Softmax and LogSoftmax: their built-in gradients read the op's saved
 *    OUTPUT. The engine records the clone that saves it on the tape BEFORE the op's own node, and the
 *    tape filter is a single forward sweep, so the clone is never seen as depending on the input: the
 *    second-order term through it is silently dropped (e.g. d/dz of ∇ₓ of a field with Gaussian
 *    blend weights exp(−d²/2σ²) came out wrong by up to 100%), or tf.grad throws "Cannot compute
 *    gradient". The replacements save the INPUT and recompute the output; first-order values are
 *    identical. Ops built with tf.customGrad that save their own output (tf.logSoftmax, fused
 *    matMul with a non-linear activation) cannot be fixed here; for ReLU-fused matMul the dropped
 *    term is the derivative of the ReLU mask, which is zero anyway. (Float32 zero gradients also
 *    for bool/int inputs: the engine rejects any other dtype.)
 *
 * `registerHigherOrderGradients()` is called by the renderer and `withAutodiffGradient` on every
 * use (a cheap registry lookup): registering at import time is not enough, because importing the
 * `@tensorflow/tfjs` union later (as the Node set-up does) re-registers the stock gradients.
 */
import * as tf from '@tensorflow/tfjs-core';

type Saved = tf.Tensor[];
type Dy = tf.Tensor | tf.Tensor[];

const COMPARISONS = ['Equal', 'NotEqual', 'Less', 'LessEqual', 'Greater', 'GreaterEqual', 'LogicalAnd', 'LogicalOr'];

const expGrad = {
  kernelName: 'Exp',
  inputsToSave: ['x'],
  gradFunc: (dy: Dy, saved: Saved) => ({ x: () => tf.mul(dy as tf.Tensor, tf.exp(saved[0]!)) }),
};

/** (Re-)registers the gradients above unless they are in place. */
export function registerHigherOrderGradients(): void {
  if (tf.getGradient('Exp') === expGrad) return;
  for (const kernelName of COMPARISONS) {
    if (tf.getGradient(kernelName)) continue;
    tf.registerGradient({
      kernelName,
      inputsToSave: ['a', 'b'],
      gradFunc: (_dy: Dy, saved: Saved) => ({ a: () => tf.zeros(saved[0]!.shape), b: () => tf.zeros(saved[1]!.shape) }),
    });
  }
  if (!tf.getGradient('LogicalNot')) {
    tf.registerGradient({ kernelName: 'LogicalNot', inputsToSave: ['x'], gradFunc: (_dy: Dy, saved: Saved) => ({ x: () => tf.zeros(saved[0]!.shape) }) });
  }
  tf.registerGradient({
    kernelName: 'Sigmoid',
    inputsToSave: ['x'],
    gradFunc: (dy: Dy, saved: Saved) => ({
      x: () => {
        const s = tf.sigmoid(saved[0]!);
        return tf.mul(dy as tf.Tensor, tf.mul(s, tf.sub(1, s)));
      },
    }),
  });
  tf.registerGradient({
    kernelName: 'Tanh',
    inputsToSave: ['x'],
    gradFunc: (dy: Dy, saved: Saved) => ({ x: () => tf.mul(dy as tf.Tensor, tf.sub(1, tf.square(tf.tanh(saved[0]!)))) }),
  });
  tf.registerGradient({
    kernelName: 'Softmax',
    inputsToSave: ['logits'],
    gradFunc: (dy: Dy, saved: Saved, attrs: tf.NamedAttrMap) => {
      const dim = attrs.dim as number;
      return {
        logits: () => {
          const y = tf.softmax(saved[0]!, dim);
          const dyy = tf.mul(dy as tf.Tensor, y);
          return tf.sub(dyy, tf.mul(tf.sum(dyy, [dim], true), y));
        },
      };
    },
  });
  tf.registerGradient({
    kernelName: 'LogSoftmax',
    inputsToSave: ['logits'],
    gradFunc: (dy: Dy, saved: Saved, attrs: tf.NamedAttrMap) => {
      const axis = attrs.axis as number;
      return { logits: () => tf.sub(dy as tf.Tensor, tf.mul(tf.sum(dy as tf.Tensor, axis, true), tf.softmax(saved[0]!, axis))) };
    },
  });
  tf.registerGradient(expGrad);
}
