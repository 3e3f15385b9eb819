import type { NodeTypeInfo } from './catalog.ts';
import type { ParamValue } from './document.ts';

/** A file a node produces for the user (mesh, PNG, codes JSON): written by the CLI, offered by the UI. */
export interface Artifact {
  name: string;
  mime: string;
  data: Uint8Array | string;
}

/**
 * Reads assets (weights, videos, samples) by URI. The CLI resolves URIs against the studio's
 * `public/` folder and the graph file's folder; the worker fetches them from the page's origin.
 */
export interface AssetReader {
  /** `maxBytes`: the most the caller can use (e.g. the size a manifest declares); larger is refused unread. */
  read(uri: string, opts?: AssetReadOptions): Promise<Uint8Array>;
  readText(uri: string, opts?: AssetReadOptions): Promise<string>;
}

export interface AssetReadOptions {
  maxBytes?: number;
}

export interface RunContext {
  readonly nodeId: string;
  readonly assets: AssetReader;
  /** Aborted when the user stops the run; iterative nodes check it between iterations. */
  readonly signal: AbortSignal;
  /** Reports progress in [0, 1] with an optional message (e.g. current losses). */
  progress(fraction: number, message?: string): void;
  /** Sends an intermediate preview; the engine throttles these per node. */
  preview(payload: unknown): void;
  log(message: string): void;
  artifact(artifact: Artifact): void;
  /**
   * JSON to embed in exported files ({app, graphHash, graph}): dropping such a file on the studio
   * reopens the graph that made it.
   */
  provenance(): string;
}

export type NodeOutputs = Record<string, unknown>;

/** A node type the engine can run: its declaration plus behaviour. */
export interface RunnableNodeType extends NodeTypeInfo {
  run(inputs: Record<string, unknown>, params: Record<string, ParamValue>, ctx: RunContext): NodeOutputs | Promise<NodeOutputs>;
  /** A small summary for the node card, computed after a run. */
  preview?(outputs: NodeOutputs, params: Record<string, ParamValue>, inputs: Record<string, unknown>): unknown | Promise<unknown>;
  /**
   * The preview costs far more than the node (a field's preview is a render): it is drawn after the
   * run's other nodes, so it does not hold back the result the user is waiting for.
   */
  previewLast?: boolean;
  /** Extra cache-key material for inputs outside the graph (a file's hash, a frame index). */
  fingerprint?(params: Record<string, ParamValue>): string;
}

export interface RunnableCatalog {
  get(type: string): RunnableNodeType | undefined;
  list(): RunnableNodeType[];
}

export type NodeStatus = 'idle' | 'queued' | 'running' | 'done' | 'stale' | 'blocked' | 'error' | 'cancelled';

export interface NodeState {
  status: NodeStatus;
  progress?: number;
  message?: string;
  /** `done` from the cache, without running. */
  cached?: boolean;
  ms?: number;
  error?: { message: string; phase: 'validate' | 'run' | 'preview'; stack?: string };
}

export interface RunSummary {
  runId: number;
  ok: boolean;
  cancelled: boolean;
  ms: number;
  ran: string[];
  cached: string[];
  failed: { nodeId: string; message: string }[];
  blocked: string[];
}

export type EngineEvent =
  | { type: 'state'; nodeId: string; state: NodeState }
  // graphId: the graph the preview was drawn for. A preview can reach the page after it opened
  // another graph (events are batched), and the engine sends a node's preview once per cache key.
  | { type: 'preview'; graphId: string; nodeId: string; payload: unknown }
  | { type: 'artifact'; nodeId: string; artifact: Artifact }
  | { type: 'log'; nodeId: string; message: string }
  | { type: 'run-start'; runId: number; nodes: string[] }
  | { type: 'run-end'; summary: RunSummary };
