/**
 * graphs/tracking.graph.json as shipped (default model, sample sequence) on its quick preset: it runs
 * headless end to end and its results are checked against the sample's ground truth.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initNodeTf } from '../../src/cli/tf-node.ts';
import { runGraphFile } from '../../src/cli/graph-runner.ts';
import { parsePly, trackingRunAccuracy } from '../../src/cli/tracking-eval.ts';
import { formatAccuracy } from '../../src/track/accuracy.ts';
import type { CodeSequenceValue, VideoValue } from '../../src/nodes/nphm/values.ts';
import { exampleGraph, exampleGraphParam } from './helpers/example-graphs.ts';

beforeAll(async () => {
  await initNodeTf('wasm');
});

describe('graphs/tracking.graph.json (quick)', () => {
  let run: Awaited<ReturnType<typeof runGraphFile>>;
  let acc: Awaited<ReturnType<typeof trackingRunAccuracy>>;
  beforeAll(async () => {
    run = await runGraphFile(exampleGraph('tracking'), { preset: 'quick' });
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
    const curves = (engine.outputs('optimizer')!.curves as { losses: Record<string, number[]> }).losses;
    const total = curves.total!;
    // Within the first frame (the quick preset's 60 iterations; later frames and stage 2 add
    // terms, so their totals do not compare with it).
    const first = total.slice(0, exampleGraphParam('tracking', 'quick', 'optimizer', 'firstIterations'));
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
  // head placed at the true pose, after similarity alignment (measured 1.37 vs 0.82 mm). The target
  // is below what the default model can represent here: its own 3-D fit of the true head reaches
  // 0.81 × the mean head (`npm run bench -- tracking-graph --frames 1 --floor`). `it.fails` keeps the
  // target in the suite: it turns red the day it is met (another model), to be flipped to `it`.
  it.fails('reconstructs the identity: the aligned face beats the mean head at the true pose by a clear margin (issue 11 target, not met yet)', () => {
    expect(run.summary.failed).toEqual([]);
    expect(acc.trackedMean.faceAligned.chamferL1mm).toBeLessThan(0.6 * acc.truePoseMean.faceAligned.chamferL1mm);
    expect(acc.trackedMean.faceAligned.normalConsistency).toBeGreaterThan(0.93);
  });
});
