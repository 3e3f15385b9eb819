import * as tf from '@tensorflow/tfjs-core';
import { defineNode } from '../contract.ts';
import { tensorPreview } from './tensor-preview.ts';

export const matMulNode = defineNode({
  type: 'tensor.matmul',
  typeVersion: 1,
  title: 'MatMul',
  category: 'Tensors',
  description: 'Matrix product a·b of two 2-D tensors (optionally transposed).',
  inputs: {
    a: { type: 'tensor', description: 'left matrix [m, k]' },
    b: { type: 'tensor', description: 'right matrix [k, n]' },
  },
  outputs: { product: { type: 'tensor', description: 'a·b [m, n]' } },
  params: {
    transposeA: { type: 'boolean', default: false, description: 'use aᵀ' },
    transposeB: { type: 'boolean', default: false, description: 'use bᵀ' },
  },
  run: (inputs, p) => {
    const a = inputs.a as tf.Tensor, b = inputs.b as tf.Tensor;
    if (a.rank !== 2 || b.rank !== 2) throw new Error(`matmul needs 2-D tensors, got [${a.shape}] and [${b.shape}]`);
    const k1 = p.transposeA ? a.shape[0] : a.shape[1];
    const k2 = p.transposeB ? b.shape[1] : b.shape[0];
    if (k1 !== k2) throw new Error(`inner sizes differ: [${a.shape}]${p.transposeA ? 'ᵀ' : ''} · [${b.shape}]${p.transposeB ? 'ᵀ' : ''}`);
    return { product: tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D, p.transposeA as boolean, p.transposeB as boolean) };
  },
  preview: (o) => tensorPreview(o.product as tf.Tensor),
});
