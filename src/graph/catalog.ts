import type { ParamValue } from './document.ts';
import type { ParamSpec } from './params.ts';
import type { SocketType } from './sockets.ts';

export interface InputSpec {
  type: SocketType;
  description: string;
  /** The node runs without it (it receives `undefined`). */
  optional?: boolean;
}

export interface OutputSpec {
  type: SocketType;
  description: string;
}

/**
 * What the loader, the validator and the editor need to know about a node type: its sockets,
 * params and version. The runnable definition in `src/nodes` extends this.
 */
export interface NodeTypeInfo {
  type: string;
  typeVersion: number;
  title: string;
  category: string;
  description: string;
  inputs: Readonly<Record<string, InputSpec>>;
  outputs: Readonly<Record<string, OutputSpec>>;
  params: Readonly<Record<string, ParamSpec>>;
  /** Upgrades the params of an older `typeVersion` by one step (from → from + 1). */
  migrate?: (fromVersion: number, params: Record<string, ParamValue>) => Record<string, ParamValue>;
}

export interface NodeCatalog {
  get(type: string): NodeTypeInfo | undefined;
  list(): NodeTypeInfo[];
}
