/** The zero-copy wasm Identity: clones share data, and the double backward is unchanged. */
import { describe, expect, test } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initNodeTf } from '../../src/cli/tf-node.ts';
import { installZeroCopyWasmIdentity } from '../../src/nphm/wasm-identity.ts';

function doubleBackward(): Float32Array {
  return tf.tidy(() => {
    const w = tf.tensor2d([0.3, -0.2, 0.5, 0.1, 0.7, -0.4], [3, 2]);
    const x = tf.tensor2d([0.01, -0.02, 0.03, 0.2, -0.1, 0.05], [2, 3]);
    const g = tf.grad((ww: tf.Tensor) => {
      const n = tf.grad((xx: tf.Tensor) => tf.sum(tf.softplus(tf.mul(tf.matMul(xx as tf.Tensor2D, ww as tf.Tensor2D), 100))))(x);
      return tf.sum(tf.square(n));
    })(w);
    return g.dataSync() as Float32Array;
  });
}

describe('zero-copy wasm Identity', () => {
  test('shares data, frees it once, and leaves gradients unchanged', async () => {
    await initNodeTf('wasm');
    const before = doubleBackward();
    installZeroCopyWasmIdentity();
    installZeroCopyWasmIdentity();
    const x = tf.tensor1d([1, 2, 3]);
    const y = tf.clone(x);
    expect(y.dataId).toBe(x.dataId);
    x.dispose();
    expect(Array.from(await y.data())).toEqual([1, 2, 3]);
    y.dispose();
    expect(Array.from(doubleBackward())).toEqual(Array.from(before));
  });
});
