import { GRAPH_FORMAT, MAX_GRAPH_BYTES, SCHEMA_VERSION, type GraphComment, type GraphDocument, type GraphEdge, type GraphNode, type GraphUi, type ParamValue } from './document.ts';
import type { NodeCatalog } from './catalog.ts';
import { jsonSyntaxMessage } from './json-text.ts';
import { normaliseCells } from './notebook.ts';
import { pathKey, type Problem } from './problems.ts';
import { isObject, upgradeToCurrent } from './upgrade.ts';
import { validateGraph } from './validate.ts';

export interface LoadResult {
  /** The graph, even when some nodes or edges have problems; `null` when the file cannot be read at all. */
  graph: GraphDocument | null;
  problems: Problem[];
  /** Schema version the file was written with (before upgrading). */
  fromSchema?: number;
}

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
const MAX_DEPTH = 64;
const ID_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.:-]{0,63}$/;
/**
 * Ids are keys of plain objects across the studio (layout, node states, previews): the names of
 * Object.prototype's properties would be found there without being set (`states.toString`).
 */
const RESERVED_IDS = new Set(Object.getOwnPropertyNames(Object.prototype));
const idProblem = (what: string, v: unknown): string | undefined =>
  typeof v !== 'string' || !ID_PATTERN.test(v)
    ? `${what} id must match ${ID_PATTERN}, got ${JSON.stringify(v ?? null)}`
    : RESERVED_IDS.has(v)
      ? `${what} id '${v}' is reserved (a property name of every JavaScript object)`
      : undefined;

const fatal = (path: string, message: string): LoadResult => ({ graph: null, problems: [{ severity: 'error', path, message }] });

/** Parses and validates graph file text. Never throws and never executes anything from the file. */
export function loadGraphText(text: string, catalog: NodeCatalog, maxBytes = MAX_GRAPH_BYTES): LoadResult {
  // Editors on Windows save UTF-8 with a byte-order mark; JSON.parse would refuse it.
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const bytes = text.length > maxBytes / 3 ? new TextEncoder().encode(text).length : text.length;
  if (bytes > maxBytes) return fatal('$', `file is ${bytes} bytes; graph files are limited to ${maxBytes} bytes`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return fatal('$', `invalid JSON: ${jsonSyntaxMessage(e, text)}`);
  }
  return loadGraphValue(value, catalog);
}

/** Validates an already-parsed value (e.g. a graph embedded in an exported file). */
export function loadGraphValue(value: unknown, catalog: NodeCatalog): LoadResult {
  const hostile = findForbiddenKey(value);
  if (hostile) return fatal(hostile.path, hostile.message);
  if (!isObject(value)) return fatal('$', 'a graph file must hold a JSON object');
  const up = upgradeToCurrent(value);
  if (!up.ok) return fatal(up.path, up.message);
  const problems: Problem[] = [];
  const graph = normalise(up.doc, problems);
  migrateNodes(graph, catalog, problems);
  const types = new Map(graph.nodes.map((n) => [n.id, n.type]));
  const cells = normaliseCells(isObject(up.doc.ui) ? up.doc.ui.cells : undefined, {
    hasNode: (id) => types.has(id),
    params: (id) => {
      const info = catalog.get(types.get(id) ?? '');
      return info ? Object.keys(info.params) : undefined;
    },
  }, problems);
  if (cells.length) graph.ui.cells = cells;
  problems.push(...validateGraph(graph, catalog));
  return { graph, problems, fromSchema: up.from };
}

/**
 * Brings each known node to its type's current version through the type's own migrators (its
 * entries in the graph's presets too) and fills params the file does not set with their defaults
 * (so files stay small and new params are safe).
 */
function migrateNodes(graph: GraphDocument, catalog: NodeCatalog, problems: Problem[]): void {
  graph.nodes.forEach((node, i) => {
    const info = catalog.get(node.type);
    if (!info) return;
    while (node.typeVersion < info.typeVersion) {
      if (!info.migrate) break;
      try {
        node.params = info.migrate(node.typeVersion, { ...node.params });
        // A preset names params of this version too: it moves with the node.
        for (const preset of Object.values(graph.meta.presets ?? {})) {
          const entry = Object.hasOwn(preset, node.id) ? preset[node.id] : undefined;
          if (entry) preset[node.id] = info.migrate(node.typeVersion, { ...entry });
        }
        node.typeVersion++;
      } catch (e) {
        problems.push({ severity: 'error', nodeId: node.id, path: `$.nodes[${i}].params`, message: `migrating '${node.type}' from version ${node.typeVersion} failed: ${e instanceof Error ? e.message : String(e)}` });
        return;
      }
    }
    for (const [name, spec] of Object.entries(info.params))
      if (!Object.hasOwn(node.params, name)) node.params[name] = Array.isArray(spec.default) ? [...spec.default] : spec.default;
  });
}

/**
 * Rejects prototype-polluting keys, absurd nesting and numbers JSON cannot hold (`1e999` parses
 * as Infinity, which nothing downstream can hash or write back) before anything reads the object.
 */
function findForbiddenKey(root: unknown): { path: string; message: string } | undefined {
  const stack: [unknown, string, number][] = [[root, '$', 0]];
  while (stack.length) {
    const [v, path, depth] = stack.pop()!;
    if (typeof v === 'number' && !Number.isFinite(v)) return { path, message: `the number is out of range (${v}); graph files hold finite numbers only` };
    if (v === null || typeof v !== 'object') continue;
    if (depth > MAX_DEPTH) return { path, message: `nested deeper than ${MAX_DEPTH} levels` };
    if (Array.isArray(v)) v.forEach((x, i) => stack.push([x, pathKey(path, i), depth + 1]));
    else
      for (const k of Object.keys(v)) {
        if (FORBIDDEN_KEYS.has(k)) return { path: pathKey(path, k), message: `the key '${k}' is not allowed in a graph file` };
        stack.push([(v as Record<string, unknown>)[k], pathKey(path, k), depth + 1]);
      }
  }
  return undefined;
}

const KNOWN_TOP = new Set(['format', 'schemaVersion', 'id', 'meta', 'nodes', 'edges', 'ui']);

/** Shapes the upgraded JSON into a GraphDocument, recording structural problems. */
function normalise(doc: Record<string, unknown>, problems: Problem[]): GraphDocument {
  const err = (path: string, message: string, ids: { nodeId?: string; edgeId?: string } = {}) =>
    problems.push({ severity: 'error', path, message, ...ids });

  const id = typeof doc.id === 'string' && doc.id.length > 0 && doc.id.length <= 128 ? doc.id : 'graph';
  if (doc.id !== undefined && id !== doc.id) err('$.id', 'the graph id must be a non-empty string of at most 128 characters');

  const nodes: GraphNode[] = [];
  if (!Array.isArray(doc.nodes)) err('$.nodes', 'nodes must be a list');
  else
    doc.nodes.forEach((n, i) => {
      const path = `$.nodes[${i}]`;
      if (!isObject(n)) return err(path, 'a node must be an object');
      const badId = idProblem('node', n.id);
      if (badId || typeof n.id !== 'string') return err(`${path}.id`, badId!);
      if (typeof n.type !== 'string' || n.type.length === 0 || n.type.length > 128) return err(`${path}.type`, 'node type must be a non-empty string', { nodeId: n.id });
      let typeVersion = 1;
      if (n.typeVersion !== undefined) {
        if (typeof n.typeVersion === 'number' && Number.isInteger(n.typeVersion) && n.typeVersion >= 1) typeVersion = n.typeVersion;
        else err(`${path}.typeVersion`, 'typeVersion must be a positive integer', { nodeId: n.id });
      }
      let params: Record<string, ParamValue> = {};
      if (n.params !== undefined) {
        if (isObject(n.params)) params = { ...(n.params as Record<string, ParamValue>) };
        else err(`${path}.params`, 'params must be an object of name → value', { nodeId: n.id });
      }
      const node: GraphNode = { id: n.id, type: n.type, typeVersion, params };
      if (typeof n.label === 'string') node.label = n.label.slice(0, 200);
      nodes.push(node);
    });

  const edges: GraphEdge[] = [];
  if (doc.edges !== undefined && !Array.isArray(doc.edges)) err('$.edges', 'edges must be a list');
  else
    ((doc.edges as unknown[] | undefined) ?? []).forEach((e, i) => {
      const path = `$.edges[${i}]`;
      if (!isObject(e)) return err(path, 'an edge must be an object');
      const badId = idProblem('edge', e.id);
      if (badId || typeof e.id !== 'string') return err(`${path}.id`, badId!);
      const from = portRef(e.from), to = portRef(e.to);
      if (!from) return err(`${path}.from`, "an edge end must be {node, port} with string values", { edgeId: e.id });
      if (!to) return err(`${path}.to`, "an edge end must be {node, port} with string values", { edgeId: e.id });
      edges.push({ id: e.id, from, to });
    });

  const extra: Record<string, unknown> = {};
  for (const k of Object.keys(doc)) if (!KNOWN_TOP.has(k)) extra[k] = doc[k];
  const graph: GraphDocument = {
    format: GRAPH_FORMAT,
    schemaVersion: SCHEMA_VERSION,
    id,
    meta: normaliseMeta(doc.meta, problems),
    nodes,
    edges,
    ui: normaliseUi(doc.ui),
  };
  if (Object.keys(extra).length) graph.extra = extra;
  return graph;
}

function portRef(v: unknown): { node: string; port: string } | undefined {
  return isObject(v) && typeof v.node === 'string' && typeof v.port === 'string' ? { node: v.node, port: v.port } : undefined;
}

/** A file's `meta`, keeping only well-formed entries (problems name what was dropped). */
export function normaliseMeta(v: unknown, problems: Problem[]): GraphDocument['meta'] {
  if (!isObject(v)) return {};
  const meta: GraphDocument['meta'] = {};
  if (typeof v.title === 'string') meta.title = v.title;
  if (typeof v.description === 'string') meta.description = v.description;
  if (typeof v.autoRun === 'boolean') meta.autoRun = v.autoRun;
  if (v.runSeconds !== undefined) {
    if (isObject(v.runSeconds) && Object.values(v.runSeconds).every((s) => finite(s) && s > 0)) meta.runSeconds = v.runSeconds as Record<string, number>;
    else problems.push({ severity: 'warning', path: '$.meta.runSeconds', message: 'runSeconds must be { preset: seconds > 0 }; it was dropped' });
  }
  if (v.presets !== undefined) {
    // Values are checked against the node params when a preset is applied; here only the shape.
    const shaped = isObject(v.presets) && Object.values(v.presets).every((p) => isObject(p) && Object.values(p).every(isObject));
    if (shaped) meta.presets = v.presets as NonNullable<GraphDocument['meta']['presets']>;
    else problems.push({ severity: 'warning', path: '$.meta.presets', message: 'presets must be { name: { nodeId: { param: value } } }; they were dropped' });
  }
  return meta;
}

const finite = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);

/** Layout is cosmetic: malformed entries are dropped rather than reported. */
function normaliseUi(v: unknown): GraphUi {
  const ui: GraphUi = { nodes: {}, comments: [] };
  if (!isObject(v)) return ui;
  if (isObject(v.nodes))
    for (const [id, p] of Object.entries(v.nodes))
      if (isObject(p) && finite(p.x) && finite(p.y)) ui.nodes[id] = { x: p.x, y: p.y, ...(p.collapsed === true ? { collapsed: true } : {}), ...(p.onRequest === true ? { onRequest: true } : {}) };
  if (Array.isArray(v.comments))
    for (const c of v.comments)
      if (isObject(c) && typeof c.id === 'string' && typeof c.text === 'string' && finite(c.x) && finite(c.y)) {
        const comment: GraphComment = { id: c.id, text: c.text.slice(0, 10_000), x: c.x, y: c.y };
        if (finite(c.width)) comment.width = c.width;
        if (finite(c.height)) comment.height = c.height;
        ui.comments.push(comment);
      }
  if (isObject(v.viewport) && finite(v.viewport.x) && finite(v.viewport.y) && finite(v.viewport.zoom))
    ui.viewport = { x: v.viewport.x, y: v.viewport.y, zoom: v.viewport.zoom };
  return ui;
}
