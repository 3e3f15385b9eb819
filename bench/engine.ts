/**
 * The engine's own cost on large graphs: a chain of N tiny tensor nodes (one random tensor, then
 * N − 1 `tensor.unary` steps), validated, keyed and run. Prints time per node and the growth
 * exponent between sizes (1 = linear; per-node searches of the node or edge lists show as ~2).
 * Run: `npm run bench -- engine [--sizes 1000,8000,33000] [--backend wasm|cpu]`.
 */
import * as tf from '@tensorflow/tfjs-core';
import { initNodeTf, parseBackend } from '../src/cli/tf-node.ts';
import type { GraphDocument } from '../src/graph/document.ts';
import { Engine } from '../src/graph/engine.ts';
import { builtinRegistry } from '../src/nodes/registry.ts';

function chain(n: number): GraphDocument {
  const nodes: GraphDocument['nodes'] = [{ id: 'n0', type: 'tensor.random', typeVersion: 1, params: { shape: [4], distribution: 'uniform', seed: 1 } }];
  const edges: GraphDocument['edges'] = [];
  for (let i = 1; i < n; i++) {
    nodes.push({ id: `n${i}`, type: 'tensor.unary', typeVersion: 1, params: { op: 'tanh', scale: 1 } });
    edges.push({ id: `e${i}`, from: { node: `n${i - 1}`, port: i === 1 ? 'tensor' : 'y' }, to: { node: `n${i}`, port: 'x' } });
  }
  return { format: 'nphm-studio/graph', schemaVersion: 2, id: `chain-${n}`, meta: { title: `chain of ${n}` }, nodes, edges, ui: { nodes: {}, comments: [] } } as unknown as GraphDocument;
}

export interface EngineBenchRow {
  nodes: number;
  msSetGraph: number;
  msRun: number;
  usPerNode: number;
}

export async function runEngineBench(opts: { sizes?: number | number[]; backend?: string } = {}): Promise<EngineBenchRow[]> {
  const backend = await initNodeTf(parseBackend(opts.backend ?? 'wasm'));
  const sizes = opts.sizes === undefined ? [1000, 8000, 33000] : Array.isArray(opts.sizes) ? opts.sizes : [opts.sizes];
  const registry = builtinRegistry();
  const rows: EngineBenchRow[] = [];
  for (const n of sizes) {
    const engine = new Engine(registry, { spareCacheEntries: 0 });
    const g = chain(n);
    const t0 = performance.now();
    const problems = engine.setGraph(g);
    const t1 = performance.now();
    if (problems.some((p) => p.severity === 'error')) throw new Error(`bench graph invalid: ${problems[0]!.message}`);
    const summary = await engine.run({ previews: false });
    const t2 = performance.now();
    if (!summary.ok || summary.ran.length !== n) throw new Error(`bench run did not compute every node (${summary.ran.length} of ${n})`);
    engine.dispose();
    rows.push({ nodes: n, msSetGraph: t1 - t0, msRun: t2 - t1, usPerNode: (1000 * (t2 - t0)) / n });
  }
  console.log(`engine on a chain of tensor nodes (${backend}; tfjs ${tf.version_core})`);
  console.log('nodes    setGraph ms    run ms    µs/node   growth exponent');
  rows.forEach((r, i) => {
    const prev = rows[i - 1];
    const growth = prev ? (Math.log((r.msSetGraph + r.msRun) / (prev.msSetGraph + prev.msRun)) / Math.log(r.nodes / prev.nodes)).toFixed(2) : '';
    console.log(`${String(r.nodes).padStart(6)} ${r.msSetGraph.toFixed(0).padStart(12)} ${r.msRun.toFixed(0).padStart(9)} ${r.usPerNode.toFixed(0).padStart(10)}   ${growth}`);
  });
  return rows;
}
