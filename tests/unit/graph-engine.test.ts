import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initNodeTf } from '../../src/cli/tf-node.ts';
import { breathe } from '../../src/graph/breathe.ts';
import { Engine } from '../../src/graph/engine.ts';
import { loadGraphText } from '../../src/graph/load.ts';
import type { GraphDocument } from '../../src/graph/document.ts';
import type { EngineEvent } from '../../src/graph/runtime-types.ts';
import { defineNode } from '../../src/nodes/contract.ts';
import { NodeRegistry } from '../../src/nodes/registry.ts';
import { CORE_NODES } from '../../src/nodes/core/index.ts';

const runs: Record<string, number> = {};
const counted = <T extends { type: string; run: (...a: never[]) => unknown }>(def: T): T => ({
  ...def,
  run: (...args: never[]) => {
    runs[def.type] = (runs[def.type] ?? 0) + 1;
    return def.run(...args);
  },
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const slowNode = defineNode({
  type: 'test.slow',
  typeVersion: 1,
  title: 'Slow loop',
  category: 'Test',
  description: 'Iterates with a tensor per step, checking its abort signal between iterations.',
  inputs: { x: { type: 'tensor', description: '' } },
  outputs: { y: { type: 'tensor', description: '' } },
  params: { steps: { type: 'number', default: 10, integer: true, min: 1, max: 1e6, description: '' } },
  run: async (inputs, p, ctx) => {
    let y = tf.clone(inputs.x as tf.Tensor);
    for (let i = 0; i < (p.steps as number); i++) {
      if (ctx.signal.aborted) {
        y.dispose();
        throw new Error('aborted');
      }
      const next = tf.tidy(() => tf.add(y, 1));
      y.dispose();
      y = next;
      ctx.progress((i + 1) / (p.steps as number), `step ${i + 1}`);
      ctx.preview({ kind: 'text', text: `step ${i}` });
      await sleep(20);
    }
    return { y };
  },
});

const stubbornNode = defineNode({
  type: 'test.stubborn',
  typeVersion: 1,
  title: 'Ignores abort',
  category: 'Test',
  description: 'Never looks at its signal.',
  inputs: {},
  outputs: { y: { type: 'tensor', description: '' } },
  params: {},
  run: async () => {
    await sleep(3000);
    return { y: tf.scalar(1) };
  },
});

/** Compute-bound like a MonoNPHM node on wasm: busy work and microtask-only awaits, breathing between. */
const computeBoundNode = defineNode({
  type: 'test.computeBound',
  typeVersion: 1,
  title: 'Compute-bound',
  category: 'Test',
  description: 'Works for 3 s without looking at its signal, breathing between steps.',
  inputs: {},
  outputs: { y: { type: 'tensor', description: '' } },
  params: {},
  run: async () => {
    const end = performance.now() + 3000;
    while (performance.now() < end) {
      const stepEnd = performance.now() + 5;
      while (performance.now() < stepEnd);
      await Promise.resolve();
      await breathe();
    }
    return { y: tf.scalar(1) };
  },
});

const failNode = defineNode({
  type: 'test.fail',
  typeVersion: 1,
  title: 'Fails',
  category: 'Test',
  description: 'Throws.',
  inputs: { x: { type: 'tensor', description: '' } },
  outputs: { y: { type: 'tensor', description: '' } },
  params: {},
  run: () => {
    throw new Error('deliberate failure');
  },
});

const registry = new NodeRegistry([...CORE_NODES.map(counted), counted(slowNode), stubbornNode, computeBoundNode, failNode]);
const smokeText = readFileSync(new URL('../../graphs/test/tensor-smoke.graph.json', import.meta.url), 'utf8');

function graph(mutate?: (g: GraphDocument) => void): GraphDocument {
  const g = loadGraphText(smokeText, registry).graph!;
  mutate?.(g);
  return g;
}

function resetRuns() {
  for (const k of Object.keys(runs)) delete runs[k];
}

beforeAll(async () => {
  await initNodeTf('wasm');
});

describe('engine', () => {
  it('runs a graph and caches: a param change re-runs exactly that node and its dependents', async () => {
    const engine = new Engine(registry);
    engine.setGraph(graph());
    resetRuns();
    const first = await engine.run();
    expect(first.ok).toBe(true);
    expect(first.ran).toEqual(['a', 'b', 'ab', 'act', 'total', 'save']);
    const total1 = engine.outputs('total')!.value as number;

    // Same graph again: everything from the cache.
    resetRuns();
    const again = await engine.run();
    expect(again.ran).toEqual([]);
    expect(again.cached).toHaveLength(6);
    expect(runs).toEqual({});

    // Change act.scale: act, total and save re-run; a, b, ab come from the cache.
    resetRuns();
    engine.setGraph(graph((g) => (g.nodes.find((n) => n.id === 'act')!.params.scale = 1)));
    expect(engine.state('act')!.status).toBe('stale');
    expect(engine.state('a')!.status).toBe('done');
    const second = await engine.run();
    expect(second.ran).toEqual(['act', 'total', 'save']);
    expect(second.cached).toEqual(['a', 'b', 'ab']);
    expect(engine.outputs('total')!.value).toBeCloseTo(total1 * 2, 2);

    // Undo back to the old params: a cache hit, nothing runs.
    resetRuns();
    engine.setGraph(graph());
    const undo = await engine.run();
    expect(undo.ran).toEqual([]);
    expect(engine.outputs('total')!.value).toBe(total1);

    // Moving a node (layout) changes no key.
    const keys = ['a', 'ab', 'total'].map((id) => engine.cacheKey(id));
    engine.setGraph(graph((g) => (g.ui.nodes.a = { x: 500, y: 500 })));
    expect(['a', 'ab', 'total'].map((id) => engine.cacheKey(id))).toEqual(keys);
    engine.dispose();
  });

  it('computes only what a target needs', async () => {
    const engine = new Engine(registry);
    engine.setGraph(graph());
    const s = await engine.run({ targets: ['ab'] });
    expect(s.ran).toEqual(['a', 'b', 'ab']);
    expect(engine.state('total')!.status).toBe('idle');
    await expect(engine.run({ targets: ['nope'] })).rejects.toThrow(/unknown node: nope/);
    engine.dispose();
  });

  it('keeps an error on its node, blocks what depends on it, and runs independent branches', async () => {
    const engine = new Engine(registry);
    engine.setGraph(
      graph((g) => {
        g.nodes.push({ id: 'boom', type: 'test.fail', typeVersion: 1, params: {} }, { id: 'after', type: 'tensor.unary', typeVersion: 1, params: { op: 'relu', scale: 1 } });
        g.edges.push({ id: 'f1', from: { node: 'a', port: 'tensor' }, to: { node: 'boom', port: 'x' } }, { id: 'f2', from: { node: 'boom', port: 'y' }, to: { node: 'after', port: 'x' } });
      }),
    );
    const s = await engine.run();
    expect(s.ok).toBe(false);
    expect(s.failed).toEqual([{ nodeId: 'boom', message: 'deliberate failure' }]);
    expect(s.blocked).toEqual(['after']);
    expect(engine.state('boom')).toMatchObject({ status: 'error', error: { message: 'deliberate failure', phase: 'run' } });
    expect(engine.state('after')).toMatchObject({ status: 'blocked', message: 'waiting on boom' });
    expect(engine.state('save')!.status).toBe('done');
    engine.dispose();
  });

  it('reports unknown node types and unconnected inputs as errors on their node', async () => {
    const engine = new Engine(registry);
    engine.setGraph(
      graph((g) => {
        g.nodes.find((n) => n.id === 'b')!.type = 'vendor.missing';
        g.nodes.push({ id: 'lonely', type: 'tensor.unary', typeVersion: 1, params: { op: 'relu', scale: 1 } });
      }),
    );
    const s = await engine.run();
    expect(s.failed).toEqual([
      { nodeId: 'b', message: "unknown node type 'vendor.missing': no such node in this studio" },
      { nodeId: 'lonely', message: "input 'x' not connected" },
    ]);
    expect(s.blocked).toEqual(['ab', 'act', 'total', 'save']);
    engine.dispose();
  });

  it('stops a running graph within 1 s, leaving no tensors behind', async () => {
    const base = tf.memory().numTensors;
    const engine = new Engine(registry);
    engine.setGraph(
      graph((g) => {
        g.nodes.push({ id: 'loop', type: 'test.slow', typeVersion: 1, params: { steps: 100000 } });
        g.edges.push({ id: 'l1', from: { node: 'ab', port: 'product' }, to: { node: 'loop', port: 'x' } });
      }),
    );
    const ac = new AbortController();
    const events: EngineEvent[] = [];
    engine.subscribe((e) => events.push(e));
    const done = engine.run({ signal: ac.signal });
    await sleep(300);
    expect(engine.state('loop')!.status).toBe('running');
    const t0 = performance.now();
    ac.abort();
    const s = await done;
    const stopMs = performance.now() - t0;
    expect(stopMs).toBeLessThan(1000);
    expect(s.cancelled).toBe(true);
    expect(engine.state('loop')!.status).toBe('cancelled');
    // Previews were throttled: ~15 loop steps in 300 ms, at most a few previews.
    const previews = events.filter((e) => e.type === 'preview' && e.nodeId === 'loop').length;
    expect(previews).toBeGreaterThan(0);
    expect(previews).toBeLessThanOrEqual(3);
    engine.dispose();
    expect(tf.memory().numTensors).toBe(base);
  });

  it('gives up on a node that ignores the abort signal and disposes its late result', async () => {
    const base = tf.memory().numTensors;
    const engine = new Engine(registry, { abortGraceMs: 300 });
    engine.setGraph({ ...graph(), nodes: [{ id: 's', type: 'test.stubborn', typeVersion: 1, params: {} }], edges: [] });
    const ac = new AbortController();
    const done = engine.run({ signal: ac.signal });
    await sleep(100);
    const t0 = performance.now();
    ac.abort();
    const s = await done;
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(s.cancelled).toBe(true);
    await sleep(3200);
    expect(tf.memory().numTensors).toBe(base);
    engine.dispose();
  });

  it('a timer-driven abort (as Ctrl-C) cancels a compute-bound node that breathes, within the grace time', async () => {
    const engine = new Engine(registry, { abortGraceMs: 300 });
    engine.setGraph({ ...graph(), nodes: [{ id: 'c', type: 'test.computeBound', typeVersion: 1, params: {} }], edges: [] });
    const ac = new AbortController();
    let abortedAt = 0;
    // The abort comes from a timer, which runs only when the node hands the event loop a turn.
    setTimeout(() => {
      abortedAt = performance.now();
      ac.abort();
    }, 100);
    const s = await engine.run({ signal: ac.signal });
    expect(abortedAt).toBeGreaterThan(0);
    expect(performance.now() - abortedAt).toBeLessThan(300 + 200);
    expect(s.cancelled).toBe(true);
    expect(engine.state('c')!.status).toBe('cancelled');
    await sleep(3200);
    engine.dispose();
  });

  it('a graph edit during a run does not mix the old run with the new graph', async () => {
    const engine = new Engine(registry);
    const withLoop = (steps: number) =>
      graph((g) => {
        g.nodes.push({ id: 'loop', type: 'test.slow', typeVersion: 1, params: { steps } });
        g.edges.push({ id: 'l1', from: { node: 'ab', port: 'product' }, to: { node: 'loop', port: 'x' } });
      });
    engine.setGraph(withLoop(10));
    const oldKey = engine.cacheKey('loop');
    const running = engine.run();
    await sleep(60);
    engine.setGraph(withLoop(11));
    const s = await running;
    expect(s.failed).toEqual([]);
    // The edited node has no result yet under its new key; the old result is kept for undo.
    expect(engine.cacheKey('loop')).not.toBe(oldKey);
    expect(engine.outputs('loop')).toBeUndefined();
    engine.setGraph(withLoop(10));
    expect(engine.outputs('loop')!.y).toBeDefined();
    engine.dispose();
  });

  it('names the graph each preview was drawn for, also when another graph is set during the run', async () => {
    const engine = new Engine(registry);
    const events: EngineEvent[] = [];
    engine.subscribe((e) => events.push(e));
    const first = graph((g) => {
      g.id = 'first';
      g.nodes.push({ id: 'loop', type: 'test.slow', typeVersion: 1, params: { steps: 5 } });
      g.edges.push({ id: 'l1', from: { node: 'ab', port: 'product' }, to: { node: 'loop', port: 'x' } });
    });
    engine.setGraph(first);
    const running = engine.run();
    await sleep(40);
    engine.setGraph({ ...graph(), id: 'second', nodes: [], edges: [] });
    await running;
    const previews = events.filter((e) => e.type === 'preview');
    expect(previews.map((e) => e.nodeId)).toContain('loop');
    expect(previews.map((e) => e.nodeId)).toContain('a');
    expect(new Set(previews.map((e) => e.graphId))).toEqual(new Set(['first']));
    engine.dispose();
  });

  it('returns tf.memory().numTensors to its baseline after a run is disposed', async () => {
    const base = tf.memory().numTensors;
    const engine = new Engine(registry);
    engine.setGraph(graph());
    await engine.run();
    const during = tf.memory().numTensors;
    expect(during).toBeGreaterThan(base); // cached outputs own tensors
    // Param edits evict old results beyond the spare budget.
    for (let i = 0; i < 5; i++) {
      engine.setGraph(graph((g) => (g.nodes.find((n) => n.id === 'a')!.params.seed = 100 + i)));
      await engine.run();
    }
    engine.dispose();
    expect(tf.memory().numTensors).toBe(base);
  });
});
