/**
 * Notebook edits as the panel makes them (pure list edits, each one `setCells` step), and the
 * read-only editor that lets a reader change only what a predicate allows (a shared notebook's
 * cell controls), with undo.
 */
import { describe, expect, it } from 'vitest';
import { emptyGraph } from '../../src/graph/document.ts';
import type { NotebookCell } from '../../src/graph/notebook.ts';
import { insertCell, moveCell, newCellId, removeCell, setCellLinks } from '../../src/ui/notebook/cell-edits.ts';
import { EditorState } from '../../src/ui/state/editor-state.ts';

const cells: NotebookCell[] = [
  { id: 'a', text: 'A' },
  { id: 'b', text: 'B', nodes: ['n1'] },
  { id: 'c', text: 'C' },
];

describe('cell edits', () => {
  it('insert, remove and move return new lists in the expected order', () => {
    expect(insertCell(cells, 1, { id: 'x', text: 'X' }).map((c) => c.id)).toEqual(['a', 'x', 'b', 'c']);
    expect(insertCell(cells, 99, { id: 'x', text: 'X' }).map((c) => c.id)).toEqual(['a', 'b', 'c', 'x']);
    expect(removeCell(cells, 1).map((c) => c.id)).toEqual(['a', 'c']);
    expect(moveCell(cells, 0, 1).map((c) => c.id)).toEqual(['b', 'a', 'c']);
    expect(moveCell(cells, 2, -2).map((c) => c.id)).toEqual(['c', 'a', 'b']);
    expect(moveCell(cells, 2, 5).map((c) => c.id)).toEqual(['a', 'b', 'c']);
    expect(cells.map((c) => c.id)).toEqual(['a', 'b', 'c']);
    expect(newCellId([{ id: 'cell1', text: '' }])).toBe('cell2');
  });

  it('setCellLinks sets and clears links without touching other cells', () => {
    const linked = setCellLinks(cells, 0, { nodes: ['n2'], preview: 'n2', controls: [{ node: 'n2', param: 'value' }] });
    expect(linked[0]).toEqual({ id: 'a', text: 'A', nodes: ['n2'], preview: 'n2', controls: [{ node: 'n2', param: 'value' }] });
    expect(linked[1]).toBe(cells[1]);
    const cleared = setCellLinks(linked, 0, { nodes: [], preview: undefined });
    expect(cleared[0]).toEqual({ id: 'a', text: 'A', controls: [{ node: 'n2', param: 'value' }] });
  });
});

describe('a read-only editor with allowed commands', () => {
  const doc = () => {
    const g = emptyGraph('g');
    g.nodes = [{ id: 'n', type: 'core.number', typeVersion: 1, params: { value: 1, other: 2 } }];
    return g;
  };

  it('refuses everything but what the predicate allows, and undoes only that', () => {
    const ed = new EditorState(doc());
    ed.readOnly = true;
    ed.allowReadOnly = (cmd) => cmd.kind === 'setParam' && cmd.name === 'value';
    expect(() => ed.dispatch(ed.setParamCommand('n', 'other', 5), 'other')).toThrow(/read-only/);
    expect(() => ed.dispatch({ kind: 'removeNodes', ids: ['n'] }, 'delete')).toThrow(/read-only/);
    ed.dispatch(ed.setParamCommand('n', 'value', 7), 'value');
    expect(ed.doc.nodes[0]!.params.value).toBe(7);
    expect(ed.canUndo).toBe(true);
    expect(ed.undo()).toBe(true);
    expect(ed.doc.nodes[0]!.params.value).toBe(1);
    expect(ed.canRedo).toBe(true);
    expect(ed.redo()).toBe(true);
    expect(ed.doc.nodes[0]!.params.value).toBe(7);
  });

  it('a param set to the value it has is no undo step (a number field commits on input and again on Enter)', () => {
    const ed = new EditorState(doc());
    ed.dispatch(ed.setParamCommand('n', 'value', 3), 'value');
    ed.dispatch(ed.setParamCommand('n', 'value', 3), 'value');
    expect(ed.history).toHaveLength(1);
    ed.undo();
    expect(ed.doc.nodes[0]!.params.value).toBe(1);
  });

  it('an amending step (cards pushed apart after an edit) is undone with the edit it follows', () => {
    const ed = new EditorState(doc());
    ed.dispatch({ kind: 'moveNodes', moves: [{ id: 'n', x: 0, y: 200 }] }, 'make room', { amend: true });
    expect(ed.history.map((h) => h.label)).toEqual(['make room']);
    ed.dispatch(ed.setParamCommand('n', 'value', 4), 'set n.value');
    ed.dispatch({ kind: 'moveNodes', moves: [{ id: 'n', x: 0, y: 400 }] }, 'make room', { amend: true });
    expect(ed.history.map((h) => h.label)).toEqual(['make room', 'set n.value']);
    ed.undo();
    expect([ed.doc.nodes[0]!.params.value, ed.doc.ui.nodes.n!.y]).toEqual([1, 200]);
    ed.redo();
    expect([ed.doc.nodes[0]!.params.value, ed.doc.ui.nodes.n!.y]).toEqual([4, 400]);
  });

  it('an edit made before the graph was locked cannot be undone while it is', () => {
    const ed = new EditorState(doc());
    ed.dispatch(ed.setParamCommand('n', 'other', 5), 'other');
    ed.readOnly = true;
    ed.allowReadOnly = (cmd) => cmd.kind === 'setParam' && cmd.name === 'value';
    expect(ed.canUndo).toBe(false);
    expect(ed.undo()).toBe(false);
    expect(ed.doc.nodes[0]!.params.other).toBe(5);
  });
});
