import * as tf from '@tensorflow/tfjs-core';
import { defineNode } from '../contract.ts';
import { tensorPreview } from './tensor-preview.ts';

export const randomTensorNode = defineNode({
  type: 'tensor.random',
  typeVersion: 1,
  title: 'Random tensor',
  category: 'Tensors',
  description: 'A tensor of seeded random numbers: the same values on every backend for a seed.',
  inputs: {},
  outputs: { tensor: { type: 'tensor', description: 'the random tensor' } },
  params: {
    shape: { type: 'vector', default: [16, 16], minLength: 1, maxLength: 4, min: 1, max: 4096, description: 'the shape' },
    distribution: { type: 'enum', default: 'normal', options: ['normal', 'uniform'], description: 'N(0, 1) or U(0, 1)' },
    seed: { type: 'number', default: 1, integer: true, min: 0, max: 2 ** 31 - 1, description: 'random seed' },
  },
  run: (_i, p) => {
    const shape = (p.shape as number[]).map(Math.round);
    if (shape.reduce((a, b) => a * b, 1) > 2 ** 24) throw new Error(`shape ${shape.join('×')} is too large (more than 2^24 values)`);
    const seed = p.seed as number;
    return { tensor: p.distribution === 'normal' ? tf.randomNormal(shape, 0, 1, 'float32', seed) : tf.randomUniform(shape, 0, 1, 'float32', seed) };
  },
  preview: (o) => tensorPreview(o.tensor as tf.Tensor),
});
