import type { NodeDefinition } from '../contract.ts';
import { matMulNode } from './matmul.ts';
import { numberNode } from './number.ts';
import { randomTensorNode } from './random-tensor.ts';
import { reduceNode } from './reduce.ts';
import { saveJsonNode } from './save-json.ts';
import { unaryNode } from './unary.ts';

export const CORE_NODES: readonly NodeDefinition[] = [numberNode, randomTensorNode, matMulNode, unaryNode, reduceNode, saveJsonNode];
