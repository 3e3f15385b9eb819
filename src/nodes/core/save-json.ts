import * as tf from '@tensorflow/tfjs-core';
import { defineNode } from '../contract.ts';
import { artifactNameProblem } from '../../graph/artifact-name.ts';
import { quoteForMessage } from '../../graph/safe-text.ts';

/** Writes its input as a JSON file: numbers as they are, tensors as {shape, dtype, values}. */
export const saveJsonNode = defineNode({
  type: 'io.saveJson',
  typeVersion: 1,
  title: 'Save JSON',
  category: 'Output',
  description: 'Saves a number or tensor as a JSON file (a declared output of the graph).',
  inputs: { value: { type: 'any', description: 'a number, string or tensor' } },
  outputs: {},
  params: { filename: { type: 'string', default: 'value.json', maxLength: 200, description: 'file name in the output folder' } },
  run: async (inputs, p, ctx) => {
    const v = inputs.value;
    const body = v instanceof tf.Tensor ? { shape: v.shape, dtype: v.dtype, values: Array.from(await v.data()) } : { value: v };
    const name = p.filename as string;
    const nameProblem = artifactNameProblem(name);
    if (nameProblem) throw new Error(`filename ${quoteForMessage(name)}: ${nameProblem}`);
    ctx.artifact({ name, mime: 'application/json', data: JSON.stringify(body) });
    return {};
  },
});
