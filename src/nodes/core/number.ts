import { defineNode } from '../contract.ts';

export const numberNode = defineNode({
  type: 'core.number',
  typeVersion: 2,
  title: 'Number',
  category: 'Values',
  description: 'A constant number.',
  inputs: {},
  outputs: { value: { type: 'number', description: 'the number' } },
  params: { value: { type: 'number', default: 0, description: 'the value' } },
  // Version 1 called the param `val`.
  migrate: (from, params) => {
    if (from !== 1) return params;
    const { val, ...rest } = params;
    return { ...rest, value: val ?? 0 };
  },
  run: (_inputs, params) => ({ value: params.value as number }),
  preview: (outputs) => ({ kind: 'text', text: String(outputs.value) }),
});
