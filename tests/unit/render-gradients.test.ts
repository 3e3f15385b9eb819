/**
 * Second-order gradients (∂/∂θ of a loss of ∂f/∂x) through the ops whose stock tfjs 4.22 gradients
 * read the op's saved output, which the tape drops on the second pass (see src/render/gradients.ts),
 * checked against central finite differences, after the Node set-up has re-registered the stock
 * gradients (the situation the renderer must survive).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initNodeTf } from '../../src/cli/tf-node.ts';
import { registerHigherOrderGradients } from '../../src/render/gradients.ts';

const cases: Record<string, (x: tf.Tensor) => tf.Tensor> = {
  exp: (x) => tf.exp(x),
  sigmoid: (x) => tf.sigmoid(tf.mul(x, 2)),
  tanh: (x) => tf.tanh(x),
  softmax: (x) => tf.softmax(tf.mul(x, 1.5)),
  'max + clip': (x) => tf.add(tf.mul(tf.max(tf.square(x), 1, true), x), tf.clipByValue(tf.square(x), 0.05, 0.3)),
  'gaussian blend': (x) => {
    const d = tf.sqrt(tf.add(tf.sum(tf.square(x), 1, true), 0.1));
    const w = tf.exp(tf.mul(tf.square(tf.div(d, tf.max(d))), -0.5));
    return tf.div(tf.mul(w, x), tf.sum(w));
  },
};

describe.each(['wasm', 'cpu'] as const)('second-order gradients (%s)', (backend) => {
  beforeAll(async () => {
    await initNodeTf(backend);
  });

  for (const [name, op] of Object.entries(cases)) {
    it(name, () => {
      registerHigherOrderGradients();
      const x0 = [0.1, 0.2, 0.3, 0.4, -0.5, 0.6];
      const c = tf.tensor2d([[0.3, -0.2, 0.5], [0.7, 0.1, -0.4]]);
      const W = tf.tensor2d([[0.9, -0.4, 0.2], [-0.3, 0.6, 0.8]]);
      const theta = tf.variable(tf.tensor1d([0.8, -1.1, 0.6]));
      // L(θ) = Σ W ⊙ ∂/∂x Σ c ⊙ op(θ ⊙ x)
      const L = () => {
        const f = (x: tf.Tensor) => tf.sum(tf.mul(op(tf.mul(x, theta)), c));
        return tf.sum(tf.mul(tf.grad(f)(tf.tensor2d(x0, [2, 3])), W)) as tf.Scalar;
      };
      const { value, grads } = tf.variableGrads(L, [theta]);
      const g = grads[theta.name]!.dataSync();
      const base = theta.dataSync().slice();
      const h = 1e-3;
      for (let k = 0; k < 3; k++) {
        const at = (d: number) => {
          const v = base.slice();
          v[k] = v[k]! + d;
          const t = tf.tensor1d(v);
          theta.assign(t);
          t.dispose();
          return tf.tidy(() => L().dataSync()[0]!);
        };
        const fd = (at(h) - at(-h)) / (2 * h);
        expect(Math.abs(g[k]! - fd), `${name} θ[${k}]: ${g[k]} vs ${fd}`).toBeLessThan(2e-3 * (1 + Math.abs(fd)));
      }
      tf.dispose([value, ...Object.values(grads), theta, c, W]);
    });
  }
});
