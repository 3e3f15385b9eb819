import * as tf from '@tensorflow/tfjs-core';
import { defineNode } from '../contract.ts';

export const reduceNode = defineNode({
  type: 'tensor.reduce',
  typeVersion: 1,
  title: 'Reduce',
  category: 'Tensors',
  description: 'Reduces a tensor to one number.',
  inputs: { x: { type: 'tensor', description: 'input tensor' } },
  outputs: { value: { type: 'number', description: 'the reduced value' } },
  params: { op: { type: 'enum', default: 'sum', options: ['sum', 'mean', 'max', 'min', 'norm'], description: 'the reduction' } },
  run: async (inputs, p) => {
    const x = inputs.x as tf.Tensor;
    const r = tf.tidy(() => {
      switch (p.op) {
        case 'mean': return tf.mean(x);
        case 'max': return tf.max(x);
        case 'min': return tf.min(x);
        case 'norm': return tf.norm(x);
        default: return tf.sum(x);
      }
    });
    const value = (await r.data())[0]!;
    r.dispose();
    return { value };
  },
  preview: (o) => ({ kind: 'text', text: (o.value as number).toPrecision(6) }),
});
