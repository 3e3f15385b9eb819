/**
 * Adapter from a model with MonoNPHM's field API (`field` / `fieldWithNormals` on posed points for a
 * conditioning object built from the codes) to the renderer's `RenderField`. Structural typing keeps
 * the renderer independent of the model's module: any model with these two methods renders.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { RenderField } from './field.ts';

export interface FieldModel<C> {
  /** SDF (and colour) at model-space (posed) points [N,3]. */
  field(x: tf.Tensor2D, cond: C, opts?: { rgb?: boolean }): { sdf: tf.Tensor; rgb?: tf.Tensor };
  /** SDF, colour and ∂sdf/∂x [N,3], differentiable again w.r.t. the codes behind `cond`. */
  fieldWithNormals(x: tf.Tensor2D, cond: C, opts?: { rgb?: boolean }): { sdf: tf.Tensor; rgb?: tf.Tensor; normals: tf.Tensor };
}

/**
 * A RenderField of `model` under conditioning `cond` (which the caller owns and disposes). Extra
 * tensors the model returns (e.g. canonical queries) are left to the caller's tf.tidy scope, which
 * the renderer and the mesher always provide.
 */
export function modelRenderField<C>(model: FieldModel<C>, cond: C): RenderField {
  return {
    sdf: (x) => model.field(x, cond, { rgb: false }).sdf.reshape([-1]) as tf.Tensor1D,
    evaluate: (x) => {
      const r = model.fieldWithNormals(x, cond, { rgb: true });
      if (!r.rgb) throw new Error('model field: fieldWithNormals returned no colour');
      return {
        sdf: r.sdf.reshape([-1]) as tf.Tensor1D,
        rgb: r.rgb.reshape([-1, 3]) as tf.Tensor2D,
        gradient: r.normals.reshape([-1, 3]) as tf.Tensor2D,
      };
    },
    color: (x) => {
      const r = model.field(x, cond, { rgb: true });
      if (!r.rgb) throw new Error('model field: field returned no colour');
      return r.rgb.reshape([-1, 3]) as tf.Tensor2D;
    },
  };
}
