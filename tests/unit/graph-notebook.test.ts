/**
 * The notebook in the graph file: cells round-trip, older files migrate, a version-2 reader's limit
 * refuses them, malformed cells are reported with their paths, and prose never reaches the hash.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadGraphText } from '../../src/graph/load.ts';
import { graphHash, serializeGraph } from '../../src/graph/serialize.ts';
import { SCHEMA_VERSION, type GraphDocument } from '../../src/graph/document.ts';
import { MAX_CELL_TEXT, type NotebookCell } from '../../src/graph/notebook.ts';
import { applyCommand } from '../../src/ui/state/commands.ts';
import { builtinRegistry } from '../../src/nodes/registry.ts';

const registry = builtinRegistry();
const smokeText = readFileSync(new URL('../../graphs/test/tensor-smoke.graph.json', import.meta.url), 'utf8');
const smoke = () => JSON.parse(smokeText) as GraphDocument;
const load = (v: unknown) => loadGraphText(typeof v === 'string' ? v : JSON.stringify(v), registry);

const cells: NotebookCell[] = [
  { id: 'intro', text: '# Two tensors\n\nTheir product $ab$ is **summed**.' },
  { id: 'act', text: 'The activation scales it.', nodes: ['act', 'ab'], preview: 'act', controls: [{ node: 'act', param: 'scale' }] },
];

describe('notebook cells in the graph file', () => {
  it('round-trip in order, with their links, and stay outside the hash', () => {
    const g = { ...smoke(), ui: { ...smoke().ui, cells } };
    const r = load(g);
    expect(r.problems).toEqual([]);
    expect(r.graph!.ui.cells).toEqual(cells);
    const text = serializeGraph(r.graph!);
    expect(JSON.parse(text).schemaVersion).toBe(SCHEMA_VERSION);
    expect(load(text).graph!.ui.cells).toEqual(cells);
    const edited = structuredClone(r.graph!);
    edited.ui.cells![0]!.text = 'rewritten prose';
    edited.ui.cells!.reverse();
    expect(graphHash(edited)).toBe(graphHash(load(smokeText).graph!));
  });

  it('migrates files from before the notebook (schema 1 and 2) with an empty notebook', () => {
    for (const file of ['../fixtures/graphs/v1-legacy.graph.json', '../../graphs/test/tensor-smoke.graph.json']) {
      const text = readFileSync(new URL(file, import.meta.url), 'utf8');
      const v2 = { ...JSON.parse(text), schemaVersion: Math.min(2, JSON.parse(text).schemaVersion) };
      const r = load(v2);
      expect(r.problems.filter((p) => p.severity === 'error')).toEqual([]);
      expect(r.graph!.schemaVersion).toBe(SCHEMA_VERSION);
      expect(r.graph!.ui.cells).toBeUndefined();
    }
    // A version-2 file that already had cells (written by hand) keeps them through the upgrade.
    const r = load({ ...smoke(), schemaVersion: 2, ui: { ...smoke().ui, cells } });
    expect(r.graph!.ui.cells).toEqual(cells);
  });

  it('reports each malformed cell or reference with its path and keeps the rest', () => {
    const bad = [
      cells[0],
      'not a cell',
      { id: 'no text' },
      { id: 'intro', text: 'a duplicate id' },
      { id: 'refs', text: 'ok', nodes: ['act', 'ghost', 7], preview: 'nobody', controls: [{ node: 'act', param: 'nope' }, { node: 'act', param: 'scale' }, { node: 'ghost', param: 'x' }, 'x'] },
      { id: 'long', text: 'x'.repeat(MAX_CELL_TEXT + 10) },
    ];
    const r = load({ ...smoke(), ui: { ...smoke().ui, cells: bad } });
    expect(r.problems.every((p) => p.severity === 'warning')).toBe(true);
    const at = Object.fromEntries(r.problems.map((p) => [p.path, p.message]));
    expect(at['$.ui.cells[1]']).toMatch(/must be an object/);
    expect(at['$.ui.cells[2].id']).toMatch(/must match/);
    expect(at['$.ui.cells[3].id']).toMatch(/used twice/);
    expect(at['$.ui.cells[4].nodes[1]']).toMatch(/no node "ghost"/);
    expect(at['$.ui.cells[4].nodes[2]']).toMatch(/no node 7/);
    expect(at['$.ui.cells[4].preview']).toMatch(/must name a node/);
    expect(at['$.ui.cells[4].controls[0]']).toMatch(/no param 'nope'/);
    expect(at['$.ui.cells[4].controls[2]']).toMatch(/no node 'ghost'/);
    expect(at['$.ui.cells[4].controls[3]']).toMatch(/\{node, param\}/);
    expect(at['$.ui.cells[5].text']).toMatch(/cut to 20000/);
    const kept = r.graph!.ui.cells!;
    expect(kept.map((c) => c.id)).toEqual(['intro', 'refs', 'long']);
    expect(kept[1]).toEqual({ id: 'refs', text: 'ok', nodes: ['act'], controls: [{ node: 'act', param: 'scale' }] });
    expect(kept[2]!.text.length).toBe(MAX_CELL_TEXT);
    const flood = load({ ...smoke(), ui: { ...smoke().ui, cells: [{ id: 'f', text: '', nodes: Array(40).fill('act'), controls: 'scale' }] } });
    expect(flood.graph!.ui.cells![0]!.nodes).toEqual(['act']);
    expect(flood.problems.map((p) => `${p.path}: ${p.message}`)).toEqual([
      '$.ui.cells[0].nodes: a cell has at most 32 nodes; the rest were dropped',
      '$.ui.cells[0].controls: controls must be a list; it was dropped',
    ]);
    expect(load({ ...smoke(), ui: { ...smoke().ui, cells: 'everything' } }).problems[0]).toMatchObject({ path: '$.ui.cells', message: expect.stringMatching(/must be a list/) });
  });

  it('deleting a node takes its links out of the cells, and undo brings both back', () => {
    const doc = load({ ...smoke(), ui: { ...smoke().ui, cells } }).graph!;
    const before = structuredClone(doc);
    const inverse = applyCommand(doc, { kind: 'removeNodes', ids: ['act'] });
    expect(doc.ui.cells![1]).toEqual({ id: 'act', text: 'The activation scales it.', nodes: ['ab'] });
    applyCommand(doc, inverse);
    expect(doc.ui.cells).toEqual(before.ui.cells);
    expect(doc.nodes.map((n) => n.id).sort()).toEqual(before.nodes.map((n) => n.id).sort());
  });

  it('setCells is one undoable step, and an empty notebook leaves no key', () => {
    const doc = load(smokeText).graph!;
    const undo = applyCommand(doc, { kind: 'setCells', cells });
    expect(doc.ui.cells).toEqual(cells);
    applyCommand(doc, undo);
    expect('cells' in doc.ui).toBe(false);
  });
});
