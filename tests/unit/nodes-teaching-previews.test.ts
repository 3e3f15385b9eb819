/**
 * The previews a student reads instead of numbers, checked against what they claim to show: the
 * anchors in 3-D (canonical ones equal to the model's prediction, posed ones to the node's output),
 * the dominant local MLP of the blend (at an anchor's own position it is that anchor's), and the
 * code bars against the model's latent statistics.
 */
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initNodeTf } from '../../src/cli/tf-node.ts';
import { nodeAssetReader, PUBLIC_DIR } from '../../src/cli/assets-node.ts';
import { Engine } from '../../src/graph/engine.ts';
import { emptyGraph, type GraphDocument, type ParamValue } from '../../src/graph/document.ts';
import type { EngineEvent } from '../../src/graph/runtime-types.ts';
import { builtinRegistry } from '../../src/nodes/registry.ts';
import type { Preview } from '../../src/nodes/preview.ts';
import type { FieldValue, LatentValue, ModelValue, PointsValue } from '../../src/nodes/nphm/values.ts';
import { dominantBlend } from '../../src/nodes/nphm/fields.ts';
import { withCodes } from '../../src/track/state-render.ts';

const registry = builtinRegistry();

function graph(nodes: [string, string, Record<string, ParamValue>?][], edges: [string, string, string, string][]): GraphDocument {
  const g = emptyGraph('teach');
  g.nodes = nodes.map(([id, type, params]) => ({ id, type, typeVersion: registry.get(type)?.typeVersion ?? 1, params: params ?? {} }));
  g.edges = edges.map(([a, ap, b, bp], i) => ({ id: `e${i}`, from: { node: a, port: ap }, to: { node: b, port: bp } }));
  return g;
}

let engine: Engine;
const events: EngineEvent[] = [];
const preview = (id: string) => (events.filter((e) => e.type === 'preview' && e.nodeId === id).at(-1) as { payload: Preview } | undefined)?.payload;

beforeAll(async () => {
  await initNodeTf('wasm');
  engine = new Engine(registry, { assets: nodeAssetReader([PUBLIC_DIR]), previewIntervalMs: 0 });
  engine.subscribe((e) => events.push(e));
  const g = graph(
    [
      ['model', 'nphm.headModel', { uri: 'models/default/model.json' }],
      ['codes', 'nphm.latentCode', { mode: 'random', seed: 3, spread: 1 }],
      ['anchors', 'nphm.anchorInvert'],
      ['sdf', 'nphm.sdf', { space: 'canonical', sliceShows: 'blend', slice: 'coronal', sliceOffset: 0.1 }],
    ],
    [['model', 'model', 'codes', 'model'], ['model', 'model', 'anchors', 'model'], ['codes', 'codes', 'anchors', 'codes'], ['model', 'model', 'sdf', 'model'], ['codes', 'codes', 'sdf', 'codes']],
  );
  expect(engine.setGraph(g).filter((p) => p.severity === 'error')).toEqual([]);
  const summary = await engine.run();
  expect(summary.failed).toEqual([]);
}, 240_000);

afterAll(() => engine?.dispose());

describe('teaching previews', () => {
  it('AnchorInvert shows canonical and posed anchors in 3-D, joined pairwise', async () => {
    const p = preview('anchors')!;
    expect(p.kind).toBe('points');
    if (p.kind !== 'points') return;
    const m = engine.outputs('model')!.model as ModelValue;
    const codes = engine.outputs('codes')!.codes as LatentValue;
    const canonical = await withCodes(m.model, codes, async (cond) => (await cond.anchors.data()) as Float32Array);
    const posed = (engine.outputs('anchors')!.anchors as PointsValue).points;
    expect(p.sets.map((s) => s.positions.length)).toEqual([canonical.length, posed.length]);
    expect(Array.from(p.sets[0]!.positions)).toEqual(Array.from(canonical));
    expect(Array.from(p.sets[1]!.positions)).toEqual(Array.from(posed));
    expect(p.links!.length).toBe(2 * canonical.length);
    // Segment i runs from canonical anchor i to posed anchor i.
    expect(Array.from(p.links!.subarray(6 * 7, 6 * 8))).toEqual([...canonical.subarray(21, 24), ...posed.subarray(21, 24)]);
  });

  it('the blend slice colours each point by its dominant local MLP; at an anchor it is that anchor', async () => {
    const m = engine.outputs('model')!.model as ModelValue;
    const codes = engine.outputs('codes')!.codes as LatentValue;
    const canonical = await withCodes(m.model, codes, async (cond) => Float32Array.from((await cond.anchors.data()) as Float32Array));
    const before = tf.memory().numTensors;
    const field: FieldValue = { kind: 'sdf', model: m, codes, canonical: true };
    const { anchor, weight, anchors } = await dominantBlend(field, canonical);
    expect(tf.memory().numTensors).toBe(before);
    expect(anchors).toBe(canonical.length / 3);
    expect(Array.from(anchor)).toEqual(Array.from({ length: anchors }, (_, i) => i));
    for (const w of weight) expect(w).toBeGreaterThan(0.05);
    const p = preview('sdf')!;
    expect(p.kind).toBe('image');
    if (p.kind === 'image') {
      expect(p.caption).toMatch(/dominant local MLP/);
      // Many anchors' colours appear on a slice through the face.
      const colours = new Set<number>();
      for (let i = 0; i < p.width * p.height; i++) colours.add((p.rgba[4 * i]! << 16) | (p.rgba[4 * i + 1]! << 8) | p.rgba[4 * i + 2]!);
      expect(colours.size).toBeGreaterThan(20);
    }
  });

  it('LatentCode draws the codes inside the model\'s μ ± σ bands', () => {
    const p = preview('codes')!;
    expect(p.kind).toBe('vector');
    if (p.kind !== 'vector') return;
    const stats = (engine.outputs('model')!.model as ModelValue).stats!;
    expect(p.bands).toBeDefined();
    expect(p.bands!.lo[0]).toBeCloseTo(stats.geo.mean[0]! - stats.geo.std[0]!, 6);
    expect(p.bands!.hi[3]).toBeCloseTo(stats.geo.mean[3]! + stats.geo.std[3]!, 6);
    // A code drawn at one spread lies outside its band for about a third of the elements.
    const outside = Number(/(\d+) outside/.exec(p.caption!)![1]);
    expect(outside / p.values.length).toBeGreaterThan(0.15);
    expect(outside / p.values.length).toBeLessThan(0.55);
  });
});
