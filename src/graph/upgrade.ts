import { GRAPH_FORMAT, SCHEMA_VERSION } from './document.ts';

type Json = Record<string, unknown>;

/**
 * Upgraders of the file schema, one step each (`UPGRADERS[n]` takes version n to n + 1). Pure
 * functions on plain JSON, chained on load; saving always writes the latest version. Never delete
 * one: old files must keep opening.
 */
const UPGRADERS: Record<number, (doc: Json) => Json> = {
  /**
   * Version 1 (the first prototype) kept each node's position on the node, called edges
   * `connections` with flat `source/sourcePort/target/targetPort` fields, and `version` for the
   * node type's version. Version 2 separates layout from semantics.
   */
  1: (doc) => {
    const nodes = Array.isArray(doc.nodes) ? doc.nodes : [];
    const layout: Record<string, unknown> = {};
    const upgradedNodes = nodes.map((n: unknown) => {
      if (!isObject(n)) return n;
      const { position, version, ...rest } = n;
      if (typeof rest.id === 'string' && isObject(position)) layout[rest.id] = { x: position.x, y: position.y };
      return { ...rest, typeVersion: version ?? 1 };
    });
    const connections = Array.isArray(doc.connections) ? doc.connections : [];
    const edges = connections.map((c: unknown, i: number) =>
      isObject(c)
        ? { id: c.id ?? `e${i + 1}`, from: { node: c.source, port: c.sourcePort }, to: { node: c.target, port: c.targetPort } }
        : c,
    );
    const { title, connections: _c, nodes: _n, ...rest } = doc;
    return {
      ...rest,
      schemaVersion: 2,
      id: typeof doc.id === 'string' ? doc.id : 'graph',
      meta: typeof title === 'string' ? { title } : {},
      nodes: upgradedNodes,
      edges,
      ui: { nodes: layout, comments: [] },
    };
  },
  /**
   * Version 3 adds the notebook (`ui.cells`). Nothing of a version-2 file changes; the step exists
   * so that a version-2 studio refuses a file with cells ("written by a newer NPHM Studio")
   * instead of opening it and dropping the notebook when it saves.
   */
  2: (doc) => ({ ...doc, schemaVersion: 3 }),
};

export type UpgradeResult = { ok: true; doc: Json; from: number } | { ok: false; message: string; path: string };

export function upgradeToCurrent(doc: Json): UpgradeResult {
  if (doc.format !== GRAPH_FORMAT) {
    return { ok: false, path: '$.format', message: `not an NPHM Studio graph: format must be '${GRAPH_FORMAT}', got ${JSON.stringify(doc.format ?? null)}` };
  }
  const v = doc.schemaVersion;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
    return { ok: false, path: '$.schemaVersion', message: `schemaVersion must be a positive integer, got ${JSON.stringify(v ?? null)}` };
  }
  if (v > SCHEMA_VERSION) {
    return { ok: false, path: '$.schemaVersion', message: `written by a newer NPHM Studio (schema ${v}); this version reads up to schema ${SCHEMA_VERSION}` };
  }
  let cur = doc;
  for (let s = v; s < SCHEMA_VERSION; s++) {
    const step = UPGRADERS[s];
    if (!step) return { ok: false, path: '$.schemaVersion', message: `no upgrade from schema ${s}` };
    cur = step(cur);
  }
  return { ok: true, doc: cur, from: v };
}

export function isObject(v: unknown): v is Json {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
