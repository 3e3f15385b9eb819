/**
 * A model's weights as one shared buffer, so that worker threads can build their own copy of the
 * model from it. The buffer is a SharedArrayBuffer: posting it to a worker shares it instead of
 * copying it (each worker still uploads it once into its own backend's memory).
 */
import * as tf from '@tensorflow/tfjs-core';
import { NphmModel } from './model.ts';
import type { NphmParams } from './params.ts';

interface TensorSlot {
  tensor: { shape: number[]; dtype: 'float32' | 'int32'; offset: number; length: number };
}

/** The params tree with every tensor replaced by its slot in `buffer`. */
export interface ParamsPayload {
  tree: unknown;
  /** 4-byte elements: float32 or int32 as each slot's dtype says. */
  buffer: SharedArrayBuffer;
}

function isSlot(v: unknown): v is TensorSlot {
  return typeof v === 'object' && v !== null && 'tensor' in v && Object.keys(v).length === 1;
}

/** The model's params as a payload (reads every weight once). */
export async function paramsPayload(params: NphmParams): Promise<ParamsPayload> {
  const tensors: tf.Tensor[] = [];
  const slots = (v: unknown): unknown => {
    if (v instanceof tf.Tensor) {
      if (v.dtype !== 'float32' && v.dtype !== 'int32') throw new Error(`params payload: unsupported dtype ${v.dtype}`);
      tensors.push(v);
      return { tensor: { shape: [...v.shape], dtype: v.dtype, offset: -1, length: v.size } } satisfies TensorSlot;
    }
    if (Array.isArray(v)) return v.map(slots);
    if (typeof v === 'object' && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, slots(x)]));
    return v;
  };
  const tree = slots(params);
  const total = tensors.reduce((a, t) => a + t.size, 0);
  const buffer = new SharedArrayBuffer(4 * total);
  let offset = 0;
  const place = (v: unknown): void => {
    if (isSlot(v)) {
      v.tensor.offset = offset;
      offset += v.tensor.length;
    } else if (Array.isArray(v)) v.forEach(place);
    else if (typeof v === 'object' && v !== null) Object.values(v).forEach(place);
  };
  place(tree);
  const f32 = new Float32Array(buffer);
  const i32 = new Int32Array(buffer);
  let at = 0;
  for (const t of tensors) {
    const data = await t.data();
    (t.dtype === 'int32' ? i32 : f32).set(data as Float32Array | Int32Array, at);
    at += t.size;
  }
  return { tree, buffer };
}

/** A model built from a payload (its tensors live in this thread's backend). */
export function modelFromPayload(p: ParamsPayload): NphmModel {
  const f32 = new Float32Array(p.buffer);
  const i32 = new Int32Array(p.buffer);
  const build = (v: unknown): unknown => {
    if (isSlot(v)) {
      const { shape, dtype, offset, length } = v.tensor;
      // slice() copies out of the shared buffer: the backend must own its data.
      return tf.tensor((dtype === 'int32' ? i32 : f32).slice(offset, offset + length), shape, dtype);
    }
    if (Array.isArray(v)) return v.map(build);
    if (typeof v === 'object' && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, build(x)]));
    return v;
  };
  return new NphmModel(build(p.tree) as NphmParams);
}
