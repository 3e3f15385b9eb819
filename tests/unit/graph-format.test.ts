import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadGraphText } from '../../src/graph/load.ts';
import { serializeGraph, graphHash } from '../../src/graph/serialize.ts';
import { MAX_GRAPH_BYTES, SCHEMA_VERSION, type GraphDocument } from '../../src/graph/document.ts';
import { hasErrors, type Problem } from '../../src/graph/problems.ts';
import { builtinRegistry } from '../../src/nodes/registry.ts';

const registry = builtinRegistry();
const smokeText = readFileSync(new URL('../../graphs/test/tensor-smoke.graph.json', import.meta.url), 'utf8');
const smoke = () => JSON.parse(smokeText) as GraphDocument;
const load = (v: unknown) => loadGraphText(typeof v === 'string' ? v : JSON.stringify(v), registry);
const errors = (ps: Problem[]) => ps.filter((p) => p.severity === 'error');

/** The one error a broken file must produce, with where it points. */
function onlyError(v: unknown): Problem {
  const r = load(v);
  const errs = errors(r.problems);
  expect(errs, JSON.stringify(r.problems)).toHaveLength(1);
  return errs[0]!;
}

describe('graph format: round trip', () => {
  it('loads the smoke graph without problems and re-serialises canonically', () => {
    const r = load(smokeText);
    expect(r.problems).toEqual([]);
    const text = serializeGraph(r.graph!);
    const again = load(text);
    expect(again.problems).toEqual([]);
    expect(serializeGraph(again.graph!)).toBe(text);
    // Canonical: nodes sorted by id, keys sorted.
    const parsed = JSON.parse(text);
    expect(parsed.nodes.map((n: { id: string }) => n.id)).toEqual(['a', 'ab', 'act', 'b', 'save', 'total']);
    expect(Object.keys(parsed)).toEqual([...Object.keys(parsed)].sort());
  });

  it('hashes semantics only: layout, titles and key order do not change the hash; params do', () => {
    const base = load(smokeText).graph!;
    const moved = smoke();
    moved.ui.nodes.a = { x: 999, y: -5 };
    moved.meta.title = 'renamed';
    moved.nodes.reverse();
    expect(graphHash(load(moved).graph!)).toBe(graphHash(base));
    const changed = smoke();
    changed.nodes.find((n) => n.id === 'act')!.params.scale = 0.25;
    expect(graphHash(load(changed).graph!)).not.toBe(graphHash(base));
  });

  it('keeps unknown top-level keys on save', () => {
    const g = { ...smoke(), vendorData: { keep: [1, 2] } };
    const text = serializeGraph(load(g).graph!);
    expect(JSON.parse(text).vendorData).toEqual({ keep: [1, 2] });
  });

  it('upgrades a schema-1 file and migrates node type versions', () => {
    const text = readFileSync(new URL('../fixtures/graphs/v1-legacy.graph.json', import.meta.url), 'utf8');
    const r = load(text);
    expect(r.fromSchema).toBe(1);
    expect(errors(r.problems)).toEqual([]);
    const g = r.graph!;
    expect(g.schemaVersion).toBe(SCHEMA_VERSION);
    expect(g.meta.title).toBe('A graph saved by the first prototype');
    expect(g.ui.nodes.n1).toEqual({ x: 10, y: 20 });
    const n1 = g.nodes.find((n) => n.id === 'n1')!;
    expect(n1.typeVersion).toBe(2);
    expect(n1.params).toEqual({ value: 3.5 });
    expect(g.edges).toEqual([{ id: 'c1', from: { node: 'n1', port: 'value' }, to: { node: 'save', port: 'value' } }]);
    // And it is stable from there on.
    const text2 = serializeGraph(g);
    expect(serializeGraph(load(text2).graph!)).toBe(text2);
  });

  it('fills missing params with defaults', () => {
    const g = smoke();
    g.nodes.find((n) => n.id === 'act')!.params = {};
    const r = load(g);
    expect(r.problems).toEqual([]);
    expect(r.graph!.nodes.find((n) => n.id === 'act')!.params).toEqual({ op: 'relu', scale: 1 });
  });
});

describe('graph format: rejections name the problem and where', () => {
  it('invalid JSON', () => {
    const r = load('{"format": "nphm-studio/graph", "schemaVersion": 2,');
    expect(r.graph).toBeNull();
    expect(r.problems[0]!.message).toMatch(/^invalid JSON/);
  });

  it('files over the size limit, before parsing', () => {
    const r = loadGraphText(`${' '.repeat(MAX_GRAPH_BYTES + 1)}{}`, registry);
    expect(r.graph).toBeNull();
    expect(r.problems[0]!.message).toMatch(/limited to/);
  });

  it('a newer schema', () => {
    const r = load({ ...smoke(), schemaVersion: 99 });
    expect(r.graph).toBeNull();
    expect(r.problems[0]).toMatchObject({ path: '$.schemaVersion', message: expect.stringMatching(/newer NPHM Studio/) });
  });

  it('another format', () => {
    expect(load({ nodes: [] }).problems[0]).toMatchObject({ path: '$.format' });
  });

  it('__proto__ and constructor keys anywhere', () => {
    const a = load(smokeText.replace('"seed": 7', '"seed": 7, "__proto__": {"polluted": true}'));
    expect(a.graph).toBeNull();
    expect(a.problems[0]).toMatchObject({ path: '$.nodes[0].params.__proto__' });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const b = load(smokeText.replace('"meta": {', '"meta": { "constructor": {"prototype": {}},'));
    expect(b.problems[0]).toMatchObject({ path: '$.meta.constructor' });
  });

  it('duplicate node ids', () => {
    const g = smoke();
    g.nodes.push({ ...g.nodes[0]!, params: { ...g.nodes[0]!.params } });
    expect(onlyError(g)).toMatchObject({ nodeId: 'a', path: '$.nodes[6].id', message: expect.stringMatching(/duplicate node id 'a'/) });
  });

  it('duplicate edge ids', () => {
    const g = smoke();
    g.edges.push({ id: 'e1', from: { node: 'a', port: 'tensor' }, to: { node: 'save', port: 'value' } });
    // The save input is then fed twice as well; both are reported.
    const errs = errors(load(g).problems);
    expect(errs.some((p) => p.edgeId === 'e1' && /duplicate edge id/.test(p.message))).toBe(true);
  });

  it('edges to missing nodes and missing ports', () => {
    const g = smoke();
    g.edges[0]!.from.node = 'ghost';
    expect(onlyError(g)).toMatchObject({ edgeId: 'e1', path: '$.edges[0].from.node', message: "edge starts at missing node 'ghost'" });
    const h = smoke();
    h.edges[2]!.to.port = 'input';
    expect(onlyError(h)).toMatchObject({ edgeId: 'e3', path: '$.edges[2].to.port', message: expect.stringMatching(/has no input 'input'; it has x/) });
  });

  it('incompatible socket types', () => {
    const g = smoke();
    // A number cannot feed a tensor input.
    g.nodes.push({ id: 'k', type: 'core.number', typeVersion: 2, params: { value: 2 } });
    g.edges.push({ id: 'bad', from: { node: 'k', port: 'value' }, to: { node: 'act', port: 'x' } });
    g.edges = g.edges.filter((e) => e.id !== 'e3');
    expect(onlyError(g)).toMatchObject({ edgeId: 'bad', path: '$.edges[4]', message: expect.stringMatching(/incompatible sockets: a 'number' output cannot feed a 'tensor' input \(k.value → act.x\)/) });
  });

  it('an input fed twice', () => {
    const g = smoke();
    g.edges.push({ id: 'e9', from: { node: 'b', port: 'tensor' }, to: { node: 'act', port: 'x' } });
    expect(onlyError(g)).toMatchObject({ edgeId: 'e9', message: expect.stringMatching(/already fed by edge 'e3'/) });
  });

  it('cycles', () => {
    const g = smoke();
    g.nodes.push({ id: 'act2', type: 'tensor.unary', typeVersion: 1, params: {} });
    g.edges = g.edges.filter((e) => e.id !== 'e3');
    g.edges.push({ id: 'c1', from: { node: 'act', port: 'y' }, to: { node: 'act2', port: 'x' } });
    g.edges.push({ id: 'c2', from: { node: 'act2', port: 'y' }, to: { node: 'act', port: 'x' } });
    expect(onlyError(g).message).toMatch(/^cycle: (act → act2 → act|act2 → act → act2)$/);
  });

  it('params of the wrong type or out of range', () => {
    const cases: [string, string, unknown, RegExp][] = [
      ['act', 'scale', 'big', /expected a finite number, got the text "big"/],
      ['act', 'op', 'cube', /'cube' is not one of relu/],
      ['a', 'seed', 1.5, /expected an integer/],
      ['a', 'shape', [16, 0], /item 1 \(0\) is below the minimum 1/],
      ['ab', 'transposeA', 'yes', /expected true or false/],
      ['act', 'scale', 1e9, /above the maximum/],
    ];
    for (const [id, param, value, re] of cases) {
      const g = smoke();
      const i = g.nodes.findIndex((n) => n.id === id);
      g.nodes[i]!.params[param] = value as never;
      expect(onlyError(g)).toMatchObject({ nodeId: id, path: `$.nodes[${i}].params.${param}`, message: expect.stringMatching(re) });
    }
  });

  it('a node type newer than this studio', () => {
    const g = smoke();
    g.nodes[2]!.typeVersion = 5;
    expect(onlyError(g)).toMatchObject({ nodeId: 'ab', message: expect.stringMatching(/version 5 is newer/) });
  });

  it('loads an unknown node type as a placeholder that keeps params and edges', () => {
    const g = smoke();
    g.nodes[3] = { id: 'act', type: 'vendor.fancyActivation', typeVersion: 3, params: { gain: 2, mode: 'x' } };
    const r = load(g);
    expect(hasErrors(r.problems)).toBe(false);
    expect(r.problems).toEqual([expect.objectContaining({ severity: 'warning', nodeId: 'act', message: expect.stringMatching(/placeholder/) })]);
    const text = serializeGraph(r.graph!);
    const back = JSON.parse(text);
    expect(back.nodes.find((n: { id: string }) => n.id === 'act')).toEqual({ id: 'act', type: 'vendor.fancyActivation', typeVersion: 3, params: { gain: 2, mode: 'x' } });
    expect(back.edges).toHaveLength(5);
  });

  it('malformed nodes and edges without throwing', () => {
    const r = load({ format: 'nphm-studio/graph', schemaVersion: 2, nodes: [7, { id: 'bad id!', type: 'x' }, { id: 'ok', type: 5 }], edges: 'none' });
    expect(r.graph).not.toBeNull();
    expect(errors(r.problems).map((p) => p.path)).toEqual(['$.nodes[0]', '$.nodes[1].id', '$.nodes[2].type', '$.edges']);
  });

  it('deep nesting', () => {
    const deep = `{"format":"nphm-studio/graph","schemaVersion":2,"meta":${'['.repeat(200)}${']'.repeat(200)}}`;
    expect(load(deep).problems[0]!.message).toMatch(/nested deeper/);
  });
});
