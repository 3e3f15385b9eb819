/**
 * The notebook of a graph: an ordered list of narrative cells kept with the layout (`ui.cells`),
 * outside the executable part, so editing prose never changes a cache key or the content hash.
 * A cell is Markdown (rendered and sanitised by the UI, never executed) that may point at nodes
 * (framed on the canvas when the cell is current), at one node's preview (shown inside the cell)
 * and at params (live controls inside the cell, the same edits as the inspector's).
 */
import type { Problem } from './problems.ts';
import { pathKey } from './problems.ts';

export interface CellControl {
  node: string;
  param: string;
}

export interface NotebookCell {
  id: string;
  /** Markdown with `$…$` / `$$…$$` formulas; `[text](#node:ID)` links frame a node. */
  text: string;
  /** Nodes this cell talks about: framed and selected on the canvas while the cell is current. */
  nodes?: string[];
  /** The node whose preview the cell shows. */
  preview?: string;
  /** Params shown as controls in the cell. */
  controls?: CellControl[];
}

export const MAX_CELLS = 200;
export const MAX_CELL_TEXT = 20_000;
export const MAX_CELL_LINKS = 32;
const CELL_ID = /^[A-Za-z0-9_][A-Za-z0-9_.:-]{0,63}$/;

/** What a cell may refer to: the graph's node ids and each node's param names (from its type). */
export interface CellTargets {
  hasNode(id: string): boolean;
  /** Undefined when the node's type is unknown (its params cannot be checked). */
  params(nodeId: string): readonly string[] | undefined;
}

const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * A file's `ui.cells`, keeping every well-formed cell and every reference that resolves; problems
 * (warnings: the graph still runs) name each thing dropped with its path, so a user sees what a
 * hand-edited or damaged file lost instead of losing it silently.
 */
export function normaliseCells(v: unknown, targets: CellTargets, problems: Problem[], base = '$.ui.cells'): NotebookCell[] {
  const warn = (path: string, message: string, nodeId?: string) => problems.push({ severity: 'warning', path, message, ...(nodeId ? { nodeId } : {}) });
  if (v === undefined) return [];
  if (!Array.isArray(v)) {
    warn(base, 'cells must be a list; the notebook was dropped');
    return [];
  }
  if (v.length > MAX_CELLS) warn(base, `a notebook holds at most ${MAX_CELLS} cells; the ${v.length - MAX_CELLS} after the ${MAX_CELLS}th were dropped`);
  const cells: NotebookCell[] = [];
  const seen = new Set<string>();
  v.slice(0, MAX_CELLS).forEach((c, i) => {
    const path = pathKey(base, i);
    if (!isObj(c)) return warn(path, 'a cell must be an object; it was dropped');
    if (typeof c.id !== 'string' || !CELL_ID.test(c.id)) return warn(pathKey(path, 'id'), `a cell id must match ${CELL_ID}; the cell was dropped`);
    if (seen.has(c.id)) return warn(pathKey(path, 'id'), `cell id '${c.id}' is used twice; the second cell was dropped`);
    if (typeof c.text !== 'string') return warn(pathKey(path, 'text'), 'a cell needs its Markdown text as a string; the cell was dropped');
    seen.add(c.id);
    let text = c.text;
    if (text.length > MAX_CELL_TEXT) {
      warn(pathKey(path, 'text'), `cell text is ${text.length} characters; it was cut to ${MAX_CELL_TEXT}`);
      text = text.slice(0, MAX_CELL_TEXT);
    }
    const cell: NotebookCell = { id: c.id, text };
    if (c.nodes !== undefined) {
      const nodes = nodeList(c.nodes, pathKey(path, 'nodes'), targets, warn);
      if (nodes.length) cell.nodes = nodes;
    }
    if (c.preview !== undefined) {
      if (typeof c.preview === 'string' && targets.hasNode(c.preview)) cell.preview = c.preview;
      else warn(pathKey(path, 'preview'), `the preview must name a node of this graph, got ${JSON.stringify(c.preview)}; it was dropped`);
    }
    if (c.controls !== undefined) {
      const controls = controlList(c.controls, pathKey(path, 'controls'), targets, warn);
      if (controls.length) cell.controls = controls;
    }
    cells.push(cell);
  });
  return cells;
}

type Warn = (path: string, message: string, nodeId?: string) => void;

/**
 * A list of at most MAX_CELL_LINKS references: `item` checks each (returning undefined after it has
 * warned), and duplicates (same `key`) are kept once.
 */
function linkList<T>(v: unknown, path: string, what: string, warn: Warn, item: (x: unknown, path: string) => T | undefined, key: (t: T) => string): T[] {
  if (!Array.isArray(v)) {
    warn(path, `${what} must be a list; it was dropped`);
    return [];
  }
  const out = new Map<string, T>();
  v.slice(0, MAX_CELL_LINKS).forEach((x, j) => {
    const t = item(x, pathKey(path, j));
    if (t !== undefined && !out.has(key(t))) out.set(key(t), t);
  });
  if (v.length > MAX_CELL_LINKS) warn(path, `a cell has at most ${MAX_CELL_LINKS} ${what}; the rest were dropped`);
  return [...out.values()];
}

function nodeList(v: unknown, path: string, targets: CellTargets, warn: Warn): string[] {
  return linkList(v, path, 'nodes', warn, (id, p) => {
    if (typeof id === 'string' && targets.hasNode(id)) return id;
    warn(p, `no node ${JSON.stringify(id)} in this graph; the link was dropped`);
    return undefined;
  }, (id) => id);
}

function controlList(v: unknown, path: string, targets: CellTargets, warn: Warn): CellControl[] {
  return linkList(v, path, 'controls', warn, (c, p) => {
    if (!isObj(c) || typeof c.node !== 'string' || typeof c.param !== 'string') return void warn(p, 'a control must be {node, param} with string values; it was dropped');
    if (!targets.hasNode(c.node)) return void warn(p, `no node '${c.node}' in this graph; the control was dropped`);
    const names = targets.params(c.node);
    if (names && !names.includes(c.param)) return void warn(p, `node '${c.node}' has no param '${c.param}'; the control was dropped`, c.node);
    return { node: c.node, param: c.param };
  }, (c) => `${c.node}\u0000${c.param}`);
}

/** Whether some cell shows `node.param` as a control (such params stay live in a shared notebook). */
export function isCellControl(cells: readonly NotebookCell[] | undefined, node: string, param: string): boolean {
  return !!cells?.some((c) => c.controls?.some((k) => k.node === node && k.param === param));
}

/** The cells with references to removed nodes taken out (after a node is deleted in the editor). */
export function cellsWithout(cells: readonly NotebookCell[], removed: ReadonlySet<string>): NotebookCell[] {
  return cells.map((c) => {
    const out: NotebookCell = { id: c.id, text: c.text };
    const nodes = c.nodes?.filter((n) => !removed.has(n));
    if (nodes?.length) out.nodes = nodes;
    if (c.preview && !removed.has(c.preview)) out.preview = c.preview;
    const controls = c.controls?.filter((k) => !removed.has(k.node));
    if (controls?.length) out.controls = controls;
    return out;
  });
}
