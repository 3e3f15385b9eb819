/**
 * What the renderer and the mesher need from a neural field, independent of MonoNPHM.
 *
 * A field lives in MODEL space and closes over its own parameters (network weights, latent codes);
 * whatever it closes over as tf.Variables (or tensors differentiated with tf.grads) receives
 * gradients through `evaluate`, including through `gradient` (second order: the renderer uses
 * ∂sdf/∂x for the NeuS cos term and for the SH normals).
 */
import * as tf from '@tensorflow/tfjs-core';
import { registerHigherOrderGradients } from './gradients.ts';


export interface FieldSamples {
  /** [N] signed distance (negative inside). */
  sdf: tf.Tensor1D;
  /** [N,3] colour in [−1, 1] (no output activation). */
  rgb: tf.Tensor2D;
  /** [N,3] ∂sdf/∂x_model, unnormalised, differentiable. */
  gradient: tf.Tensor2D;
}

export interface RenderField {
  /** [N,3] model-space points → [N] SDF. Only used without gradients (coarse pass, mesh grids). */
  sdf(x: tf.Tensor2D): tf.Tensor1D;
  /** SDF, colour and SDF gradient at [N,3] points; differentiable w.r.t. x and the field's parameters. */
  evaluate(x: tf.Tensor2D): FieldSamples;
  /** [N,3] → [N,3] colour only (mesh vertex colours). Falls back to `evaluate` when absent. */
  color?(x: tf.Tensor2D): tf.Tensor2D;
}

/** A field's forward pass without the gradient: SDF and colour at [N,3] points. */
export type SdfColorFn = (x: tf.Tensor2D) => { sdf: tf.Tensor; rgb: tf.Tensor };

/**
 * Adds ∂sdf/∂x by reverse-mode autodiff to a forward pass. The backward ops are recorded on any
 * enclosing tape (tf.variableGrads / tf.grads), so the gradient stays differentiable w.r.t. x and
 * the parameters the forward closes over. One forward pass serves sdf, colour and gradient.
 */
export function withAutodiffGradient(forward: SdfColorFn): (x: tf.Tensor2D) => FieldSamples {
  return (x) => {
    registerHigherOrderGradients();
    let sdfKept: tf.Tensor | undefined;
    let rgbKept: tf.Tensor | undefined;
    const gradient = tf.grad((xx: tf.Tensor) => {
      const out = forward(xx as tf.Tensor2D);
      sdfKept = tf.keep(out.sdf);
      rgbKept = tf.keep(out.rgb);
      return tf.sum(out.sdf);
    })(x) as tf.Tensor2D;
    // Clone (a recorded identity) so the results belong to the caller's scope, then drop the kept ones.
    const sdf = sdfKept!.reshape([-1]).clone() as tf.Tensor1D;
    const rgb = rgbKept!.reshape([-1, 3]).clone() as tf.Tensor2D;
    sdfKept!.dispose();
    rgbKept!.dispose();
    return { sdf, rgb, gradient };
  };
}

/** A field from a forward pass: gradient by autodiff, `sdf` from the same forward. */
export function fieldFromForward(forward: SdfColorFn, sdfOnly?: (x: tf.Tensor2D) => tf.Tensor): RenderField {
  const evaluate = withAutodiffGradient(forward);
  return {
    sdf: (x) => tf.tidy(() => (sdfOnly ? sdfOnly(x) : forward(x).sdf).reshape([-1]) as tf.Tensor1D),
    evaluate,
    color: (x) => tf.tidy(() => forward(x).rgb.reshape([-1, 3]) as tf.Tensor2D),
  };
}
