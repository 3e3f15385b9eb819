/**
 * Backward deformation with hyper-dimensions: [Δ, h] = DefMLP([x_posed, c_id, z_exp]) and the
 * canonical query x_c = [x_posed + Δ, h]. The code rows of layer 0 and of the skip layer are folded
 * into per-call biases (see conditioning.ts), so per point only the xyz rows remain.
 */
import * as tf from '@tensorflow/tfjs-core';
import { constMatMul, dense, isRecording, linear } from './linear.ts';
import { derivedSizes } from './config.ts';
import type { Conditioning } from './conditioning.ts';
import type { NphmParams } from './params.ts';

/** The raw deformation output [N, 3 + nhyper] (Δ then h) at posed points x [N, 3]. */
export function deformationOutput(p: NphmParams, cond: Conditioning, x: tf.Tensor2D): tf.Tensor2D {
  const s = derivedSizes(p.config);
  const d = p.deform;
  return tf.tidy(() => {
    // softplus(β·u) on β-scaled pre-activations: see params.ts.
    let h: tf.Tensor = tf.softplus(linear(x, d.w0x, cond.def0Bias));
    d.hidden.forEach((l, i) => {
      const v =
        i + 1 === s.skipLayer
          ? tf.add(linear(h, l, cond.defSkipBias), isRecording() ? constMatMul(x, d.skipX) : tf.matMul(x, d.skipX.w))
          : dense(h, l);
      // Eager disposal keeps one layer alive without a tape; under a tape the engine holds its own
      // references to what the backward pass needs, so this is always safe.
      h.dispose();
      h = tf.softplus(v);
      v.dispose();
    });
    return dense(h, d.out);
  });
}

/** x_c = [x + Δ, h] [N, 3 + nhyper] from the raw deformation output. */
export function canonicalQueries(x: tf.Tensor2D, out: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const n = x.shape[0];
    const xyz = tf.add(x, tf.slice(out, [0, 0], [n, 3]));
    return (out.shape[1] > 3 ? tf.concat([xyz, tf.slice(out, [0, 3], [n, out.shape[1] - 3])], 1) : xyz) as tf.Tensor2D;
  });
}

/** Canonical queries x_c [N, dPos] of posed points x [N, 3]. */
export function deformPoints(p: NphmParams, cond: Conditioning, x: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => canonicalQueries(x, deformationOutput(p, cond, x)));
}
