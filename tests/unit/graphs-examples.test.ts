/**
 * The three example graphs, as shipped (default model, sample sequence), on their quick presets:
 * each runs headless end to end and its results are checked, not just produced.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initNodeTf } from '../../src/cli/tf-node.ts';
import { runGraphFile } from '../../src/cli/graph-runner.ts';
import { parsePly, trackingRunAccuracy } from '../../src/cli/tracking-eval.ts';
import { formatAccuracy } from '../../src/track/accuracy.ts';
import type { CodeSequenceValue, LatentValue, ModelValue, VideoValue } from '../../src/nodes/nphm/values.ts';
import { withCodes } from '../../src/track/state-render.ts';

const graph = (name: string) => fileURLToPath(new URL(`../../graphs/${name}.graph.json`, import.meta.url));
/** A node param of a graph's preset, as shipped. */
const graphParam = (name: string, preset: string, node: string, param: string): number =>
  JSON.parse(readFileSync(graph(name), 'utf8')).meta.presets[preset][node][param];

beforeAll(async () => {
  await initNodeTf('wasm');
});

describe('graphs/tracking.graph.json (quick)', () => {
  let run: Awaited<ReturnType<typeof runGraphFile>>;
  let acc: Awaited<ReturnType<typeof trackingRunAccuracy>>;
  beforeAll(async () => {
    run = await runGraphFile(graph('tracking'), { preset: 'quick' });
    // A failed run fails the whole block, so `it.fails` below cannot pass on it.
    if (run.summary.failed.length > 0) throw new Error(`tracking graph failed: ${JSON.stringify(run.summary.failed)}`);
    acc = await trackingRunAccuracy(run.engine);
  }, 1_500_000);
  afterAll(() => run?.engine.dispose());

  it('tracks the sample: the objective falls, every frame gets codes, an overlay and a head-sized mesh; the pose is recovered', () => {
    const { engine, summary } = run;
    expect(summary.failed).toEqual([]);
    const video = engine.outputs('video')!.video as VideoValue;
    const seq = engine.outputs('optimizer')!.sequence as CodeSequenceValue;
    expect(seq.frames).toHaveLength(video.frames.length);
    const curves = engine.outputs('optimizer')!.curves as Record<string, number[]>;
    const total = curves.total!;
    // Within the first frame (the quick preset's 60 iterations; later frames and stage 2 add
    // terms, so their totals do not compare with it).
    const first = total.slice(0, graphParam('tracking', 'quick', 'optimizer', 'firstIterations'));
    const head = first.slice(0, 5).reduce((a, b) => a + b, 0) / 5;
    const tail = first.slice(-5).reduce((a, b) => a + b, 0) / 5;
    expect(tail).toBeLessThan(0.5 * head);
    const meshes = engine.artifacts('meshes').map((a) => parsePly(a.data as Uint8Array));
    expect(meshes).toHaveLength(video.frames.length);
    for (const m of meshes) {
      expect(m.indices.length).toBeGreaterThan(3000);
      const ext = [0, 1, 2].map((k) => {
        let lo = Infinity, hi = -Infinity;
        for (let i = k; i < m.positions.length; i += 3) (lo = Math.min(lo, m.positions[i]!)), (hi = Math.max(hi, m.positions[i]!));
        return hi - lo;
      });
      // A head with neck: 0.5–1.2 model units (12–30 cm) on every axis.
      for (const e of ext) expect(e).toBeGreaterThan(0.4), expect(e).toBeLessThan(1.4);
    }
    expect(engine.artifacts('overlay').map((a) => a.name)).toEqual(video.frameIndex.map((_, i) => `overlay-${String(i).padStart(4, '0')}.png`));
    expect(engine.artifacts('codes')[0]!.name).toBe('tracking.codes.json');

    // Accuracy against the ground-truth meshes (src/track/accuracy.ts), next to the mean head at
    // the identity pose (the start) and at the true pose (what a perfect pose alone gives).
    const fmt = (r: 'face' | 'head' | 'faceAligned') => `${r}: tracked ${formatAccuracy(acc.trackedMean[r])}; mean head at the true pose ${formatAccuracy(acc.truePoseMean[r])}; start ${formatAccuracy(acc.startMean[r])}`;
    console.log(`tracking quick: objective ${head.toFixed(1)} → ${tail.toFixed(1)}; ${fmt('face')}; ${fmt('head')}; ${fmt('faceAligned')}`);
    // The pose moves the head most of the way from where it starts to where it is.
    expect(acc.trackedMean.face.chamferL1mm).toBeLessThan(0.7 * acc.startMean.face.chamferL1mm);
    expect(acc.trackedMean.face.normalConsistency).toBeGreaterThan(acc.startMean.face.normalConsistency);
  });

  // OPEN (issue 11): on the procedural sample the tracked identity is still worse than the mean
  // head placed at the true pose, after similarity alignment (measured 1.35 vs 0.82 mm). `it.fails`
  // keeps the target in the suite: it turns red the day the target is met, to be flipped to `it`.
  it.fails('reconstructs the identity: the aligned face beats the mean head at the true pose by a clear margin (issue 11 target, not met yet)', () => {
    expect(run.summary.failed).toEqual([]);
    expect(acc.trackedMean.faceAligned.chamferL1mm).toBeLessThan(0.6 * acc.truePoseMean.faceAligned.chamferL1mm);
    expect(acc.trackedMean.faceAligned.normalConsistency).toBeGreaterThan(0.93);
  });
});

describe('graphs/interpolation.graph.json (quick)', () => {
  it('equals a corner\'s head at that corner and varies smoothly between corners', async () => {
    const run = await runGraphFile(graph('interpolation'), { preset: 'quick' });
    expect(run.summary.failed).toEqual([]);
    const { engine, graph: g } = run;
    expect(engine.artifacts('render').map((a) => a.name)).toEqual(['interpolation-0000.png']);
    expect(engine.artifacts('mesh').map((a) => a.name)).toEqual(['interpolated.glb']);
    const model = (engine.outputs('model')!.model as ModelValue).model;
    const probe = tf.tensor2d([0, 0, 0.25, 0, -0.35, 0.2, 0.2, 0.1, 0.05, -0.15, 0.3, -0.1, 0, 0.5, -0.2], [5, 3]);
    const sdfOf = (codes: LatentValue) => withCodes(model, codes, async (cond) => {
      const s = tf.tidy(() => model.field(probe, cond, { rgb: false }).sdf);
      const v = Array.from((await s.data()) as Float32Array);
      s.dispose();
      return v;
    });
    const blendAt = async (x: number, y: number) => {
      const node = g.nodes.find((n) => n.id === 'blend')!;
      node.params.cursorX = x;
      node.params.cursorY = y;
      engine.setGraph(g);
      await engine.run({ targets: ['blend'], previews: false });
      return engine.outputs('blend')!.codes as LatentValue;
    };
    const corner = engine.outputs('head1')!.codes as LatentValue;
    const atCorner = await blendAt(0, 0);
    expect(Array.from(atCorner.zGeo)).toEqual(Array.from(corner.zGeo));
    expect(await sdfOf(atCorner)).toEqual(await sdfOf(corner));
    const d = engine.outputs('head4')!.codes as LatentValue;
    expect(Array.from((await blendAt(1, 1)).zApp)).toEqual(Array.from(d.zApp));

    const steps = [0, 0.25, 0.5, 0.75, 1];
    const values: number[][] = [];
    for (const x of steps) values.push(await sdfOf(await blendAt(x, 0.5)));
    const total = Math.max(...values[0]!.map((v, i) => Math.abs(v - values[4]![i]!)));
    const jumps = values.slice(1).map((v, k) => Math.max(...v.map((x, i) => Math.abs(x - values[k]![i]!))));
    console.log(`interpolation: corner-to-corner SDF change ${total.toFixed(4)}, quarter steps ${jumps.map((j) => j.toFixed(4)).join(', ')}`);
    expect(total).toBeGreaterThan(1e-3); // the corners differ
    for (const j of jumps) expect(j).toBeLessThan(0.6 * total + 1e-4); // no quarter step does most of the change
    probe.dispose();
    engine.dispose();
  }, 600_000);
});

describe('graphs/expression-transfer.graph.json (quick)', () => {
  it('keeps each target\'s identity and moves the mouth and eyes where the performance does', async () => {
    const { engine, summary } = await runGraphFile(graph('expression-transfer'), { preset: 'quick' });
    expect(summary.failed).toEqual([]);
    const perf = engine.outputs('performance')!.sequence as CodeSequenceValue;
    const n = perf.frames.length;
    for (const who of ['A', 'B']) {
      expect(engine.artifacts(`render${who}`)).toHaveLength(n);
      expect(engine.artifacts(`mesh${who}`)).toHaveLength(n);
    }
    const model = (engine.outputs('model')!.model as ModelValue).model;
    const target = engine.outputs('personA')!.codes as LatentValue;
    const xfer = engine.outputs('transferA')!.sequence as CodeSequenceValue;
    expect(Array.from(xfer.zGeo)).toEqual(Array.from(target.zGeo));
    // The most expressive frame of the performance.
    const t = perf.frames.map((f, i) => [Math.hypot(...f.zExp), i] as const).sort((a, b) => b[0] - a[0])[0]![1];
    const anchorsOf = async (codes: LatentValue) => (await withCodes(model, codes, (cond) => model.solveAnchors(cond))).points;
    const neutral = await anchorsOf({ ...target, zExp: new Float32Array(target.zExp.length) });
    const moved = await anchorsOf({ ...target, zExp: xfer.frames[t]!.zExp });
    const srcNeutral = await anchorsOf({ zGeo: perf.zGeo, zApp: perf.zApp, zExp: new Float32Array(target.zExp.length) });
    const srcMoved = await anchorsOf({ zGeo: perf.zGeo, zApp: perf.zApp, zExp: perf.frames[t]!.zExp });
    const disp = (a: Float32Array, b: Float32Array, k: number) => [0, 1, 2].map((c) => b[3 * k + c]! - a[3 * k + c]!);
    const mag = (v: number[]) => Math.hypot(...v);
    const MOUTH_EYES = [16, 17, 18, 19, 20, 21, 44, 45, 46, 47, 48, 49, 50, 51];
    const STILL = [24, 25, 26, 27, 28, 29]; // forehead and top/back of the cranium (y > 0.2)
    const meanMag = (ks: number[]) => ks.reduce((s, k) => s + mag(disp(neutral, moved, k)), 0) / ks.length;
    const srcMeanMag = (ks: number[]) => ks.reduce((s, k) => s + mag(disp(srcNeutral, srcMoved, k)), 0) / ks.length;
    // Direction agreement of target and source motion on the mouth and eyes.
    let dot = 0, na = 0, nb = 0;
    for (const k of MOUTH_EYES) {
      const a = disp(neutral, moved, k), b = disp(srcNeutral, srcMoved, k);
      dot += a[0]! * b[0]! + a[1]! * b[1]! + a[2]! * b[2]!;
      na += mag(a) ** 2;
      nb += mag(b) ** 2;
    }
    const cos = dot / Math.sqrt(na * nb);
    console.log(`expression transfer (frame ${t}): mouth/eyes move ${(meanMag(MOUTH_EYES) * 250).toFixed(2)} mm (source ${(srcMeanMag(MOUTH_EYES) * 250).toFixed(2)} mm), forehead/ears ${(meanMag(STILL) * 250).toFixed(2)} mm, direction agreement cos ${cos.toFixed(2)}`);
    expect(meanMag(MOUTH_EYES)).toBeGreaterThan(2 * meanMag(STILL));
    expect(cos).toBeGreaterThan(0.5);
    engine.dispose();
  }, 1_200_000);
});
