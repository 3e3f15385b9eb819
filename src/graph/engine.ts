import { contentHash } from './canonical-json.ts';
import { semanticPart, type GraphDocument, type ParamValue } from './document.ts';
import { graphHash } from './serialize.ts';
import { breathe } from './breathe.ts';
import { disposeValue } from './dispose.ts';
import type { Problem } from './problems.ts';
import type { Artifact, AssetReader, EngineEvent, NodeOutputs, NodeState, RunContext, RunnableCatalog, RunSummary } from './runtime-types.ts';
import { ancestorsOf, nodeLinks, topologicalOrder } from './topology.ts';
import { validateGraph } from './validate.ts';

interface CacheEntry {
  outputs: NodeOutputs;
  artifacts: Artifact[];
  ms: number;
}

export interface EngineOptions {
  /** Minimum time between intermediate previews of one node. */
  previewIntervalMs?: number;
  /** Results kept for nodes no longer in the graph (so undo hits the cache). */
  spareCacheEntries?: number;
  /** How long a node that ignores its abort signal is waited for before the run gives up on it. */
  abortGraceMs?: number;
  /** Where nodes read assets from. */
  assets?: AssetReader;
}

const NO_ASSETS: AssetReader = {
  read: (uri) => Promise.reject(new Error(`no asset reader configured (asked for '${uri}')`)),
  readText: (uri) => Promise.reject(new Error(`no asset reader configured (asked for '${uri}')`)),
};

export interface RunOptions {
  /** Nodes to compute with everything they depend on; all nodes when omitted. */
  targets?: readonly string[];
  signal?: AbortSignal;
  /** Compute `preview()` of nodes after they run (the CLI turns it off). */
  previews?: boolean;
}

class Cancelled extends Error {}

/**
 * Runs a graph document: plans in dependency order, caches each node's outputs under a key hashing
 * its type, version, params and input keys (so only changed nodes and their dependents re-run),
 * isolates errors per node, and cancels cooperatively. Loops (optimisation) live inside nodes.
 */
export class Engine {
  private graph: GraphDocument | undefined;
  private problems: Problem[] = [];
  private keys = new Map<string, string | undefined>();
  private states = new Map<string, NodeState>();
  private cache = new Map<string, CacheEntry>();
  private listeners = new Set<(e: EngineEvent) => void>();
  private previewKeys = new Map<string, string>();
  private runCounter = 0;
  private running: Promise<RunSummary> | undefined;
  private readonly opts: Required<EngineOptions>;

  constructor(private readonly catalog: RunnableCatalog, opts: EngineOptions = {}) {
    this.opts = { previewIntervalMs: 250, spareCacheEntries: 32, abortGraceMs: 500, assets: NO_ASSETS, ...opts };
  }

  /** The reader nodes read assets through (what an evaluation of a run must read its truth with, too). */
  get assets(): AssetReader {
    return this.opts.assets;
  }

  subscribe(listener: (e: EngineEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Replaces the graph; returns its problems. Nodes whose key changed become stale. */
  setGraph(graph: GraphDocument): Problem[] {
    this.graph = structuredClone(graph);
    this.problems = validateGraph(this.graph, this.catalog);
    this.keys = this.computeKeys(this.graph);
    for (const node of this.graph.nodes) {
      const key = this.keys.get(node.id);
      const prev = this.states.get(node.id);
      let next: NodeState;
      if (key && this.cache.has(key)) next = { status: 'done', cached: true, ms: this.cache.get(key)!.ms };
      else if (prev && prev.status !== 'idle') next = { status: 'stale' };
      else next = { status: 'idle' };
      if (!prev || prev.status !== next.status) this.setState(node.id, next);
      else this.states.set(node.id, next);
    }
    for (const id of [...this.states.keys()]) if (!this.keys.has(id)) this.states.delete(id);
    this.pruneCache();
    return this.problems;
  }

  getProblems(): Problem[] {
    return this.problems;
  }

  state(nodeId: string): NodeState | undefined {
    return this.states.get(nodeId);
  }

  allStates(): Record<string, NodeState> {
    return Object.fromEntries(this.states);
  }

  /** Outputs of a node for the current graph, if computed. */
  outputs(nodeId: string): NodeOutputs | undefined {
    const key = this.keys.get(nodeId);
    return key ? this.cache.get(key)?.outputs : undefined;
  }

  artifacts(nodeId: string): Artifact[] {
    const key = this.keys.get(nodeId);
    return (key && this.cache.get(key)?.artifacts) || [];
  }

  cacheKey(nodeId: string): string | undefined {
    return this.keys.get(nodeId);
  }

  /** Disposes every cached result (and the tensors it owns). */
  clearCache(): void {
    for (const e of this.cache.values()) disposeValue(e.outputs);
    this.cache.clear();
    for (const [id, s] of this.states) if (s.status === 'done') this.setState(id, { status: 'idle' });
  }

  dispose(): void {
    this.listeners.clear();
    this.clearCache();
  }

  /** Runs the graph (or the targets and what they depend on). One run at a time. */
  async run(opts: RunOptions = {}): Promise<RunSummary> {
    while (this.running) await this.running.catch(() => undefined);
    this.running = this.runOnce(opts);
    try {
      return await this.running;
    } finally {
      this.running = undefined;
    }
  }

  private async runOnce(opts: RunOptions): Promise<RunSummary> {
    const t0 = now();
    const runId = ++this.runCounter;
    const summary: RunSummary = { runId, ok: true, cancelled: false, ms: 0, ran: [], cached: [], failed: [], blocked: [] };
    // A run works on the graph it started with: setGraph during the run (an edit) must not make
    // it read other nodes' keys or cache an old node's result under a new key.
    const graph = this.graph;
    const keys = this.keys;
    const problems = this.problems;
    if (!graph) throw new Error('no graph loaded');
    const outputsOf = (id: string) => {
      const k = keys.get(id);
      return k ? this.cache.get(k)?.outputs : undefined;
    };
    const edges = nodeLinks(graph.edges);
    const ids = graph.nodes.map((n) => n.id);
    const unknownTargets = (opts.targets ?? []).filter((t) => !keys.has(t));
    if (unknownTargets.length) throw new Error(`unknown node${unknownTargets.length > 1 ? 's' : ''}: ${unknownTargets.join(', ')}`);
    const needed = opts.targets ? ancestorsOf(opts.targets, edges) : new Set(ids);
    const order = (topologicalOrder(ids, edges) ?? ids).filter((id) => needed.has(id));
    // Lookups by node id, built once: a per-node search of the node, edge and problem lists made a
    // 33 000-node graph quadratic. The first node of a duplicated id wins, as `find` did.
    const nodeById = new Map<string, GraphDocument['nodes'][number]>();
    for (const n of graph.nodes) if (!nodeById.has(n.id)) nodeById.set(n.id, n);
    const incomingOf = groupBy(graph.edges, (e) => e.to.node);
    const errorsOf = groupBy(problems.filter((p) => p.severity === 'error' && p.nodeId !== undefined), (p) => p.nodeId!);
    this.emit({ type: 'run-start', runId, nodes: order });
    for (const id of order) this.setState(id, { status: 'queued' });
    const later: (() => Promise<void>)[] = [];
    const preview = (def: { previewLast?: boolean }, draw: () => Promise<void>) => (def.previewLast ? (later.push(draw), Promise.resolve()) : draw());

    for (const id of order) {
      // Between nodes too: a graph of many quick nodes must let a cancel (or a signal) arrive.
      await breathe();
      if (opts.signal?.aborted) {
        summary.cancelled = true;
        this.setState(id, { status: 'cancelled' });
        continue;
      }
      const node = nodeById.get(id)!;
      const def = this.catalog.get(node.type);
      const invalid = errorsOf.get(id) ?? [];
      const incoming = incomingOf.get(id) ?? [];
      const badUpstream = incoming.map((e) => e.from.node).filter((src) => this.states.get(src)?.status !== 'done');
      const key = keys.get(id);
      if (!def || invalid.length) {
        const message = !def ? `unknown node type '${node.type}': no such node in this studio` : invalid.map((p) => `${p.path}: ${p.message}`).join('; ');
        this.fail(summary, id, message, 'validate');
        continue;
      }
      if (badUpstream.length || !key) {
        summary.blocked.push(id);
        this.setState(id, { status: 'blocked', message: `waiting on ${[...new Set(badUpstream)].join(', ') || 'an invalid input'}` });
        continue;
      }
      const inputs: Record<string, unknown> = {};
      for (const e of incoming) inputs[e.to.port] = outputsOf(e.from.node)?.[e.from.port];
      const hit = this.cache.get(key);
      if (hit) {
        this.cache.delete(key);
        this.cache.set(key, hit); // most recently used last
        summary.cached.push(id);
        this.setState(id, { status: 'done', cached: true, ms: hit.ms });
        if (opts.previews !== false && this.previewKeys.get(id) !== key) await preview(def, () => this.emitPreview(graph.id, id, key, def, hit.outputs, this.runParams(def.params, node.params), inputs));
        continue;
      }
      const missing = Object.entries(def.inputs).filter(([port, spec]) => !spec.optional && !incoming.some((e) => e.to.port === port));
      if (missing.length) {
        this.fail(summary, id, `input${missing.length > 1 ? 's' : ''} ${missing.map(([p]) => `'${p}'`).join(', ')} not connected`, 'validate');
        continue;
      }
      const params = this.runParams(def.params, node.params);
      try {
        const entry = await this.execute(graph.id, id, def, inputs, params, opts.signal);
        this.cache.set(key, entry);
        summary.ran.push(id);
        this.setState(id, { status: 'done', ms: entry.ms });
        if (opts.previews !== false) await preview(def, () => this.emitPreview(graph.id, id, key, def, entry.outputs, params, inputs));
      } catch (e) {
        if (e instanceof Cancelled || opts.signal?.aborted) {
          summary.cancelled = true;
          this.setState(id, { status: 'cancelled' });
        } else this.fail(summary, id, e instanceof Error ? e.message : String(e), 'run', e instanceof Error ? e.stack : undefined);
      }
    }
    // Before pruning: the outputs they draw are still cached.
    for (const draw of later) {
      await breathe();
      if (opts.signal?.aborted) break;
      await draw();
    }
    this.pruneCache();
    summary.ok = summary.failed.length === 0 && summary.blocked.length === 0 && !summary.cancelled;
    summary.ms = now() - t0;
    this.emit({ type: 'run-end', summary });
    return summary;
  }

  private async execute(
    graphId: string,
    nodeId: string,
    def: NonNullable<ReturnType<RunnableCatalog['get']>>,
    inputs: Record<string, unknown>,
    params: Record<string, ParamValue>,
    outer: AbortSignal | undefined,
  ): Promise<CacheEntry> {
    const ctrl = new AbortController();
    const onAbort = () => ctrl.abort(outer?.reason);
    outer?.addEventListener('abort', onAbort);
    const artifacts: Artifact[] = [];
    let lastPreview = -Infinity;
    let pending: unknown;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const flush = () => {
      timer = undefined;
      lastPreview = now();
      this.emit({ type: 'preview', graphId, nodeId, payload: pending });
    };
    const ctx: RunContext = {
      nodeId,
      assets: this.opts.assets,
      signal: ctrl.signal,
      progress: (fraction, message) => this.setState(nodeId, { status: 'running', progress: Math.min(1, Math.max(0, fraction)), ...(message ? { message } : {}) }),
      preview: (payload) => {
        pending = payload;
        const wait = lastPreview + this.opts.previewIntervalMs - now();
        if (wait <= 0) flush();
        else timer ??= setTimeout(flush, wait);
      },
      log: (message) => this.emit({ type: 'log', nodeId, message }),
      artifact: (a) => {
        artifacts.push(a);
        this.emit({ type: 'artifact', nodeId, artifact: a });
      },
      provenance: () => this.provenanceJson(),
    };
    this.setState(nodeId, { status: 'running', progress: 0 });
    const t0 = now();
    const work = Promise.resolve().then(() => def.run(inputs, params, ctx));
    // A node that ignores its signal must not hold the run: stop waiting shortly after the abort
    // and dispose whatever it returns later.
    let giveUp: ReturnType<typeof setTimeout> | undefined;
    const abandoned = new Promise<never>((_, reject) => {
      const arm = () => (giveUp = setTimeout(() => reject(new Cancelled('cancelled')), this.opts.abortGraceMs));
      if (ctrl.signal.aborted) arm();
      else ctrl.signal.addEventListener('abort', arm, { once: true });
    });
    try {
      const outputs = await Promise.race([work, abandoned]);
      if (ctrl.signal.aborted) {
        disposeValue(outputs);
        throw new Cancelled('cancelled');
      }
      if (outputs === null || typeof outputs !== 'object') throw new Error('node returned no outputs');
      const missing = Object.keys(def.outputs).filter((k) => !Object.hasOwn(outputs, k));
      if (missing.length) {
        disposeValue(outputs);
        throw new Error(`node did not produce output${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`);
      }
      return { outputs, artifacts, ms: now() - t0 };
    } catch (e) {
      if (ctrl.signal.aborted) {
        work.then(disposeValue, () => undefined);
        throw new Cancelled('cancelled');
      }
      throw e;
    } finally {
      if (timer) clearTimeout(timer);
      if (giveUp) clearTimeout(giveUp);
      outer?.removeEventListener('abort', onAbort);
    }
  }

  private async emitPreview(
    graphId: string,
    nodeId: string,
    key: string,
    def: NonNullable<ReturnType<RunnableCatalog['get']>>,
    outputs: NodeOutputs,
    params: Record<string, ParamValue>,
    inputs: Record<string, unknown>,
  ): Promise<void> {
    if (!def.preview) return;
    try {
      const payload = await def.preview(outputs, params, inputs);
      this.previewKeys.set(nodeId, key);
      if (payload !== undefined) this.emit({ type: 'preview', graphId, nodeId, payload });
    } catch (e) {
      // A broken preview must not fail a computed node: report it on the node, keep the result.
      this.emit({ type: 'log', nodeId, message: `preview failed: ${e instanceof Error ? e.message : String(e)}` });
    }
  }

  private provenanceJson(): string {
    const g = this.graph!;
    return JSON.stringify({ app: 'nphm-studio', graphHash: graphHash(g), graph: { ...semanticPart(g), id: g.id, meta: g.meta, ui: g.ui } });
  }

  private fail(summary: RunSummary, nodeId: string, message: string, phase: 'validate' | 'run', stack?: string): void {
    summary.failed.push({ nodeId, message });
    this.setState(nodeId, { status: 'error', error: { message, phase, ...(stack ? { stack } : {}) } });
  }

  private runParams(specs: Record<string, { default: ParamValue }>, params: Record<string, ParamValue>): Record<string, ParamValue> {
    const out: Record<string, ParamValue> = {};
    for (const [name, spec] of Object.entries(specs)) out[name] = Object.hasOwn(params, name) ? params[name]! : spec.default;
    return out;
  }

  /** Merkle keys: a node's key covers its own definition and the keys of everything upstream. */
  private computeKeys(graph: GraphDocument): Map<string, string | undefined> {
    const keys = new Map<string, string | undefined>();
    const edges = nodeLinks(graph.edges);
    const order = topologicalOrder(graph.nodes.map((n) => n.id), edges);
    if (!order) return new Map(graph.nodes.map((n) => [n.id, undefined]));
    const byId = new Map(graph.nodes.map((n) => [n.id, n]));
    const incomingOf = groupBy(graph.edges, (e) => e.to.node);
    const invalid = new Set(this.problems.filter((p) => p.severity === 'error').map((p) => p.nodeId));
    for (const id of order) {
      const node = byId.get(id)!;
      const def = this.catalog.get(node.type);
      if (!def || invalid.has(id)) {
        keys.set(id, undefined);
        continue;
      }
      const inputs = (incomingOf.get(id) ?? [])
        .map((e) => [e.to.port, keys.get(e.from.node), e.from.port] as const)
        .sort((a, b) => (a[0] < b[0] ? -1 : 1));
      if (inputs.some((i) => i[1] === undefined)) {
        keys.set(id, undefined);
        continue;
      }
      const params = this.runParams(def.params, node.params);
      keys.set(id, contentHash([node.type, def.typeVersion, params, inputs, def.fingerprint?.(params) ?? null]));
    }
    return keys;
  }

  /** Keeps results of the current graph plus a few recent others; disposes the rest. */
  private pruneCache(): void {
    const live = new Set(this.keys.values());
    const spare = [...this.cache.keys()].filter((k) => !live.has(k));
    for (const k of spare.slice(0, Math.max(0, spare.length - this.opts.spareCacheEntries))) {
      disposeValue(this.cache.get(k)!.outputs);
      this.cache.delete(k);
    }
  }

  private setState(nodeId: string, state: NodeState): void {
    this.states.set(nodeId, state);
    this.emit({ type: 'state', nodeId, state });
  }

  private emit(e: EngineEvent): void {
    for (const l of this.listeners) {
      try {
        l(e);
      } catch {
        // A listener's failure (e.g. a closed worker port) must not break the run.
      }
    }
  }
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const it of items) {
    const k = key(it);
    const list = out.get(k);
    if (list) list.push(it);
    else out.set(k, [it]);
  }
  return out;
}

const now = () => (typeof performance !== 'undefined' ? performance.now() : Date.now());
