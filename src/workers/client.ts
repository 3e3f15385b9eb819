import * as Comlink from 'comlink';
import type { GraphDocument } from '../graph/document.ts';
import type { EngineEvent, RunSummary } from '../graph/runtime-types.ts';
import type { BrowserBackend } from './backend.ts';
import type { ComputeInfo, ComputeService } from './compute-service.ts';

export class WorkerStopped extends Error {}

export interface ComputeClientOptions {
  backend?: BrowserBackend | 'auto';
  /** For tests: how the worker is made. */
  createWorker?: () => Worker;
  /** Called when the worker died or was stopped and a new one took its place. */
  onRestart?: (reason: string) => void;
}

/**
 * The page's handle on the compute worker. A module worker that fails to load or crashes only
 * fires `error` and comlink calls would hang forever, so every call races the worker's death;
 * then all pending calls reject, a fresh worker starts, and the last graph is sent again. The
 * page's own state (the document, undo history) lives outside and survives.
 */
export class ComputeClient {
  private worker!: Worker;
  private api!: Comlink.Remote<ComputeService>;
  private killed!: (reason: Error) => void;
  private death!: Promise<never>;
  private lastGraph: GraphDocument | undefined;
  private currentRun: Promise<RunSummary> | undefined;
  private readonly listeners = new Set<(events: EngineEvent[]) => void>();
  private restarts: number[] = [];
  info!: Promise<ComputeInfo>;

  constructor(private readonly opts: ComputeClientOptions = {}) {
    this.spawn();
  }

  onEvents(listener: (events: EngineEvent[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Runs `fn` against the worker API, rejecting if the worker dies meanwhile. */
  call<T>(fn: (api: Comlink.Remote<ComputeService>) => Promise<T>): Promise<T> {
    return Promise.race([fn(this.api), this.death]);
  }

  async setGraph(graph: GraphDocument) {
    this.lastGraph = graph;
    return this.call((api) => api.setGraph(graph));
  }

  run(opts: { targets?: string[] } = {}): Promise<RunSummary> {
    const run = this.call((api) => api.run(opts));
    this.currentRun = run;
    return run.finally(() => {
      if (this.currentRun === run) this.currentRun = undefined;
    });
  }

  /**
   * Stops the current run: cooperatively first; if the worker does not return within `graceMs`
   * (a node stuck in a long kernel), the worker is terminated and replaced.
   */
  async stop(graceMs = 800): Promise<'cancelled' | 'restarted' | 'idle'> {
    const run = this.currentRun;
    if (!run) return 'idle';
    void this.api.cancel().catch(() => undefined);
    const settled = await Promise.race([run.then(() => true, () => true), new Promise<false>((r) => setTimeout(() => r(false), graceMs))]);
    if (settled) return 'cancelled';
    this.restart('stopped by the user');
    return 'restarted';
  }

  /** Terminates the worker, rejects pending calls and starts a fresh one with the last graph. */
  restart(reason: string): void {
    this.killed(new WorkerStopped(reason));
    this.worker.terminate();
    this.spawn();
    this.opts.onRestart?.(reason);
  }

  /** Starts a fresh worker on another backend (the last graph is sent again; the cache is lost). */
  switchBackend(backend: BrowserBackend | 'auto', reason: string): void {
    this.opts.backend = backend;
    this.restart(reason);
  }

  dispose(): void {
    this.killed(new WorkerStopped('client disposed'));
    this.worker.terminate();
    this.listeners.clear();
  }

  private spawn(): void {
    this.worker = this.opts.createWorker?.() ?? new Worker(new URL('./compute.worker.ts', import.meta.url), { type: 'module', name: 'nphm-compute' });
    this.death = new Promise<never>((_, reject) => (this.killed = reject));
    this.death.catch(() => undefined);
    const worker = this.worker;
    worker.addEventListener('error', (e) => {
      if (worker !== this.worker) return;
      e.preventDefault();
      const reason = `the compute worker ${e.message ? `crashed: ${e.message}` : 'failed to load'}`;
      this.killed(new WorkerStopped(reason));
      // Restart, but not in a tight loop when the worker cannot load at all.
      const now = Date.now();
      this.restarts = [...this.restarts.filter((t) => now - t < 60_000), now];
      if (this.restarts.length <= 3) this.restart(reason);
    });
    this.api = Comlink.wrap<ComputeService>(worker);
    void this.call((api) => api.subscribe(Comlink.proxy((events: EngineEvent[]) => this.listeners.forEach((l) => l(events))))).catch(() => undefined);
    this.info = this.call((api) => api.init(this.opts.backend ?? 'auto'));
    this.info.catch(() => undefined);
    if (this.lastGraph) {
      const graph = this.lastGraph;
      void this.info.then(() => this.call((api) => api.setGraph(graph))).catch(() => undefined);
    }
  }
}
