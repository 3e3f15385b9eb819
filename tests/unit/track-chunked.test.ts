/**
 * Ray-chunked tracking steps (bounded memory for the paper-size model) give the same gradients as
 * one step over all rays, including the silhouette loss, which is not a sum over rays; and so do
 * steps whose chunks run in worker threads with their own copy of the model, with a silhouette pass
 * first or with the chunks meeting at a barrier in the middle of their tapes.
 */
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { initNodeTf } from '../../src/cli/tf-node.ts';
import { invertRigid, lookAtOpenGL, makeCamera } from '../../src/render/camera.ts';
import type { NphmModel } from '../../src/nphm/model.ts';
import { GroupedAdam } from '../../src/track/optimizer.ts';
import { SHORT_SCHEDULE, type LossWeights } from '../../src/track/schedules.ts';
import { resolveTrackingPlan } from '../../src/track/plan.ts';
import { track } from '../../src/track/tracker.ts';
import type { TrackingFrame } from '../../src/track/state.ts';
import { LANDMARK_PAIRS } from '../../src/track/landmark-pairs.ts';
import { loadFixtureModel } from './helpers/fixture-model.ts';
import { RayPool } from '../../src/parallel/ray-pool.ts';
import type { RayChunkWorkers } from '../../src/track/ray-chunk.ts';

let model: NphmModel;
beforeAll(async () => {
  await initNodeTf('wasm');
  model = loadFixtureModel();
});
afterAll(() => model.dispose());

async function gradientsOfOneStep(rayChunk: number | undefined, workers: RayChunkWorkers | false = false, weights: Partial<LossWeights> = {}): Promise<Record<string, Float32Array>> {
  const W = 24;
  const camera = makeCamera(W, W, [[50, 0, 11.5], [0, 50, 11.5], [0, 0, 1]], invertRigid(lookAtOpenGL([0, 0, 2.5], [0, 0, 0], [0, 1, 0])), 'opengl');
  const labels = Uint8Array.from({ length: W * W }, (_, i) => (Math.hypot((i % W) - 12, Math.floor(i / W) - 12) < 7 ? (i % 5 === 0 ? 14 : 2) : 0));
  const frame: TrackingFrame = { width: W, height: W, rgb: Float32Array.from({ length: 3 * W * W }, (_, i) => Math.sin(i) * 0.5), labels, landmarks: new Float32Array(136).fill(NaN), camera };
  const recorded: Record<string, Float32Array> = {};
  const spy = vi.spyOn(GroupedAdam.prototype, 'applyGradients').mockImplementation((grads) => {
    for (const [k, g] of Object.entries(grads)) recorded[k.replace(/_\d+$/, '')] = g.dataSync() as Float32Array;
    return {};
  });
  const schedule = { ...SHORT_SCHEDULE, codeSteps: 'raw' as const, sampling: { ...SHORT_SCHEDULE.sampling, raysPerIteration: 40, rayChunk } };
  await track(model, [frame], { plan: resolveTrackingPlan(schedule, [0], { firstIterations: 1, stages: '1', weights }), pairs: LANDMARK_PAIRS, seed: 9, workers });
  spy.mockRestore();
  return recorded;
}

/** `zero`: the parameters no included term reaches, whose gradient must be exactly zero. */
function expectEqualGradients(whole: Record<string, Float32Array>, other: Record<string, Float32Array>, zero: readonly string[] = []): void {
  expect(Object.keys(other).sort()).toEqual(Object.keys(whole).sort());
  for (const k of Object.keys(whole)) {
    const a = whole[k]!, b = other[k]!;
    if (zero.includes(k)) {
      expect([...a, ...b].every((v) => v === 0), `${k} has no gradient`).toBe(true);
      continue;
    }
    const scale = Math.max(...a.map(Math.abs), 1e-12);
    expect(scale, `${k} has a gradient`).toBeGreaterThan(1e-9);
    const err = Math.max(...a.map((v, i) => Math.abs(v - b[i]!)));
    expect(err / scale, k).toBeLessThan(1e-4);
  }
}

it('chunked and unchunked steps give equal gradients for every parameter', async () => {
  const t0 = tf.memory().numTensors;
  const whole = await gradientsOfOneStep(undefined);
  const chunked = await gradientsOfOneStep(16);
  expectEqualGradients(whole, chunked);
  expect(tf.memory().numTensors).toBe(t0);
});

it('a step whose ray chunks run on two worker threads gives the same gradients', async () => {
  const pool = new RayPool(2, 'wasm');
  try {
    const t0 = tf.memory().numTensors;
    const whole = await gradientsOfOneStep(undefined);
    // 40 rays in chunks of at most 16 over two threads: four chunks of 10, the silhouette
    // linearised across the threads.
    const threaded = await gradientsOfOneStep(16, pool);
    expectEqualGradients(whole, threaded);
    // Four silhouette chunks and four gradient chunks went to the threads.
    expect(pool.completed).toBe(8);
    // A batch whose chunks all fit on the threads at once: two chunks of 20 that meet at the mask
    // barrier, with no silhouette pass.
    expectEqualGradients(whole, await gradientsOfOneStep(undefined, pool));
    expect(pool.completed).toBe(10);
    expect(tf.memory().numTensors).toBe(t0);
  } finally {
    await pool.close();
  }
}, 120_000);

it('a step without the colour term (its weight 0) leaves lighting and colour correction with zero gradients on every path', async () => {
  // Nothing but the colour term reaches SH and the colour correction: tfjs' gradient refuses a
  // tape that does not reach an input, which once failed the Optimizer for a Loss node's rgb = 0.
  // (z_app's regularisers are at their minimum at the start: no gradient either.)
  const zero = ['sh', 'color_a', 'color_b', 'z_app'];
  const noColour = { rgb: 0 };
  const whole = await gradientsOfOneStep(undefined, false, noColour);
  expectEqualGradients(whole, await gradientsOfOneStep(16, false, noColour), zero);
  const pool = new RayPool(2, 'wasm');
  try {
    expectEqualGradients(whole, await gradientsOfOneStep(16, pool, noColour), zero);
    expectEqualGradients(whole, await gradientsOfOneStep(undefined, pool, noColour), zero);
  } finally {
    await pool.close();
  }
}, 120_000);
