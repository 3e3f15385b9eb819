import * as tf from '@tensorflow/tfjs-core';
import { defineNode } from '../contract.ts';
import { tensorPreview } from './tensor-preview.ts';

const OPS = {
  relu: tf.relu,
  tanh: tf.tanh,
  sigmoid: tf.sigmoid,
  softplus: tf.softplus,
  exp: tf.exp,
  sin: tf.sin,
  square: tf.square,
  abs: tf.abs,
  neg: tf.neg,
} as const;

export const unaryNode = defineNode({
  type: 'tensor.unary',
  typeVersion: 1,
  title: 'Element-wise op',
  category: 'Tensors',
  description: 'Applies an element-wise function, then scales the result.',
  inputs: { x: { type: 'tensor', description: 'input tensor' } },
  outputs: { y: { type: 'tensor', description: 'scale · op(x)' } },
  params: {
    op: { type: 'enum', default: 'relu', options: Object.keys(OPS), description: 'the function' },
    scale: { type: 'number', default: 1, min: -1e6, max: 1e6, description: 'factor applied after the op' },
  },
  run: (inputs, p) => ({ y: tf.tidy(() => tf.mul(OPS[p.op as keyof typeof OPS](inputs.x as tf.Tensor), p.scale as number)) }),
  preview: (o) => tensorPreview(o.y as tf.Tensor),
});
