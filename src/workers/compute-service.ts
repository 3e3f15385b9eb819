import * as Comlink from 'comlink';
import * as tf from '@tensorflow/tfjs-core';
import { Engine } from '../graph/engine.ts';
import type { GraphDocument } from '../graph/document.ts';
import { loadGraphText, loadGraphValue, type LoadResult } from '../graph/load.ts';
import type { NodeTypeInfo } from '../graph/catalog.ts';
import type { EngineEvent, NodeState, RunSummary } from '../graph/runtime-types.ts';
import { builtinRegistry } from '../nodes/registry.ts';
import { previewBuffers } from '../nodes/preview.ts';
import { fetchAssetReader } from './assets-fetch.ts';
import { selectBackend, type BackendReport, type BrowserBackend } from './backend.ts';

/** A node type as the UI sees it: plain data, no functions. */
export type NodeTypeDescription = Omit<NodeTypeInfo, 'migrate'>;

export interface ComputeInfo extends BackendReport {
  tfjs: string;
}

/** A small, cloneable view of a node output (for the status bar, tests and socket tooltips). */
export type OutputSummary =
  | { kind: 'number'; value: number }
  | { kind: 'tensor'; shape: number[]; dtype: string; values: number[]; truncated: boolean }
  | { kind: 'other'; description: string };

const EVENT_FLUSH_MS = 50;

/**
 * The compute worker's API (exposed with comlink). Tensors never leave the worker: the page gets
 * node states, throttled previews (buffers transferred, not copied) and small summaries.
 */
export class ComputeService {
  private readonly registry = builtinRegistry();
  /** Files the user dropped (checkpoints, videos), by the name graphs refer to them with. */
  private readonly dropped = new Map<string, Blob>();
  private readonly engine = new Engine(this.registry, { assets: fetchAssetReader(new URL(import.meta.env.BASE_URL, self.location.origin).href, this.dropped) });
  private controller: AbortController | undefined;
  private queue: EngineEvent[] = [];
  private flushTimer: ReturnType<typeof setTimeout> | undefined;
  private sink: ((events: EngineEvent[]) => void) | undefined;
  /** The backend choice in flight or made; a run waits for it, since tfjs ops before tf.ready() throw. */
  private ready: Promise<ComputeInfo> | undefined;

  constructor() {
    this.engine.subscribe((e) => this.enqueue(e));
  }

  init(prefer: BrowserBackend | 'auto' = 'auto'): Promise<ComputeInfo> {
    this.ready ??= selectBackend(prefer).then((report) => ({ ...report, tfjs: tf.version_core }));
    return this.ready;
  }

  catalog(): NodeTypeDescription[] {
    return this.registry.list().map(({ type, typeVersion, title, category, description, inputs, outputs, params }) => ({ type, typeVersion, title, category, description, inputs, outputs, params }));
  }

  /** Parses and validates a file's text with the worker's node catalog (migrations included). */
  parse(text: string): LoadResult {
    return loadGraphText(text, this.registry);
  }

  validate(value: unknown): LoadResult {
    return loadGraphValue(value, this.registry);
  }

  setGraph(graph: GraphDocument) {
    return this.engine.setGraph(graph);
  }

  async run(opts: { targets?: string[] } = {}): Promise<RunSummary> {
    this.controller?.abort();
    const controller = (this.controller = new AbortController());
    try {
      await this.init();
      return await this.engine.run({ ...opts, signal: controller.signal });
    } finally {
      this.flush();
      if (this.controller === controller) this.controller = undefined;
    }
  }

  cancel(): void {
    this.controller?.abort();
  }

  states(): Record<string, NodeState> {
    return this.engine.allStates();
  }

  async output(nodeId: string, port: string, maxValues = 4096): Promise<OutputSummary | undefined> {
    const v = this.engine.outputs(nodeId)?.[port];
    if (v === undefined) return undefined;
    if (typeof v === 'number') return { kind: 'number', value: v };
    if (v instanceof tf.Tensor) {
      const values = Array.from((await v.data()) as ArrayLike<number>).slice(0, maxValues);
      return { kind: 'tensor', shape: v.shape, dtype: v.dtype, values, truncated: v.size > maxValues };
    }
    return { kind: 'other', description: Object.prototype.toString.call(v) };
  }

  memory(): { numTensors: number; numBytes: number } {
    const m = tf.memory();
    return { numTensors: m.numTensors, numBytes: m.numBytes };
  }

  /** Makes a dropped file readable by graphs under `name` (e.g. `dropped/checkpoint_epoch_2500.tar`). */
  registerFile(name: string, blob: Blob): void {
    this.dropped.set(name, blob);
  }

  clearCache(): void {
    this.engine.clearCache();
  }

  /** Registers the page's event callback (a comlink proxy). Events are batched every 50 ms. */
  subscribe(sink: (events: EngineEvent[]) => void): void {
    this.sink = sink;
  }

  /**
   * Progress ticks and previews are batched; state transitions go out at once, because a node
   * that starts a long synchronous kernel blocks the worker's timers until it ends.
   */
  private enqueue(e: EngineEvent): void {
    this.queue.push(e);
    const tick = e.type === 'preview' || e.type === 'log' || (e.type === 'state' && e.state.status === 'running' && (e.state.progress ?? 0) > 0);
    if (!tick) this.flush();
    else this.flushTimer ??= setTimeout(() => this.flush(), EVENT_FLUSH_MS);
  }

  private flush(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    const batch = this.queue;
    this.queue = [];
    if (!batch.length || !this.sink) return;
    const buffers = batch.flatMap((e) => (e.type === 'preview' ? previewBuffers(e.payload) : []));
    void Promise.resolve(this.sink(Comlink.transfer(batch, buffers))).catch(() => undefined);
  }
}
