/**
 * The editor's model: one graph document plus the undo/redo log of domain commands. Gestures in the
 * rete view become commands here; the view is then reconciled from the document. Plain TypeScript
 * (no DOM, no Svelte) so it is unit-tested in Node.
 */
import type { GraphComment, GraphDocument, GraphEdge, ParamValue } from '../../graph/document.ts';
import { applyCommand, freshId, isNoOp, isSemantic, type Command, type NodeWithLayout } from './commands.ts';

export interface HistoryEntry {
  label: string;
  forward: Command;
  inverse: Command;
  mergeKey?: string;
  at: number;
}

export interface Change {
  /** Results may differ: the engine needs the new graph. */
  semantic: boolean;
  /** A different document was loaded (history cleared). */
  reset: boolean;
  label: string;
}

export interface DispatchOptions {
  /** Consecutive commands with the same key within `MERGE_MS` become one undo step (slider drags). */
  mergeKey?: string;
  /** Overrides `MERGE_MS`, e.g. `Infinity` for a key unique to one drag gesture. */
  mergeWindowMs?: number;
  /**
   * An automatic consequence of the last step (cards pushed apart when its previews arrive): folded
   * into that step, so Ctrl+Z undoes what the user did, not the studio's tidying after it. A step
   * of its own when there is no last step, or after an undo (redo would replay a stale step).
   */
  amend?: boolean;
}

const MERGE_MS = 1500;
const MAX_HISTORY = 500;

export class EditorState {
  private current: GraphDocument;
  private undoStack: HistoryEntry[] = [];
  private redoStack: HistoryEntry[] = [];
  private readonly listeners = new Set<(c: Change) => void>();
  /** Changes counter: bumps on every change (for cheap reactivity and autosave). */
  version = 0;
  readOnly = false;
  /**
   * Commands still allowed while read-only (a shared notebook's cell controls): the reader explores
   * the params its author exposed, with undo, and nothing else.
   */
  allowReadOnly: (cmd: Command) => boolean = () => false;

  constructor(doc: GraphDocument, private readonly now: () => number = () => Date.now()) {
    this.current = structuredClone(doc);
  }

  get doc(): Readonly<GraphDocument> {
    return this.current;
  }

  /** A deep copy of the document (for the worker, saving, autosave). */
  snapshot(): GraphDocument {
    return structuredClone(this.current);
  }

  subscribe(listener: (c: Change) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get canUndo(): boolean {
    const e = this.undoStack.at(-1);
    return !!e && this.allows(e.inverse);
  }
  get canRedo(): boolean {
    const e = this.redoStack.at(-1);
    return !!e && this.allows(e.forward);
  }
  /** Whether `cmd` may be applied now (anything unless read-only; then what `allowReadOnly` admits). */
  allows(cmd: Command): boolean {
    return !this.readOnly || this.allowReadOnly(cmd);
  }
  get undoLabel(): string | undefined {
    return this.undoStack.at(-1)?.label;
  }
  get redoLabel(): string | undefined {
    return this.redoStack.at(-1)?.label;
  }
  get history(): readonly HistoryEntry[] {
    return this.undoStack;
  }

  /** Applies a command as one undoable step. A command that throws leaves the document unchanged. */
  dispatch(cmd: Command, label: string, opts: DispatchOptions = {}): void {
    if (!this.allows(cmd)) throw new Error('this graph is read-only');
    if (isNoOp(this.current, cmd)) return;
    const work = structuredClone(this.current);
    const inverse = applyCommand(work, cmd);
    this.current = work;
    const t = this.now();
    const last = this.undoStack.at(-1);
    if (opts.amend && last && this.redoStack.length === 0) {
      last.forward = { kind: 'batch', commands: [last.forward, cmd] };
      last.inverse = { kind: 'batch', commands: [inverse, last.inverse] };
      this.emit({ semantic: isSemantic(cmd), reset: false, label });
      return;
    }
    if (opts.mergeKey && last && last.mergeKey === opts.mergeKey && t - last.at < (opts.mergeWindowMs ?? MERGE_MS) && this.redoStack.length === 0) {
      last.forward = { kind: 'batch', commands: [last.forward, cmd] };
      last.at = t;
    } else {
      this.undoStack.push({ label, forward: cmd, inverse, at: t, ...(opts.mergeKey ? { mergeKey: opts.mergeKey } : {}) });
      if (this.undoStack.length > MAX_HISTORY) this.undoStack.shift();
    }
    this.redoStack = [];
    this.emit({ semantic: isSemantic(cmd), reset: false, label });
  }

  undo(): boolean {
    if (!this.canUndo) return false;
    const e = this.undoStack.pop()!;
    const work = structuredClone(this.current);
    const redo = applyCommand(work, e.inverse);
    this.current = work;
    this.redoStack.push({ label: e.label, forward: redo, inverse: e.inverse, at: e.at });
    this.emit({ semantic: isSemantic(e.inverse), reset: false, label: `undo ${e.label}` });
    return true;
  }

  redo(): boolean {
    if (!this.canRedo) return false;
    const e = this.redoStack.pop()!;
    const work = structuredClone(this.current);
    const inverse = applyCommand(work, e.forward);
    this.current = work;
    // at = 0: a redone step never merges with the next edit.
    this.undoStack.push({ label: e.label, forward: e.forward, inverse, at: 0 });
    this.emit({ semantic: isSemantic(e.forward), reset: false, label: `redo ${e.label}` });
    return true;
  }

  /** Replaces the document (open, new, restore); clears the history. */
  load(doc: GraphDocument, label = 'open'): void {
    this.current = structuredClone(doc);
    this.undoStack = [];
    this.redoStack = [];
    this.emit({ semantic: true, reset: true, label });
  }

  private emit(c: Change): void {
    this.version++;
    for (const l of this.listeners) l(c);
  }

  // ---- command builders (pure with respect to the document) ----

  nodeIds(): string[] {
    return this.current.nodes.map((n) => n.id);
  }

  newNodeId(type: string): string {
    const short = type.split('.').pop() ?? type;
    return freshId(short, this.nodeIds());
  }

  newEdgeId(): string {
    return freshId('e', this.current.edges.map((e) => e.id));
  }

  newCommentId(): string {
    return freshId('c', this.current.ui.comments.map((c) => c.id));
  }

  /** Connects an output to an input; the edge already feeding that input (if any) is replaced. */
  connectCommand(from: { node: string; port: string }, to: { node: string; port: string }): Command | undefined {
    const existing = this.current.edges.find((e) => e.to.node === to.node && e.to.port === to.port);
    if (existing && existing.from.node === from.node && existing.from.port === from.port) return undefined;
    const edge: GraphEdge = { id: this.newEdgeId(), from: { ...from }, to: { ...to } };
    const add: Command = { kind: 'addEdges', edges: [edge] };
    return existing ? { kind: 'batch', commands: [{ kind: 'removeEdges', ids: [existing.id] }, add] } : add;
  }

  /** Removes nodes (with their edges) and comments given by id. */
  deleteCommand(ids: Iterable<string>): Command | undefined {
    const set = new Set(ids);
    const nodes = this.current.nodes.filter((n) => set.has(n.id)).map((n) => n.id);
    const comments = this.current.ui.comments.filter((c) => set.has(c.id)).map((c) => c.id);
    const cmds: Command[] = [];
    if (nodes.length) cmds.push({ kind: 'removeNodes', ids: nodes });
    if (comments.length) cmds.push({ kind: 'removeComments', ids: comments });
    return cmds.length === 0 ? undefined : cmds.length === 1 ? cmds[0] : { kind: 'batch', commands: cmds };
  }

  setParamCommand(node: string, name: string, value: ParamValue): Command {
    return { kind: 'setParam', node, name, value };
  }

  /** The selection as clipboard data: nodes, their layouts, the edges among them, and comments. */
  copy(ids: Iterable<string>): ClipboardData {
    const set = new Set(ids);
    const nodes: NodeWithLayout[] = this.current.nodes
      .filter((n) => set.has(n.id))
      .map((n) => {
        const layout = this.current.ui.nodes[n.id];
        return layout ? { node: structuredClone(n), layout: { ...layout } } : { node: structuredClone(n) };
      });
    const edges = this.current.edges.filter((e) => set.has(e.from.node) && set.has(e.to.node)).map((e) => structuredClone(e));
    const comments = this.current.ui.comments.filter((c) => set.has(c.id)).map((c) => structuredClone(c));
    return { format: CLIPBOARD_FORMAT, nodes, edges, comments };
  }

  /** Clipboard data as an add command with fresh ids, shifted by `offset`; also returns the new ids. */
  pasteCommand(data: ClipboardData, offset: { x: number; y: number }): { cmd: Command; ids: string[] } | undefined {
    const taken = new Set(this.nodeIds());
    const rename = new Map<string, string>();
    const nodes: NodeWithLayout[] = data.nodes.map(({ node, layout }) => {
      const id = taken.has(node.id) ? freshId(node.id.replace(/\d+$/, ''), taken) : node.id;
      taken.add(id);
      rename.set(node.id, id);
      const l = layout ?? { x: 0, y: 0 };
      return { node: { ...structuredClone(node), id }, layout: { ...l, x: l.x + offset.x, y: l.y + offset.y } };
    });
    const edgeIds = new Set(this.current.edges.map((e) => e.id));
    const edges: GraphEdge[] = data.edges
      .filter((e) => rename.has(e.from.node) && rename.has(e.to.node))
      .map((e) => {
        const id = edgeIds.has(e.id) ? freshId('e', edgeIds) : e.id;
        edgeIds.add(id);
        return { id, from: { node: rename.get(e.from.node)!, port: e.from.port }, to: { node: rename.get(e.to.node)!, port: e.to.port } };
      });
    const commentIds = new Set(this.current.ui.comments.map((c) => c.id));
    const comments: GraphComment[] = data.comments.map((c) => {
      const id = commentIds.has(c.id) ? freshId('c', commentIds) : c.id;
      commentIds.add(id);
      return { ...structuredClone(c), id, x: c.x + offset.x, y: c.y + offset.y };
    });
    const cmds: Command[] = [];
    if (nodes.length) cmds.push({ kind: 'addNodes', nodes, edges });
    if (comments.length) cmds.push({ kind: 'addComments', comments });
    if (!cmds.length) return undefined;
    return { cmd: cmds.length === 1 ? cmds[0]! : { kind: 'batch', commands: cmds }, ids: [...nodes.map((n) => n.node.id), ...comments.map((c) => c.id)] };
  }
}

export const CLIPBOARD_FORMAT = 'nphm-studio/clipboard';

export interface ClipboardData {
  format: typeof CLIPBOARD_FORMAT;
  nodes: NodeWithLayout[];
  edges: GraphEdge[];
  comments: GraphComment[];
}

const ID = /^[A-Za-z0-9_][A-Za-z0-9_.:-]{0,63}$/;

/** Reads clipboard text; returns undefined for anything that is not our clipboard format. */
export function parseClipboard(text: string): ClipboardData | undefined {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!v || typeof v !== 'object') return undefined;
  const o = v as Record<string, unknown>;
  if (o.format !== CLIPBOARD_FORMAT || !Array.isArray(o.nodes) || !Array.isArray(o.edges)) return undefined;
  const nodes: NodeWithLayout[] = [];
  for (const item of o.nodes) {
    const n = (item as { node?: Record<string, unknown> })?.node;
    if (!n || typeof n.id !== 'string' || !ID.test(n.id) || typeof n.type !== 'string') return undefined;
    const params = n.params && typeof n.params === 'object' && !Array.isArray(n.params) ? (n.params as Record<string, ParamValue>) : {};
    const layout = (item as { layout?: { x?: unknown; y?: unknown } }).layout;
    const node = { id: n.id, type: n.type, typeVersion: typeof n.typeVersion === 'number' ? n.typeVersion : 1, params, ...(typeof n.label === 'string' ? { label: n.label } : {}) };
    nodes.push(layout && typeof layout.x === 'number' && typeof layout.y === 'number' ? { node, layout: { x: layout.x, y: layout.y } } : { node });
  }
  const edges: GraphEdge[] = [];
  for (const e of o.edges as Record<string, unknown>[]) {
    const f = e?.from as Record<string, unknown> | undefined, t = e?.to as Record<string, unknown> | undefined;
    if (typeof e?.id !== 'string' || typeof f?.node !== 'string' || typeof f.port !== 'string' || typeof t?.node !== 'string' || typeof t.port !== 'string') return undefined;
    edges.push({ id: e.id, from: { node: f.node, port: f.port }, to: { node: t.node, port: t.port } });
  }
  const comments: GraphComment[] = [];
  for (const c of Array.isArray(o.comments) ? (o.comments as Record<string, unknown>[]) : [])
    if (typeof c?.id === 'string' && typeof c.text === 'string' && typeof c.x === 'number' && typeof c.y === 'number')
      comments.push({ id: c.id, text: c.text, x: c.x, y: c.y, ...(typeof c.width === 'number' ? { width: c.width } : {}), ...(typeof c.height === 'number' ? { height: c.height } : {}) });
  return { format: CLIPBOARD_FORMAT, nodes, edges, comments };
}
