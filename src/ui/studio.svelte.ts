/**
 * The studio controller: the editor state (document + undo log), the compute worker, and the
 * reactive view of what the worker reports (node states, previews, run progress). Components read
 * the `$state` fields; every change to the document goes through `dispatch`.
 */
import { emptyGraph, type GraphDocument, type ParamValue } from '../graph/document.ts';
import { isCellControl, type NotebookCell } from '../graph/notebook.ts';
import { formatProblem, hasErrors, type Problem } from '../graph/problems.ts';
import { presetChanges, presetNames } from '../graph/presets.ts';
import type { Artifact, EngineEvent, NodeState, RunSummary } from '../graph/runtime-types.ts';
import { serializeGraph } from '../graph/serialize.ts';
import { descendantsOf, nodeLinks } from '../graph/topology.ts';
import type { Preview } from '../nodes/preview.ts';
import { ComputeClient, WorkerStopped } from '../workers/client.ts';
import type { ComputeInfo } from '../workers/compute-service.ts';
import { Catalog, nodeTitle } from './catalog.ts';
import type { MinimapSource } from './editor/minimap-source.ts';
import type { Command } from './state/commands.ts';
import { EditorState, type Change, type DispatchOptions } from './state/editor-state.ts';
import { idbDelete, idbGet, idbSet } from './state/idb.ts';
import { embeddedGraphText } from './state/embedded-graph.ts';
import { decodeShare, encodeShare } from './state/share.ts';
import { exampleInfo, type ExampleInfo } from './state/examples.ts';
import { estimateRun, type RunEstimate } from './state/run-estimate.ts';
import { resultsZip } from './state/results-zip.ts';
import { saveFile } from './state/save-file.ts';
import { GraphPreviews } from './state/graph-previews.ts';

/** The examples shipped in `graphs/`, bundled as text (28 KB: small enough to read the menu from). */
const EXAMPLES = import.meta.glob(['/graphs/*.graph.json', '/graphs/test/*.graph.json'], { query: '?raw', import: 'default', eager: true }) as Record<string, string>;
const THUMBNAILS = import.meta.glob('/graphs/thumbs/*.png', { query: '?url', import: 'default', eager: true }) as Record<string, string>;
/** The menu's entries: shipped examples by title, test graphs left out. */
const EXAMPLE_MENU: ExampleInfo[] = Object.entries(EXAMPLES)
  .map(([path, text]) => exampleInfo(path, text, THUMBNAILS))
  .filter((e) => !e.test)
  .sort((a, b) => a.title.localeCompare(b.title));
/** The graph opened on first start: the interpolation demo when present, else the tensor smoke test. */
const DEFAULT_GRAPHS = ['/graphs/interpolation.graph.json', '/graphs/test/tensor-smoke.graph.json'];

const AUTOSAVE_KEY = 'autosave';
const AUTOSAVE_MS = 400;
const AUTORUN_MS = 350;
/** A node that does not yield to a cancel within this time gets its worker restarted (stop ≤ 1 s). */
const STOP_GRACE_MS = 700;
/**
 * Auto-run is for interactive edits: it does not start when the stale nodes took longer than this
 * last time. An auto-run stops cooperatively (its cache kept) when the next edit comes, and renders
 * show a coarse image within a second or two, so half a minute of work still answers a drag.
 */
const AUTORUN_MAX_MS = 30_000;
const PREVIEWS_PER_FRAME = 16;

export interface RunView {
  running: boolean;
  stopping: boolean;
  nodes: string[];
  startedAt: number;
  summary?: RunSummary;
}

export interface Hint {
  text: string;
  kind: 'info' | 'warn' | 'error';
  id: number;
}

export interface LoadReport {
  source: string;
  problems: Problem[];
  /** The file was refused (the current graph was kept). */
  refused: boolean;
}

interface Autosaved {
  text: string;
  fileName: string;
  savedAt: number;
}

export class Studio {
  readonly editor = new EditorState(emptyGraph('untitled', 'Untitled'));
  client: ComputeClient | undefined;

  catalog = $state.raw(new Catalog([]));
  ready = $state(false);
  docVersion = $state(0);
  states = $state.raw<Record<string, NodeState>>({});
  previews = $state.raw<Record<string, Preview>>({});
  logs = $state.raw<Record<string, string[]>>({});
  artifacts = $state.raw<Record<string, Artifact[]>>({});
  selected = $state.raw<string[]>([]);
  problems = $state.raw<Problem[]>([]);
  loadReport = $state.raw<LoadReport | null>(null);
  run = $state.raw<RunView>({ running: false, stopping: false, nodes: [], startedAt: 0 });
  backend = $state.raw<ComputeInfo | null>(null);
  backendError = $state<string | null>(null);
  hints = $state.raw<Hint[]>([]);
  /** The share link last made for this graph (shown until closed or another graph opens). */
  shareUrl = $state<string | null>(null);
  autoRun = $state(true);
  readOnly = $state(false);
  /** The notebook panel is shown (opens by itself for a graph with cells). */
  notebookOpen = $state(false);
  /**
   * Presentation: the notebook read by a class. Graph and cells are locked; only the params the
   * cells expose as controls change (undoable). A shared link with cells, and `?present`, open in it.
   */
  presenting = $state(false);
  /** The current cell (index into the notebook). */
  cellIndex = $state(0);
  fileName = $state('untitled.graph.json');
  savedAt = $state<number | null>(null);
  /** Bumped (at most once a frame) when the canvas moved: the minimap redraws. */
  viewTick = $state(0);
  /** The right-click menu of a node or comment, in canvas pixels. */
  nodeMenu = $state.raw<{ x: number; y: number; id: string; ids: string[]; comment: boolean } | null>(null);
  /** Set by the rete view: actions that need the canvas (fit, arrange, palette). */
  view = $state.raw<ViewActions | undefined>(undefined);

  /** A reader used a cell control in a read-only graph: auto-run re-runs what it changed. */
  private exploring = false;
  private hintId = 0;
  private autosaveTimer: ReturnType<typeof setTimeout> | undefined;
  private autoRunTimer: ReturnType<typeof setTimeout> | undefined;
  private rerunAfter = false;
  /** The current run was started by auto-run (an edit may replace it). */
  private autoRunning = false;
  private sync: Promise<unknown> = Promise.resolve();
  private pendingEvents: EngineEvent[] = [];
  private readonly lastMs = new Map<string, number>();
  /** When each node last started running (page clock), for its own rate. */
  private readonly runningSince = new Map<string, number>();
  private runPromise: Promise<unknown> | undefined;
  /** Counts documents opened (new, open, restore): runs are tied to the document they were asked for. */
  private opened = 0;
  private readonly pendingPreviews = new Map<string, Preview>();
  private readonly otherGraphs = new GraphPreviews<Preview>();
  private eventFrame = 0;

  constructor() {
    this.editor.subscribe((c) => this.onChange(c));
    this.editor.allowReadOnly = (cmd) => this.isCellExploration(cmd);
    try {
      this.autoRun = localStorage.getItem('nphm.autoRun') !== 'false';
    } catch {
      // storage may be blocked; keep the default
    }
  }

  get examples(): ExampleInfo[] {
    return EXAMPLE_MENU;
  }

  /** Starts the worker, fetches the catalog, and opens the first graph (share link, autosave, default). */
  async start(): Promise<void> {
    // `?backend=webgpu` (or auto, webgl, wasm, cpu) pins the worker's backend. The default is wasm
    // for now: the MonoNPHM field reads its k-NN edge plan synchronously, which the webgpu backend
    // cannot do in a worker without stalling; `?backend=auto` gives WebGPU → WebGL → wasm → CPU.
    const wanted = new URLSearchParams(location.search).get('backend');
    const backend = wanted === 'auto' || wanted === 'webgpu' || wanted === 'webgl' || wanted === 'wasm' || wanted === 'cpu' ? wanted : 'wasm';
    const client = (this.client = new ComputeClient({
      backend,
      onRestart: (reason) => this.hint(`Compute worker restarted: ${reason}`, 'warn'),
    }));
    client.onEvents((events) => this.onEvents(events));
    this.autoBackend = backend === 'auto';
    this.watchBackend(client);
    // A worker that loads but never answers (a module stuck at import) must not leave a blank page.
    const list = await Promise.race([
      client.call((api) => api.catalog()),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error('the compute worker did not answer within 30 s')), 30_000)),
    ]);
    this.catalog = new Catalog(list);
    this.ready = true;
    await this.openInitial();
  }

  private async openInitial(): Promise<void> {
    const hash = location.hash;
    if (hash.startsWith('#g=')) {
      try {
        const text = decodeShare(hash)!;
        if (await this.loadText(text, 'shared link', { readOnly: true })) return;
      } catch (e) {
        this.loadReport = { source: 'shared link', refused: true, problems: [{ severity: 'error', path: '$', message: e instanceof Error ? e.message : String(e) }] };
      }
    }
    // `?example=test/tensor-smoke` opens an example from graphs/ (links in docs, tests).
    const example = new URLSearchParams(location.search).get('example');
    if (example && (await this.openExample(`/graphs/${example.replace(/\.graph\.json$/, '')}.graph.json`))) return;
    try {
      const saved = await idbGet<Autosaved>(AUTOSAVE_KEY);
      if (saved && (await this.loadText(saved.text, 'autosave', { fileName: saved.fileName, keepQuiet: true }))) {
        this.savedAt = saved.savedAt;
        this.hint(`Restored your last session (${new Date(saved.savedAt).toLocaleTimeString()})`);
        return;
      }
    } catch {
      // no IndexedDB (private mode): start from the default graph
    }
    await this.openDefault();
  }

  async openDefault(): Promise<void> {
    const path = DEFAULT_GRAPHS.find((p) => EXAMPLES[p]);
    if (path) await this.openExample(path);
  }

  async openExample(path: string): Promise<boolean> {
    const text = EXAMPLES[path];
    if (text === undefined) return false;
    return this.loadText(text, path.split('/').pop()!, { fileName: path.split('/').pop()! });
  }

  /** Parses with the worker's catalog (migrations included); refuses files with errors. */
  async loadText(text: string, source: string, opts: { readOnly?: boolean; fileName?: string; keepQuiet?: boolean } = {}): Promise<boolean> {
    const client = this.client;
    if (!client) return false;
    // Opening is leaving the current graph: its run stops first (cooperatively, so its cached
    // results stay), and a worker busy in a kernel cannot hold the new graph back.
    const interrupted = this.run.running;
    if (interrupted) await this.stop({ quiet: true });
    const result = await client.call((api) => api.parse(text));
    if (!result.graph || hasErrors(result.problems)) {
      this.loadReport = { source, problems: result.problems, refused: true };
      return false;
    }
    this.loadReport = result.problems.length ? { source, problems: result.problems, refused: false } : null;
    this.readOnly = opts.readOnly ?? false;
    this.editor.readOnly = false;
    this.fileName = opts.fileName ?? (source.endsWith('.json') ? source : `${result.graph.id}.graph.json`);
    this.resetRuntime(result.graph.id);
    this.resetPanels();
    this.editor.load(result.graph, `open ${source}`);
    this.openNotebook(!!opts.readOnly);
    this.fallBackForModel();
    if (interrupted) this.hint(`Stopped the running graph to open ${source}`);
    if (!opts.keepQuiet && !opts.readOnly) {
      const presets = presetNames(result.graph);
      if (result.graph.meta.autoRun === false) this.hint(`Opened ${source}. It runs for minutes, so it does not auto-run${presets.length ? `: choose a preset (${presets.join(', ')}) and` : ':'} press Run`, 'info');
      else this.hint(`Opened ${source}`);
    }
    return true;
  }

  newGraph(): void {
    this.readOnly = false;
    this.editor.readOnly = false;
    this.fileName = 'untitled.graph.json';
    this.loadReport = null;
    const doc = emptyGraph(`graph-${Date.now().toString(36)}`, 'Untitled');
    if (this.run.running) void this.stop({ quiet: true });
    this.resetRuntime(doc.id);
    this.resetPanels();
    this.editor.load(doc, 'new graph');
    this.openNotebook(false);
  }

  /** Leaves the read-only view of a shared graph: the graph becomes an ordinary, editable one. */
  editCopy(): void {
    this.readOnly = false;
    this.presenting = false;
    this.editor.readOnly = false;
    history.replaceState(null, '', location.pathname + location.search);
    this.scheduleAutosave();
    this.hint('You are editing your own copy of the shared graph');
  }

  /** `?backend=auto` chose the backend (so the studio may change it). */
  private autoBackend = false;

  private watchBackend(client: ComputeClient): void {
    client.info.then(
      (info) => {
        this.backend = info;
        this.backendError = null;
        this.fallBackForModel();
      },
      (e) => (this.backendError = e instanceof Error ? e.message : String(e)),
    );
  }

  /**
   * The automatic choice gives WebGPU where an adapter exists, but MonoNPHM fields do not run on it
   * yet (see the Backends section of the README): a graph with MonoNPHM nodes moves the worker to
   * wasm, saying so, instead of failing on every node.
   */
  private fallBackForModel(): void {
    const client = this.client;
    if (!client || !this.autoBackend || this.backend?.backend !== 'webgpu') return;
    if (!this.editor.doc.nodes.some((n) => n.type.startsWith('nphm.'))) return;
    this.autoBackend = false;
    this.backend = null;
    // A run already going on the old worker dies with it: run again on the new one.
    if (this.run.running) this.rerunAfter = true;
    client.switchBackend('wasm', 'MonoNPHM nodes do not run on WebGPU yet: this graph runs on wasm');
    this.watchBackend(client);
    if (!this.run.running && this.autoRunsHere) this.scheduleAutoRun();
  }

  /** What the panels showed about the previous graph (hints, share link, run summary) goes. */
  private resetPanels(): void {
    this.hints = [];
    this.shareUrl = null;
    if (!this.run.running) this.run = { running: false, stopping: false, nodes: [], startedAt: 0 };
  }

  /**
   * States and previews are kept across opens: the worker reports a state only when it changes and
   * resends a preview only when a node's cache key changes, so the page must keep mirroring it.
   * A node whose result is still cached keeps its preview; others show theirs dimmed until re-run.
   */
  private resetRuntime(nextGraphId: string): void {
    this.selected = [];
    const current = this.editor.doc.id;
    if (nextGraphId === current) return;
    // Previews are kept per graph: another graph's nodes sharing an id would show misleading
    // results, and coming back to a graph whose results are cached brings its previews back.
    this.flushEvents();
    this.otherGraphs.leave(current, this.previews, this.pendingPreviews);
    this.pendingPreviews.clear();
    this.previews = this.otherGraphs.open(nextGraphId);
    this.lastMs.clear();
  }

  // ---- editing ----

  dispatch(cmd: Command | undefined, label: string, opts?: DispatchOptions): boolean {
    if (!cmd) return false;
    // The editor is locked exactly when the studio is (openNotebook, present, editCopy keep them equal).
    if (!this.editor.allows(cmd)) {
      this.hint(this.readOnly ? 'This shared graph is read-only: choose “Edit a copy” to change it' : 'Presenting: leave the presentation to edit', 'warn');
      return false;
    }
    if (this.locked) this.exploring = true;
    try {
      this.editor.dispatch(cmd, label, opts);
      return true;
    } catch (e) {
      this.hint(`${label}: ${e instanceof Error ? e.message : String(e)}`, 'error');
      return false;
    }
  }

  undo(): void {
    this.editor.undo();
  }
  redo(): void {
    this.editor.redo();
  }

  /** Editing is off: a shared graph, or a presentation. */
  get locked(): boolean {
    return this.readOnly || this.presenting;
  }

  // ---- the notebook ----

  /** A node's display title by id (the id itself for a node that is not in the graph). */
  nodeTitle(id: string): string {
    const n = this.editor.doc.nodes.find((x) => x.id === id);
    return n ? nodeTitle(n, this.catalog.get(n.type)) : id;
  }

  cells(): readonly NotebookCell[] {
    return this.editor.doc.ui.cells ?? [];
  }

  /** A param edit that only changes what a cell exposes as a control (allowed while locked). */
  private isCellExploration(cmd: Command): boolean {
    if (cmd.kind === 'setParam') return isCellControl(this.editor.doc.ui.cells, cmd.node, cmd.name);
    return cmd.kind === 'batch' && cmd.commands.length > 0 && cmd.commands.every((c) => this.isCellExploration(c));
  }

  private openNotebook(shared: boolean): void {
    const has = this.cells().length > 0;
    this.notebookOpen = has;
    this.cellIndex = 0;
    this.exploring = false;
    this.presenting = has && (shared || new URLSearchParams(location.search).has('present'));
    this.editor.readOnly = this.locked;
    // A presentation is read to watch its previews: it runs like the author's graph would.
    if (this.presenting && this.autoRunsHere) this.scheduleAutoRun();
  }

  setNotebookOpen(on: boolean): void {
    this.notebookOpen = on;
    if (!on && this.presenting) this.present(false);
  }

  present(on: boolean): void {
    this.presenting = on && this.cells().length > 0;
    if (this.presenting) this.notebookOpen = true;
    this.editor.readOnly = this.locked;
    if (this.presenting) this.goToCell(this.cellIndex);
  }

  /** Makes cell `i` current: its nodes are framed and selected on the canvas. */
  goToCell(i: number): void {
    const cells = this.cells();
    if (!cells.length) return;
    this.cellIndex = Math.max(0, Math.min(cells.length - 1, i));
    const nodes = (cells[this.cellIndex]!.nodes ?? []).filter((id) => this.editor.doc.nodes.some((n) => n.id === id));
    if (nodes.length) this.view?.frame(nodes);
  }

  /** One param edit, as the inspector and the notebook's cell controls make it (a drag merges). */
  setParam(node: string, name: string, value: ParamValue, merge: boolean): boolean {
    return this.dispatch(this.editor.setParamCommand(node, name, value), `set ${node}.${name}`, merge ? { mergeKey: `${node}.${name}` } : {});
  }

  /** Replaces the notebook as one undoable edit (add, edit, move, delete a cell). */
  setCells(cells: NotebookCell[], label: string): boolean {
    return this.dispatch({ kind: 'setCells', cells }, label);
  }

  private onChange(c: Change): void {
    this.docVersion = this.editor.version;
    if (c.reset) this.opened++;
    if (c.semantic) {
      const graph = this.editor.snapshot();
      const ids = new Set(graph.nodes.map((n) => n.id));
      if (Object.keys(this.states).some((id) => !ids.has(id))) this.states = Object.fromEntries(Object.entries(this.states).filter(([id]) => ids.has(id)));
      // The engine must not get a new graph in the middle of a run: its running nodes would store
      // results and states under the new graph's cache keys. Edits reach it when the run ends
      // (loadText and newGraph stop the run before they replace the document).
      const client = this.client;
      this.sync = this.sync
        .then(() => this.runPromise?.catch(() => undefined))
        .then(() => client?.setGraph(graph) ?? [])
        .then((problems) => {
          if (this.editor.version === this.docVersion) this.problems = problems as Problem[];
        })
        .catch(() => undefined);
      if (this.autoRunsHere) this.scheduleAutoRun();
    }
    if (!this.readOnly) this.scheduleAutosave();
  }

  private scheduleAutosave(): void {
    clearTimeout(this.autosaveTimer);
    this.autosaveTimer = setTimeout(() => void this.autosaveNow(), AUTOSAVE_MS);
  }

  async autosaveNow(): Promise<void> {
    if (this.readOnly) return;
    const saved: Autosaved = { text: serializeGraph(this.editor.snapshot()), fileName: this.fileName, savedAt: Date.now() };
    try {
      await idbSet(AUTOSAVE_KEY, saved);
      this.savedAt = saved.savedAt;
    } catch {
      // autosave is best effort
    }
  }

  async clearAutosave(): Promise<void> {
    await idbDelete(AUTOSAVE_KEY).catch(() => undefined);
  }

  /** Auto-run applies to this graph: on, editable, and not a graph that asks not to (meta.autoRun). */
  get autoRunsHere(): boolean {
    return this.autoRun && (!this.readOnly || this.presenting || this.exploring) && this.editor.doc.meta.autoRun !== false;
  }

  /** The open graph's presets, and the one whose values its nodes hold now (if any). */
  presets(): { names: string[]; current: string | undefined } {
    const doc = this.editor.doc;
    const names = presetNames(doc);
    const current = names.find((name) => {
      const { changes, problems } = presetChanges(doc, name, this.catalog);
      return !problems.length && changes.every((c) => JSON.stringify(doc.nodes.find((n) => n.id === c.node)!.params[c.param]) === JSON.stringify(c.value));
    });
    return { names, current };
  }

  /** Sets the params a preset names, as one undoable edit; refuses a preset with invalid entries. */
  applyPreset(name: string): boolean {
    const { changes, problems } = presetChanges(this.editor.doc, name, this.catalog);
    if (problems.length) {
      this.hint(`Preset '${name}' was not applied: ${problems.map(formatProblem).join('; ')}`, 'error');
      return false;
    }
    const ok = this.dispatch({ kind: 'batch', commands: changes.map((c) => ({ kind: 'setParam', node: c.node, name: c.param, value: c.value })) }, `preset ${name}`);
    if (ok) this.hint(`Preset '${name}': ${changes.length} param${changes.length === 1 ? '' : 's'} set${this.autoRunsHere ? '' : '; press Run'}`);
    return ok;
  }

  setAutoRun(on: boolean): void {
    this.autoRun = on;
    try {
      localStorage.setItem('nphm.autoRun', String(on));
    } catch {
      // ignore
    }
    if (on) this.scheduleAutoRun();
    else {
      // Turning auto-run off must also cancel the run it already promised (a pending timer, or a
      // re-run queued behind the current run): otherwise a heavy graph opened next starts by itself.
      clearTimeout(this.autoRunTimer);
      this.rerunAfter = false;
    }
  }

  private scheduleAutoRun(): void {
    clearTimeout(this.autoRunTimer);
    this.autoRunTimer = setTimeout(() => {
      if (!this.autoRunsHere) return;
      // An edit during an auto-run replaces it (dragging a cursor re-renders from where it is);
      // a run the user started finishes first.
      if (this.run.running && this.autoRunning && !this.run.stopping) void this.stop({ quiet: true }).then(() => this.scheduleAutoRun());
      else if (this.run.running) this.rerunAfter = true;
      else if (this.pendingWorkMs() > AUTORUN_MAX_MS) this.hint(`Auto-run skipped: the stale nodes took ${Math.round(this.pendingWorkMs() / 1000)} s last time. Press Run.`, 'info');
      else void this.runGraph(undefined, true);
    }, AUTORUN_MS);
  }

  /** Nodes computed on request only, and every node that depends on one of them. */
  deferredNodes(): Set<string> {
    const doc = this.editor.doc;
    const marked = doc.nodes.filter((n) => doc.ui.nodes[n.id]?.onRequest).map((n) => n.id);
    return descendantsOf(marked, nodeLinks(doc.edges));
  }

  isOnRequest(id: string): boolean {
    return this.editor.doc.ui.nodes[id]?.onRequest === true;
  }

  setOnRequest(id: string, on: boolean): void {
    this.dispatch({ kind: 'setOnRequest', node: id, on }, on ? `compute ${id} on request` : `compute ${id} with the graph`);
  }

  /** Computes an on-request node and what depends on it (except other on-request nodes). */
  requestNode(id: string): Promise<RunSummary | undefined> {
    const doc = this.editor.doc;
    const below = descendantsOf([id], nodeLinks(doc.edges));
    return this.runGraph([...below].filter((n) => n === id || !this.isOnRequest(n)));
  }

  /** Last measured time of the nodes that would run now (unknown nodes count as cheap). */
  private pendingWorkMs(): number {
    let ms = 0;
    const deferred = this.deferredNodes();
    for (const n of this.editor.doc.nodes) {
      if (deferred.has(n.id)) continue;
      const s = this.states[n.id]?.status;
      if (s !== 'done' && s !== 'error') ms += this.lastMs.get(n.id) ?? 0;
    }
    return ms;
  }

  // ---- running ----

  async runGraph(targets?: string[], auto = false): Promise<RunSummary | undefined> {
    const client = this.client;
    if (!client || this.run.running) return undefined;
    if (this.editor.doc.nodes.length === 0) return undefined;
    if (!targets) {
      const deferred = this.deferredNodes();
      if (deferred.size) {
        targets = this.editor.doc.nodes.map((n) => n.id).filter((id) => !deferred.has(id));
        if (!targets.length) return undefined;
      }
    }
    this.run = { running: true, stopping: false, nodes: targets ?? this.editor.doc.nodes.map((n) => n.id), startedAt: performance.now() };
    this.autoRunning = auto;
    const opened = this.opened;
    const stops = this.stops;
    try {
      // The worker runs only once its backend is up (the first auto-run can come before that).
      await client.info;
      await this.sync;
      // Another graph was opened meanwhile (this run was asked for the previous one), or Stop was
      // pressed before the worker had started it.
      if (opened !== this.opened || stops !== this.stops) {
        this.run = { ...this.run, running: false };
        return undefined;
      }
      const running = client.run(targets ? { targets } : {});
      this.runPromise = running;
      const summary = await running;
      this.flushEvents();
      // A run of a graph that was replaced meanwhile has nothing to say about the one shown.
      if (opened !== this.opened) {
        this.run = { running: false, stopping: false, nodes: [], startedAt: 0 };
        return undefined;
      }
      this.run = { ...this.run, running: false, stopping: false, summary };
      if (!auto && summary.failed.length) this.hint(`${summary.failed.length} node${summary.failed.length > 1 ? 's' : ''} failed: see the red cards`, 'error');
      return summary;
    } catch (e) {
      this.flushEvents();
      const stopped = e instanceof WorkerStopped;
      if (stopped) this.markUnfinished('cancelled');
      else this.hint(`Run failed: ${e instanceof Error ? e.message : String(e)}`, 'error');
      this.run = { ...this.run, running: false, stopping: false };
      return undefined;
    } finally {
      if (this.rerunAfter) {
        this.rerunAfter = false;
        if (this.autoRunsHere) this.scheduleAutoRun();
      }
    }
  }

  /** How long the last stop took, from the request to the worker being free again (ms). */
  lastStopMs = $state<number | null>(null);

  private stops = 0;

  async stop(opts: { quiet?: boolean } = {}): Promise<void> {
    if (!this.client || !this.run.running) return;
    this.stops++;
    const t0 = performance.now();
    this.rerunAfter = false;
    clearTimeout(this.autoRunTimer);
    this.run = { ...this.run, stopping: true };
    const how = await this.client.stop(STOP_GRACE_MS);
    const ms = Math.round(performance.now() - t0);
    this.lastStopMs = ms;
    if (how === 'restarted') {
      this.markUnfinished('cancelled');
      this.hint(`Stopped in ${ms} ms: the worker was busy in a kernel and was restarted (cached results were cleared)`, 'warn');
    } else if (!opts.quiet) this.hint(`Stopped in ${ms} ms`);
  }

  private markUnfinished(status: 'cancelled'): void {
    const next = { ...this.states };
    for (const [id, s] of Object.entries(next)) if (s.status === 'running' || s.status === 'queued') next[id] = { status };
    this.states = next;
  }

  /** Events arrive in batches from the worker; applying them once per frame keeps the page fluid. */
  private onEvents(events: EngineEvent[]): void {
    this.pendingEvents.push(...events);
    this.eventFrame ||= requestAnimationFrame(() => this.flushEvents());
  }

  private flushEvents(): void {
    if (this.eventFrame) cancelAnimationFrame(this.eventFrame);
    this.eventFrame = 0;
    const events = this.pendingEvents;
    this.pendingEvents = [];
    if (!events.length && !this.pendingPreviews.size) return;
    let states: Record<string, NodeState> | undefined;
    let previews: Record<string, Preview> | undefined;
    let logs: Record<string, string[]> | undefined;
    let artifacts: Record<string, Artifact[]> | undefined;
    const inDoc = new Set(this.editor.doc.nodes.map((n) => n.id));
    for (const e of events) {
      switch (e.type) {
        case 'state':
          // Late events of a graph that was replaced meanwhile.
          if (!inDoc.has(e.nodeId)) break;
          if (e.state.status === 'done' && !e.state.cached && e.state.ms !== undefined) this.lastMs.set(e.nodeId, e.state.ms);
          if (e.state.status === 'running' && (states ?? this.states)[e.nodeId]?.status !== 'running') this.runningSince.set(e.nodeId, performance.now());
          (states ??= { ...this.states })[e.nodeId] = e.state;
          break;
        case 'preview':
          if (e.graphId !== this.editor.doc.id) this.otherGraphs.late(e.graphId, e.nodeId, e.payload as Preview);
          else {
            this.pendingPreviews.delete(e.nodeId);
            this.pendingPreviews.set(e.nodeId, e.payload as Preview);
          }
          break;
        case 'log':
          logs ??= { ...this.logs };
          logs[e.nodeId] = [...(logs[e.nodeId] ?? []).slice(-49), e.message];
          break;
        case 'artifact':
          artifacts ??= { ...this.artifacts };
          artifacts[e.nodeId] = [...(artifacts[e.nodeId] ?? []).filter((a) => a.name !== e.artifact.name), e.artifact];
          break;
        case 'run-start':
          this.run = { ...this.run, nodes: e.nodes };
          break;
        case 'run-end':
          this.run = { ...this.run, summary: e.summary };
          break;
      }
    }
    if (states) this.states = states;
    if (this.pendingPreviews.size) {
      // Drawing a preview costs a few ms: a burst (a 200-node graph finishing) is spread over frames.
      previews = { ...this.previews };
      for (const [id, p] of [...this.pendingPreviews].slice(0, PREVIEWS_PER_FRAME)) {
        previews[id] = p;
        this.pendingPreviews.delete(id);
      }
      this.previews = previews;
      if (this.pendingPreviews.size) this.eventFrame ||= requestAnimationFrame(() => this.flushEvents());
    }
    if (logs) this.logs = logs;
    if (artifacts) this.artifacts = artifacts;
  }

  /** Progress and time left of the current (or last) run, weighed by measured times. */
  estimate(now = performance.now()): RunEstimate {
    return estimateRun(
      this.run.nodes.map((id) => ({ id, state: this.states[id], lastMs: this.lastMs.get(id), runningSince: this.runningSince.get(id) })),
      now,
    );
  }

  // ---- files ----

  serialize(): string {
    return serializeGraph(this.editor.snapshot());
  }

  private get graphFileName(): string {
    return this.fileName.endsWith('.graph.json') ? this.fileName : `${this.fileName.replace(/\.json$/, '')}.graph.json`;
  }

  download(): void {
    saveFile(this.graphFileName, this.serialize(), 'application/json');
  }

  /** Results of the graph shown (its nodes' files), with the graph, as one zip. */
  resultCount(): number {
    return this.editor.doc.nodes.reduce((n, node) => n + (this.artifacts[node.id]?.length ?? 0), 0);
  }

  downloadResults(): void {
    const ids = this.editor.doc.nodes.map((n) => n.id);
    const { zip, entries } = resultsZip(this.artifacts, ids, { fileName: this.graphFileName, text: this.serialize() });
    saveFile(`${this.graphFileName.replace(/\.graph\.json$/, '')}-results.zip`, zip, 'application/zip');
    this.hint(`Saved ${entries.length - 1} result file${entries.length === 2 ? '' : 's'} and the graph as one zip`);
  }

  /** Opens a graph file, or the graph embedded in an exported PNG, GLB, PLY, OBJ or JSON result. */
  async openFile(file: File): Promise<boolean> {
    if (file.size > 64 * 1024 * 1024 || (/\.json$/i.test(file.name) && file.size > 4 * 1024 * 1024)) {
      this.loadReport = { source: file.name, refused: true, problems: [{ severity: 'error', path: '$', message: `file is ${file.size} bytes: too large to hold a graph` }] };
      return false;
    }
    const bytes = new Uint8Array(await file.arrayBuffer());
    const text = new TextDecoder().decode(bytes.subarray(0, 4096));
    const isGraphJson = /^\s*\{/.test(text) && (/"nphm-studio\/graph"/.test(text) || !/"provenance"/.test(text));
    if (isGraphJson || /\.graph\.json$/i.test(file.name)) return this.loadText(new TextDecoder().decode(bytes), file.name, { fileName: file.name });
    const embedded = embeddedGraphText(bytes);
    if (!embedded) {
      this.loadReport = { source: file.name, refused: true, problems: [{ severity: 'error', path: '$', message: 'this file is neither a graph nor a studio export with an embedded graph' }] };
      return false;
    }
    const ok = await this.loadText(embedded, `the graph embedded in ${file.name}`, { fileName: `${file.name.replace(/\.[^.]+$/, '')}.graph.json` });
    return ok;
  }

  /** A link that carries the whole graph, or undefined when the graph is too large for a URL. */
  shareLink(): string | undefined {
    const hash = encodeShare(serializeGraph(this.editor.snapshot(), { compact: true }));
    return hash ? `${location.origin}${location.pathname}#${hash}` : undefined;
  }

  hint(text: string, kind: Hint['kind'] = 'info'): void {
    const h = { text, kind, id: ++this.hintId };
    this.hints = [...this.hints.slice(-3), h];
    setTimeout(() => (this.hints = this.hints.filter((x) => x.id !== h.id)), kind === 'error' ? 8000 : 4000);
  }

  problemsOf(nodeId: string): Problem[] {
    return this.problems.filter((p) => p.nodeId === nodeId);
  }
}

export interface ViewActions {
  minimap: MinimapSource;
  zoomToFit(): void;
  arrange(): void;
  openPalette(at?: { x: number; y: number }): void;
  select(ids: string[]): void;
  /** Zooms to these nodes (at a readable zoom) and selects them. */
  frame(ids: string[]): void;
  addComment(): void;
  /** Acts on `ids` when given, else on the selection. */
  deleteSelection(ids?: string[]): void;
  duplicateSelection(ids?: string[]): void;
}

/** The page's one studio (rete mounts cards outside the App tree, so they cannot use context). */
export const studio = new Studio();
