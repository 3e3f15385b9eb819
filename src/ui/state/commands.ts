/**
 * Domain commands: every change the editor makes to a graph document. Each command applies itself
 * to the document and returns its inverse, so undo/redo is a log of plain, serialisable data and the
 * document (not rete) stays the source of truth.
 */
import type { GraphComment, GraphDocument, GraphEdge, GraphNode, NodeLayout, ParamValue } from '../../graph/document.ts';
import { cellsWithout, type NotebookCell } from '../../graph/notebook.ts';

export interface NodeWithLayout {
  node: GraphNode;
  layout?: NodeLayout;
}

export type Command =
  | { kind: 'addNodes'; nodes: NodeWithLayout[]; edges: GraphEdge[] }
  | { kind: 'removeNodes'; ids: string[] }
  | { kind: 'addEdges'; edges: GraphEdge[] }
  | { kind: 'removeEdges'; ids: string[] }
  | { kind: 'setParam'; node: string; name: string; value: ParamValue | undefined }
  | { kind: 'setLabel'; node: string; label: string | undefined }
  | { kind: 'moveNodes'; moves: { id: string; x: number; y: number }[] }
  | { kind: 'addComments'; comments: GraphComment[] }
  | { kind: 'removeComments'; ids: string[] }
  | { kind: 'updateComment'; id: string; patch: Partial<Omit<GraphComment, 'id'>> }
  | { kind: 'setTitle'; title: string | undefined }
  | { kind: 'setOnRequest'; node: string; on: boolean }
  /** The notebook as a whole (cells are small; one command covers add, edit, move, delete). */
  | { kind: 'setCells'; cells: NotebookCell[] }
  | { kind: 'batch'; commands: Command[] };

/** Whether a command can change results (and so needs the engine to see the new graph). */
export function isSemantic(cmd: Command): boolean {
  switch (cmd.kind) {
    case 'addNodes':
    case 'removeNodes':
    case 'addEdges':
    case 'removeEdges':
    case 'setParam':
    // Not a result, but what Run all and auto-run compute.
    case 'setOnRequest':
      return true;
    case 'batch':
      return cmd.commands.some(isSemantic);
    default:
      return false;
  }
}

const clone = <T>(v: T): T => structuredClone(v);

/**
 * A param set to the value it has (a number field commits on input and again on Enter or blur):
 * such an edit is no undo step, or one Ctrl+Z would seem to do nothing.
 */
export function isNoOp(doc: GraphDocument, cmd: Command): boolean {
  if (cmd.kind === 'batch') return cmd.commands.every((c) => isNoOp(doc, c));
  if (cmd.kind !== 'setParam') return false;
  const node = doc.nodes.find((n) => n.id === cmd.node);
  return !!node && Object.hasOwn(node.params, cmd.name) && JSON.stringify(node.params[cmd.name]) === JSON.stringify(cmd.value);
}

/** Applies `cmd` to `doc` in place and returns the command that undoes it. */
export function applyCommand(doc: GraphDocument, cmd: Command): Command {
  switch (cmd.kind) {
    case 'addNodes': {
      for (const { node, layout } of cmd.nodes) {
        if (doc.nodes.some((n) => n.id === node.id)) throw new Error(`node id '${node.id}' already exists`);
        doc.nodes.push(clone(node));
        if (layout) doc.ui.nodes[node.id] = { ...layout };
      }
      for (const e of cmd.edges) addEdge(doc, e);
      return { kind: 'removeNodes', ids: cmd.nodes.map((n) => n.node.id) };
    }
    case 'removeNodes': {
      const ids = new Set(cmd.ids);
      const edges = doc.edges.filter((e) => ids.has(e.from.node) || ids.has(e.to.node));
      const nodes: NodeWithLayout[] = [];
      for (const n of doc.nodes)
        if (ids.has(n.id)) {
          const layout = doc.ui.nodes[n.id];
          nodes.push(layout ? { node: n, layout } : { node: n });
        }
      doc.nodes = doc.nodes.filter((n) => !ids.has(n.id));
      doc.edges = doc.edges.filter((e) => !edges.includes(e));
      for (const id of ids) delete doc.ui.nodes[id];
      const restore: Command = { kind: 'addNodes', nodes, edges };
      // Cells that talk about a removed node lose the link; undo brings both back.
      const cells = doc.ui.cells;
      if (!cells?.some((c) => c.nodes?.some((n) => ids.has(n)) || (c.preview && ids.has(c.preview)) || c.controls?.some((k) => ids.has(k.node)))) return restore;
      doc.ui.cells = cellsWithout(cells, ids);
      return { kind: 'batch', commands: [{ kind: 'setCells', cells: clone(cells) }, restore] };
    }
    case 'addEdges':
      for (const e of cmd.edges) addEdge(doc, e);
      return { kind: 'removeEdges', ids: cmd.edges.map((e) => e.id) };
    case 'removeEdges': {
      const ids = new Set(cmd.ids);
      const removed = doc.edges.filter((e) => ids.has(e.id));
      doc.edges = doc.edges.filter((e) => !ids.has(e.id));
      return { kind: 'addEdges', edges: removed };
    }
    case 'setParam': {
      const node = findNode(doc, cmd.node);
      const old = Object.hasOwn(node.params, cmd.name) ? node.params[cmd.name] : undefined;
      if (cmd.value === undefined) delete node.params[cmd.name];
      else node.params[cmd.name] = clone(cmd.value);
      return { kind: 'setParam', node: cmd.node, name: cmd.name, value: old === undefined ? undefined : clone(old) };
    }
    case 'setLabel': {
      const node = findNode(doc, cmd.node);
      const old = node.label;
      if (cmd.label === undefined || cmd.label === '') delete node.label;
      else node.label = cmd.label;
      return { kind: 'setLabel', node: cmd.node, label: old };
    }
    case 'setOnRequest': {
      findNode(doc, cmd.node);
      const old = doc.ui.nodes[cmd.node] ?? { x: 0, y: 0 };
      const { onRequest: was, ...rest } = old;
      doc.ui.nodes[cmd.node] = cmd.on ? { ...rest, onRequest: true } : rest;
      return { kind: 'setOnRequest', node: cmd.node, on: was === true };
    }
    case 'moveNodes': {
      const inverse: { id: string; x: number; y: number }[] = [];
      for (const m of cmd.moves) {
        const comment = doc.ui.comments.find((c) => c.id === m.id);
        if (comment) {
          inverse.push({ id: m.id, x: comment.x, y: comment.y });
          comment.x = m.x;
          comment.y = m.y;
          continue;
        }
        const old = doc.ui.nodes[m.id] ?? { x: 0, y: 0 };
        inverse.push({ id: m.id, x: old.x, y: old.y });
        doc.ui.nodes[m.id] = { ...old, x: m.x, y: m.y };
      }
      return { kind: 'moveNodes', moves: inverse };
    }
    case 'addComments':
      for (const c of cmd.comments) {
        if (doc.ui.comments.some((x) => x.id === c.id)) throw new Error(`comment id '${c.id}' already exists`);
        doc.ui.comments.push(clone(c));
      }
      return { kind: 'removeComments', ids: cmd.comments.map((c) => c.id) };
    case 'removeComments': {
      const ids = new Set(cmd.ids);
      const removed = doc.ui.comments.filter((c) => ids.has(c.id));
      doc.ui.comments = doc.ui.comments.filter((c) => !ids.has(c.id));
      return { kind: 'addComments', comments: removed };
    }
    case 'updateComment': {
      const c = doc.ui.comments.find((x) => x.id === cmd.id);
      if (!c) throw new Error(`no comment '${cmd.id}'`);
      const old: Partial<Omit<GraphComment, 'id'>> = {};
      for (const k of Object.keys(cmd.patch) as (keyof typeof cmd.patch)[]) {
        (old as Record<string, unknown>)[k] = c[k];
        (c as unknown as Record<string, unknown>)[k] = cmd.patch[k];
      }
      return { kind: 'updateComment', id: cmd.id, patch: old };
    }
    case 'setTitle': {
      const old = doc.meta.title;
      if (cmd.title === undefined) delete doc.meta.title;
      else doc.meta.title = cmd.title;
      return { kind: 'setTitle', title: old };
    }
    case 'setCells': {
      const old = doc.ui.cells ?? [];
      if (cmd.cells.length) doc.ui.cells = clone(cmd.cells);
      else delete doc.ui.cells;
      return { kind: 'setCells', cells: old };
    }
    case 'batch': {
      const inverses: Command[] = [];
      for (const c of cmd.commands) inverses.push(applyCommand(doc, c));
      return { kind: 'batch', commands: inverses.reverse() };
    }
  }
}

function findNode(doc: GraphDocument, id: string): GraphNode {
  const node = doc.nodes.find((n) => n.id === id);
  if (!node) throw new Error(`no node '${id}'`);
  return node;
}

function addEdge(doc: GraphDocument, e: GraphEdge): void {
  if (doc.edges.some((x) => x.id === e.id)) throw new Error(`edge id '${e.id}' already exists`);
  doc.edges.push(clone(e));
}

/** The largest numeric suffix used with `prefix` among `taken`, plus one. */
export function freshId(prefix: string, taken: Iterable<string>): string {
  const base = prefix.replace(/[^A-Za-z0-9_]/g, '_').replace(/^_+/, '').slice(0, 40) || 'n';
  const set = new Set(taken);
  for (let i = 1; ; i++) if (!set.has(`${base}${i}`)) return `${base}${i}`;
}
