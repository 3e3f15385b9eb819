import * as tf from '@tensorflow/tfjs-core';
import { divergingRgba, type Preview } from '../preview.ts';

const MAX_SIDE = 64;

/** Stats and, for 1-D/2-D tensors, a small heat-map of a tensor. */
export async function tensorPreview(t: tf.Tensor): Promise<Preview> {
  if (t.size === 0) return { kind: 'tensor', shape: t.shape, dtype: t.dtype, min: NaN, max: NaN, mean: NaN };
  const stats = tf.tidy(() => {
    const flat = t.reshape([-1]).toFloat();
    return tf.stack([flat.min(), flat.max(), flat.mean()]);
  });
  const [min, max, mean] = await stats.data();
  stats.dispose();
  const preview: Preview = { kind: 'tensor', shape: t.shape, dtype: t.dtype, min: min!, max: max!, mean: mean! };
  if (t.rank <= 2 && t.size > 0) {
    const [h, w] = t.rank === 2 ? [t.shape[0]!, t.shape[1]!] : [1, t.shape[0] ?? 1];
    const small = tf.tidy(() => t.reshape([h, w]).slice([0, 0], [Math.min(h, MAX_SIDE), Math.min(w, MAX_SIDE)]).toFloat());
    const values = await small.data();
    small.dispose();
    const [sh, sw] = [Math.min(h, MAX_SIDE), Math.min(w, MAX_SIDE)];
    preview.image = { width: sw, height: sh, rgba: divergingRgba(values, sw, sh) };
  }
  return preview;
}
