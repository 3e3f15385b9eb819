/**
 * The MonoNPHM nodes run through the engine on real inputs: the original code's small model (as
 * studio weights and as the checkpoint itself) and the shipped synthetic sample.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initNodeTf } from '../../src/cli/tf-node.ts';
import { nodeAssetReader, PUBLIC_DIR } from '../../src/cli/assets-node.ts';
import { Engine } from '../../src/graph/engine.ts';
import { emptyGraph, type GraphDocument, type GraphNode, type ParamValue } from '../../src/graph/document.ts';
import type { EngineEvent } from '../../src/graph/runtime-types.ts';
import { builtinRegistry } from '../../src/nodes/registry.ts';
import type { CodeSequenceValue, LatentValue, ModelValue, PointsValue, VideoValue } from '../../src/nodes/nphm/values.ts';
import type { MeshData } from '../../src/render/mesh.ts';
import type { Preview } from '../../src/nodes/preview.ts';
import { drawPoints } from '../../src/nodes/nphm/images.ts';
import { fixtureStudioDir } from './helpers/fixture-studio.ts';

const FIXTURE_DIR = fileURLToPath(new URL('../../../shared/fixtures/', import.meta.url));
let studioDir: string;
const registry = builtinRegistry();

function graph(nodes: [string, string, Record<string, ParamValue>?][], edges: [string, string, string, string][]): GraphDocument {
  const g = emptyGraph('t');
  g.nodes = nodes.map(([id, type, params]): GraphNode => ({ id, type, typeVersion: registry.get(type)?.typeVersion ?? 1, params: params ?? {} }));
  g.edges = edges.map(([a, ap, b, bp], i) => ({ id: `e${i}`, from: { node: a, port: ap }, to: { node: b, port: bp } }));
  return g;
}

function engine(): { engine: Engine; events: EngineEvent[] } {
  const e = new Engine(registry, { assets: nodeAssetReader([studioDir, FIXTURE_DIR, PUBLIC_DIR]), previewIntervalMs: 0 });
  const events: EngineEvent[] = [];
  e.subscribe((ev) => events.push(ev));
  return { engine: e, events };
}

async function run(g: GraphDocument) {
  const { engine: e, events } = engine();
  const problems = e.setGraph(g).filter((p) => p.severity === 'error');
  expect(problems).toEqual([]);
  const summary = await e.run();
  expect(summary.failed, JSON.stringify(summary.failed)).toEqual([]);
  return { e, events, summary };
}

const model = (params: Record<string, ParamValue> = {}): [string, string, Record<string, ParamValue>] => ['model', 'nphm.headModel', { uri: 'model.json', ...params }];

beforeAll(async () => {
  await initNodeTf('wasm');
  studioDir = fixtureStudioDir();
});

describe('MonoNPHM nodes', () => {
  let base = 0;
  beforeAll(() => void (base = tf.memory().numTensors));
  afterAll(() => expect(tf.memory().numTensors).toBe(base));

  it('HeadModel loads studio weights and the official checkpoint to the same model', async () => {
    const { e } = await run(graph([model(), ['ck', 'nphm.headModel', { source: 'checkpoint', uri: 'mononphm-small-a/checkpoint.tar', config: 'mononphm-small-a/config.json' }]], []));
    const [a, b] = [e.outputs('model')!.model as ModelValue, e.outputs('ck')!.model as ModelValue];
    const pts = Float32Array.from([0, 0, 0.2, 0.1, -0.1, 0, -0.2, 0.3, -0.1]);
    const codes = { zGeo: tf.zeros([a.model.sizes.zGeoDim]), zApp: tf.zeros([a.model.sizes.zAppDim]), zExp: tf.zeros([a.model.sizes.zExpDim]) };
    const [ra, rb] = [await a.model.evaluate(pts, codes), await b.model.evaluate(pts, codes)];
    expect(Array.from(ra.sdf)).toEqual(Array.from(rb.sdf));
    tf.dispose(Object.values(codes));
    e.dispose();
  });

  it('HeadModel reports a checkpoint without its config, and a missing file, on the node', async () => {
    const { engine: e } = engine();
    e.setGraph(graph([['a', 'nphm.headModel', { source: 'checkpoint', uri: 'mononphm-small-a/checkpoint.tar' }], ['b', 'nphm.headModel', { uri: 'nope/model.json' }]], []));
    const s = await e.run();
    expect(s.failed.map((f) => f.nodeId)).toEqual(['a', 'b']);
    expect(s.failed[0]!.message).toMatch(/needs its configs.yaml/);
    expect(s.failed[1]!.message).toMatch(/asset 'nope\/model.json' not found/);
    e.dispose();
  });

  it('LatentCode: zero, seeded random, tracked; LatentInterpolate equals its corners and averages between', async () => {
    const g = graph(
      [model(), ['z', 'nphm.latentCode', { mode: 'zero' }], ['r1', 'nphm.latentCode', { mode: 'random', seed: 1 }], ['r2', 'nphm.latentCode', { mode: 'random', seed: 2 }], ['r1b', 'nphm.latentCode', { mode: 'random', seed: 1 }], ['li', 'nphm.latentInterpolate', { cursorX: 0, cursorY: 0 }], ['mid', 'nphm.latentInterpolate', { cursorX: 0.5, cursorY: 0.5 }]],
      [['model', 'model', 'z', 'model'], ['model', 'model', 'r1', 'model'], ['model', 'model', 'r2', 'model'], ['model', 'model', 'r1b', 'model'], ...(['li', 'mid'] as const).flatMap((n) => [['r1', 'codes', n, 'a'], ['r2', 'codes', n, 'b'], ['z', 'codes', n, 'c'], ['r1b', 'codes', n, 'd']] as [string, string, string, string][])],
    );
    const { e } = await run(g);
    const c = (id: string) => e.outputs(id)!.codes as LatentValue;
    expect(c('z').zGeo.every((x) => x === 0)).toBe(true);
    expect(Array.from(c('r1').zGeo)).toEqual(Array.from(c('r1b').zGeo));
    expect(Array.from(c('r1').zGeo)).not.toEqual(Array.from(c('r2').zGeo));
    expect(Array.from(c('li').zGeo)).toEqual(Array.from(c('r1').zGeo));
    const mid = c('mid').zExp;
    mid.forEach((v, i) => expect(v).toBeCloseTo((2 * c('r1').zExp[i]! + c('r2').zExp[i]!) / 4, 6));
    e.dispose();
  });

  it('VideoSource reads the shipped sample with range, stride and size; Landmarks and Segmentation follow', async () => {
    const { e, events } = await run(
      graph([['v', 'nphm.videoSource', { start: 2, end: 9, stride: 3, maxSide: 40 }], ['lm', 'nphm.landmarks'], ['seg', 'nphm.segmentation'], ['cam', 'nphm.camera', { mode: 'video' }]], [['v', 'video', 'lm', 'video'], ['v', 'video', 'seg', 'video'], ['v', 'video', 'cam', 'video']]),
    );
    const v = e.outputs('v')!.video as VideoValue;
    expect(v.frameIndex).toEqual([2, 5, 8]);
    expect([v.frames[0]!.width, v.frames[0]!.height]).toEqual([40, 40]);
    const seg = e.outputs('seg')!.segmentation as { frames: Uint8Array[] };
    // The head covers the middle of the frame: skin at the centre, background in the corner.
    expect(seg.frames[0]![20 * 40 + 20]).not.toBe(0);
    expect(seg.frames[0]![0]).toBe(0);
    const lm = e.outputs('lm')!.landmarks as { frames: Float32Array[] };
    // Nose tip (iBUG 30) is visible and inside the image.
    expect(lm.frames[0]![60]).toBeGreaterThan(10);
    expect(lm.frames[0]![60]).toBeLessThan(30);
    expect(events.filter((x) => x.type === 'preview').map((x) => (x as { nodeId: string }).nodeId).sort()).toEqual(['cam', 'lm', 'seg', 'v']);
    // The sequences preview as playable frames: every frame, labelled with its number in the video.
    const preview = (id: string) => (events.find((x) => x.type === 'preview' && x.nodeId === id) as { payload: Preview }).payload;
    const pv = preview('v');
    expect(pv.kind).toBe('frames');
    if (pv.kind !== 'frames') return;
    expect([pv.count, pv.width, pv.height, pv.labels]).toEqual([3, 40, 40, [2, 5, 8]]);
    // Frame 1 of the preview is the video's second frame with its landmarks drawn.
    const size = 40 * 40 * 4;
    expect(Array.from(pv.rgba.subarray(size, 2 * size))).toEqual(Array.from(drawPoints(v.frames[1]!, v.truth!.landmarks[1]!, [0, 255, 120]).rgba));
    expect(preview('seg').kind).toBe('frames');
    expect(preview('lm').kind).toBe('frames');
    e.dispose();
  });

  it('VideoSource names what is wrong with a broken manifest', async () => {
    const { engine: e } = engine();
    e.setGraph(graph([['v', 'nphm.videoSource', { uri: 'mononphm-small-a/config.json' }]], []));
    const s = await e.run();
    expect(s.failed[0]!.message).toMatch(/config.json: not a synthetic sequence manifest/);
    e.dispose();
  });

  it('SDF, TextureField, DeformField previews; MeshExport writes a mesh; VolumeRender an image; AnchorInvert converges', async () => {
    const { e, events } = await run(
      graph(
        [model(), ['z', 'nphm.latentCode'], ['sdf', 'nphm.sdf'], ['can', 'nphm.sdf', { space: 'canonical' }], ['tex', 'nphm.textureField'], ['def', 'nphm.deformField'], ['mesh', 'nphm.meshExport', { resolution: 24, format: 'ply' }], ['cam', 'nphm.camera', { width: 24, height: 24 }], ['vr', 'nphm.volumeRender', { samples: 8 }], ['ai', 'nphm.anchorInvert'], ['view', 'nphm.viewer']],
        [['model', 'model', 'z', 'model'], ...(['sdf', 'can', 'tex', 'def', 'ai'] as const).flatMap((n) => [['model', 'model', n, 'model'], ['z', 'codes', n, 'codes']] as [string, string, string, string][]), ['sdf', 'field', 'mesh', 'field'], ['tex', 'field', 'vr', 'field'], ['cam', 'camera', 'vr', 'camera'], ['mesh', 'mesh', 'view', 'value']],
      ),
    );
    const previews = new Map(events.filter((x) => x.type === 'preview').map((x) => [(x as { nodeId: string }).nodeId, (x as { payload: { kind: string } }).payload]));
    for (const id of ['sdf', 'can', 'tex', 'def', 'vr']) expect(previews.get(id)?.kind, id).toBe('image');
    expect(previews.get('mesh')?.kind).toBe('mesh');
    expect(previews.get('view')?.kind).toBe('mesh');
    const mesh = e.outputs('mesh')!.mesh as MeshData;
    expect(mesh.indices.length).toBeGreaterThan(0);
    const ply = e.artifacts('mesh')[0]!;
    expect(ply.name).toBe('head.ply');
    expect(new TextDecoder().decode((ply.data as Uint8Array).subarray(0, 3))).toBe('ply');
    expect(new TextDecoder().decode(ply.data as Uint8Array)).toContain('nphm-studio');
    const img = e.outputs('vr')!.image as { width: number; height: number };
    expect([img.width, img.height]).toEqual([24, 24]);
    const anchors = e.outputs('ai')!.anchors as PointsValue;
    expect(anchors.valid.filter(Boolean).length).toBeGreaterThan(55);
    e.dispose();
  });

  it('Loss + Optimizer track two sample frames (smoke run), CodeSequence saves and reloads, ExpressionTransfer keeps the target identity', async () => {
    const g = graph(
      [
        model(),
        ['v', 'nphm.videoSource', { end: 1, maxSide: 32 }],
        ['lm', 'nphm.landmarks'],
        ['seg', 'nphm.segmentation'],
        ['loss', 'nphm.loss', { rgb: 50 }],
        // The fixture model has no training codes to take a spread from.
        ['opt', 'nphm.optimizer', { firstIterations: 3, laterIterations: 2, stage2Iterations: 2, rays: 32, codeSteps: 'raw' }],
        ['save', 'nphm.codeSequence', { filename: 'track.codes.json' }],
        ['target', 'nphm.latentCode', { mode: 'random', seed: 5 }],
        ['xfer', 'nphm.expressionTransfer'],
      ],
      [
        ['v', 'video', 'lm', 'video'], ['v', 'video', 'seg', 'video'], ['v', 'video', 'loss', 'video'], ['lm', 'landmarks', 'loss', 'landmarks'], ['seg', 'segmentation', 'loss', 'segmentation'],
        ['model', 'model', 'opt', 'model'], ['loss', 'loss', 'opt', 'loss'], ['opt', 'sequence', 'save', 'sequence'], ['model', 'model', 'target', 'model'], ['opt', 'sequence', 'xfer', 'source'], ['target', 'codes', 'xfer', 'target'],
      ],
    );
    const { e, events } = await run(g);
    const seq = e.outputs('opt')!.sequence as CodeSequenceValue;
    expect(seq.frames).toHaveLength(2);
    expect(events.some((x) => x.type === 'state' && x.nodeId === 'opt' && x.state.status === 'running' && (x.state.message ?? '').startsWith('stage 2'))).toBe(true);
    // The loss curves come with the learning rates of every iteration and where each frame and stage starts.
    const plot = (events.filter((x) => x.type === 'preview' && x.nodeId === 'opt').at(-1) as { payload: Extract<Preview, { kind: 'plot' }> }).payload;
    const total = plot.series.find((x) => x.name === 'total')!.values;
    expect(total).toHaveLength(3 + 2 + 2);
    expect(plot.right!.series.map((x) => x.name)).toEqual(['lr geo', 'lr expr', 'lr rot']);
    for (const lr of plot.right!.series) expect(lr.values.length === total.length && lr.values.every((v) => Number.isNaN(v) || v > 0)).toBe(true);
    // The identity is fitted on the first frame only: frozen (no line) while frame 1 tracks, free again in stage 2.
    const geo = plot.right!.series[0]!.values;
    expect([geo.slice(0, 3).every((v) => v > 0), geo.slice(3, 5).every(Number.isNaN), geo.slice(5).every((v) => v > 0)]).toEqual([true, true, true]);
    expect(plot.marks).toEqual([{ at: 0, label: 'frame 0' }, { at: 3, label: 'frame 1' }, { at: 5, label: 'stage 2' }]);
    const saved = e.artifacts('save')[0]!;
    expect(saved.name).toBe('track.codes.json');
    const xfer = e.outputs('xfer')!.sequence as CodeSequenceValue;
    expect(Array.from(xfer.zGeo)).toEqual(Array.from((e.outputs('target')!.codes as LatentValue).zGeo));
    expect(Array.from(xfer.frames[1]!.zExp)).toEqual(Array.from(seq.frames[1]!.zExp));
    e.dispose();

    // Reload the saved codes through the assets of a folder holding the file.
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(studioDir, 'track.codes.json'), saved.data as string);
    const back = await run(graph([model(), ['load', 'nphm.codeSequence', { mode: 'load', uri: 'track.codes.json' }]], [['model', 'model', 'load', 'model']]));
    const loaded = back.e.outputs('load')!.sequence as CodeSequenceValue;
    expect(Array.from(loaded.frames[1]!.trans)).toEqual(Array.from(seq.frames[1]!.trans).map(Math.fround));
    back.e.dispose();
    expect(JSON.parse(readFileSync(join(studioDir, 'track.codes.json'), 'utf8')).format).toBe('nphm-studio/codes');
  });
});
