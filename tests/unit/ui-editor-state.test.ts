import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import type { GraphDocument } from '../../src/graph/document.ts';
import { EditorState, parseClipboard } from '../../src/ui/state/editor-state.ts';
import { layeredLayout } from '../../src/ui/state/layout.ts';
import { decodeShare, encodeShare } from '../../src/ui/state/share.ts';
import { serializeGraph } from '../../src/graph/serialize.ts';

const smoke = (): GraphDocument => JSON.parse(readFileSync(new URL('../../graphs/test/tensor-smoke.graph.json', import.meta.url), 'utf8'));

function state(now = { t: 0 }) {
  return new EditorState(smoke(), () => now.t);
}

describe('editor state: commands and undo/redo', () => {
  it('undoes and redoes a param edit, a move, a connection and a delete back to identical documents', () => {
    const s = state();
    const text0 = serializeGraph(s.snapshot());
    s.dispatch(s.setParamCommand('a', 'seed', 99), 'seed');
    const text1 = serializeGraph(s.snapshot());
    s.dispatch({ kind: 'moveNodes', moves: [{ id: 'a', x: 50, y: 60 }] }, 'move');
    s.dispatch(s.deleteCommand(['ab'])!, 'delete');
    expect(s.doc.nodes.map((n) => n.id)).not.toContain('ab');
    expect(s.doc.edges.some((e) => e.from.node === 'ab' || e.to.node === 'ab')).toBe(false);
    const text3 = serializeGraph(s.snapshot());
    expect(s.undo()).toBe(true);
    expect(s.doc.edges).toHaveLength(5);
    expect(s.doc.ui.nodes.ab).toEqual({ x: 260, y: 80 });
    expect(s.undo()).toBe(true);
    expect(s.doc.ui.nodes.a).toEqual({ x: 0, y: 0 });
    expect(s.undo()).toBe(true);
    expect(serializeGraph(s.snapshot())).toBe(text0);
    expect(s.canUndo).toBe(false);
    expect(s.redo()).toBe(true);
    expect(serializeGraph(s.snapshot())).toBe(text1);
    s.redo();
    s.redo();
    expect(serializeGraph(s.snapshot())).toBe(text3);
    expect(s.canRedo).toBe(false);
    // undo again after redo still works
    s.undo();
    s.undo();
    s.undo();
    expect(serializeGraph(s.snapshot())).toBe(text0);
  });

  it('a new edit clears the redo stack', () => {
    const s = state();
    s.dispatch(s.setParamCommand('a', 'seed', 1), 'a');
    s.undo();
    expect(s.canRedo).toBe(true);
    s.dispatch(s.setParamCommand('a', 'seed', 2), 'b');
    expect(s.canRedo).toBe(false);
  });

  it('merges slider drags with the same key into one step, but not after a pause', () => {
    const now = { t: 0 };
    const s = state(now);
    for (const v of [2, 3, 4, 5]) {
      now.t += 100;
      s.dispatch(s.setParamCommand('act', 'scale', v), 'scale', { mergeKey: 'act.scale' });
    }
    expect(s.history).toHaveLength(1);
    now.t += 5000;
    s.dispatch(s.setParamCommand('act', 'scale', 6), 'scale', { mergeKey: 'act.scale' });
    expect(s.history).toHaveLength(2);
    s.undo();
    expect(s.doc.nodes.find((n) => n.id === 'act')!.params.scale).toBe(5);
    s.undo();
    expect(s.doc.nodes.find((n) => n.id === 'act')!.params.scale).toBe(0.5);
    s.redo();
    expect(s.doc.nodes.find((n) => n.id === 'act')!.params.scale).toBe(5);
  });

  it('connecting into a fed input replaces the old edge in one undo step', () => {
    const s = state();
    const cmd = s.connectCommand({ node: 'b', port: 'tensor' }, { node: 'ab', port: 'a' })!;
    s.dispatch(cmd, 'connect');
    const into = s.doc.edges.filter((e) => e.to.node === 'ab' && e.to.port === 'a');
    expect(into).toHaveLength(1);
    expect(into[0]!.from.node).toBe('b');
    expect(s.connectCommand({ node: 'b', port: 'tensor' }, { node: 'ab', port: 'a' })).toBeUndefined();
    s.undo();
    expect(s.doc.edges.find((e) => e.to.node === 'ab' && e.to.port === 'a')!.from.node).toBe('a');
  });

  it('a failing command leaves the document and history unchanged', () => {
    const s = state();
    const before = serializeGraph(s.snapshot());
    expect(() => s.dispatch({ kind: 'setParam', node: 'nope', name: 'x', value: 1 }, 'bad')).toThrow(/no node 'nope'/);
    expect(serializeGraph(s.snapshot())).toBe(before);
    expect(s.canUndo).toBe(false);
  });

  it('copy/paste gives fresh ids, keeps inner edges, drops outer ones, and survives a JSON round trip', () => {
    const s = state();
    const data = parseClipboard(JSON.stringify(s.copy(['a', 'ab'])))!;
    expect(data.edges.map((e) => e.id)).toEqual(['e1']);
    const { cmd, ids } = s.pasteCommand(data, { x: 40, y: 40 })!;
    s.dispatch(cmd, 'paste');
    expect(ids).toHaveLength(2);
    expect(ids.every((id) => !['a', 'ab'].includes(id))).toBe(true);
    const newEdge = s.doc.edges.find((e) => ids.includes(e.from.node));
    expect(newEdge && ids.includes(newEdge.to.node)).toBe(true);
    expect(s.doc.ui.nodes[ids[0]!]).toEqual({ x: 40, y: 40 });
    expect(new Set(s.doc.edges.map((e) => e.id)).size).toBe(s.doc.edges.length);
    s.undo();
    expect(s.doc.nodes).toHaveLength(6);
  });

  it('rejects clipboard text that is not ours', () => {
    expect(parseClipboard('hello')).toBeUndefined();
    expect(parseClipboard('{"format":"other"}')).toBeUndefined();
    expect(parseClipboard(JSON.stringify({ format: 'nphm-studio/clipboard', nodes: [{ node: { id: '../x', type: 't' } }], edges: [] }))).toBeUndefined();
  });

  it('comments are added, edited, moved and removed as undoable steps; layout edits are not semantic', () => {
    const s = state();
    const changes: boolean[] = [];
    s.subscribe((c) => changes.push(c.semantic));
    s.dispatch({ kind: 'addComments', comments: [{ id: s.newCommentId(), text: 'hi', x: 1, y: 2 }] }, 'comment');
    s.dispatch({ kind: 'updateComment', id: 'c1', patch: { text: 'hello' } }, 'edit');
    s.dispatch({ kind: 'moveNodes', moves: [{ id: 'c1', x: 10, y: 20 }] }, 'move');
    expect(s.doc.ui.comments).toEqual([{ id: 'c1', text: 'hello', x: 10, y: 20 }]);
    s.undo();
    s.undo();
    expect(s.doc.ui.comments).toEqual([{ id: 'c1', text: 'hi', x: 1, y: 2 }]);
    s.dispatch(s.deleteCommand(['c1'])!, 'delete');
    expect(s.doc.ui.comments).toEqual([]);
    expect(changes.every((c) => c === false)).toBe(true);
    s.dispatch(s.setParamCommand('a', 'seed', 3), 'p');
    expect(changes.at(-1)).toBe(true);
  });

  it('read-only documents refuse commands', () => {
    const s = state();
    s.readOnly = true;
    expect(() => s.dispatch(s.setParamCommand('a', 'seed', 3), 'p')).toThrow(/read-only/);
  });
});

describe('auto-arrange', () => {
  it('puts every node right of its inputs and keeps nodes of a layer from overlapping', () => {
    const g = smoke();
    const pos = layeredLayout({ ids: g.nodes.map((n) => n.id), edges: g.edges.map((e) => [e.from.node, e.to.node] as const), size: () => ({ width: 200, height: 100 }) });
    for (const e of g.edges) expect(pos.get(e.to.node)!.x).toBeGreaterThan(pos.get(e.from.node)!.x);
    expect(pos.get('a')!.x).toBe(pos.get('b')!.x);
    expect(Math.abs(pos.get('a')!.y - pos.get('b')!.y)).toBeGreaterThanOrEqual(100);
  });

  it('survives a cycle', () => {
    const pos = layeredLayout({ ids: ['x', 'y'], edges: [['x', 'y'], ['y', 'x']], size: () => ({ width: 10, height: 10 }) });
    expect(pos.size).toBe(2);
  });
});

describe('share links', () => {
  it('round-trips a graph through the URL hash', () => {
    const text = serializeGraph(smoke());
    const hash = encodeShare(text)!;
    expect(hash.startsWith('g=')).toBe(true);
    expect(hash).toMatch(/^g=[A-Za-z0-9_-]+$/);
    expect(decodeShare(`#${hash}`)).toBe(text);
    expect(decodeShare('#other')).toBeUndefined();
    expect(() => decodeShare('#g=AAAA')).toThrow(/damaged/);
  });

  it('refuses graphs that do not fit', () => {
    let big = '';
    let x = 12345;
    for (let i = 0; i < 20000; i++) big += ((x = (x * 1103515245 + 12345) % 2 ** 31) % 36).toString(36);
    expect(encodeShare(big)).toBeUndefined();
  });
});

describe('gesture merging', () => {
  it('keeps one drag gesture as one undo step however slow it is', () => {
    const now = { t: 0 };
    const s = new EditorState(smoke(), () => now.t);
    for (const v of [1, 2, 3]) {
      now.t += 10_000;
      s.dispatch(s.setParamCommand('act', 'scale', v), 'drag', { mergeKey: 'act.scale#g1', mergeWindowMs: Infinity });
    }
    expect(s.history).toHaveLength(1);
    s.undo();
    expect(s.doc.nodes.find((n) => n.id === 'act')!.params.scale).toBe(0.5);
  });
});
