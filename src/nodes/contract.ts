import type { RunnableNodeType, RunContext, NodeOutputs } from '../graph/runtime-types.ts';
import type { ParamValue } from '../graph/document.ts';
import type { Preview } from './preview.ts';

export type { RunContext, NodeOutputs };

/**
 * A node type: a form of typed sockets and documented params plus one `run`. The maths lives in
 * src/nphm, src/render and src/track; a node only wires it into the graph.
 */
export interface NodeDefinition extends RunnableNodeType {
  preview?(outputs: NodeOutputs, params: Record<string, ParamValue>, inputs: Record<string, unknown>): Preview | undefined | Promise<Preview | undefined>;
}

/** Identity helper that keeps literal types of a definition object. */
export function defineNode<T extends NodeDefinition>(def: T): T {
  return def;
}
