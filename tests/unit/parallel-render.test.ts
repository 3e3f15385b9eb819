/**
 * Whole-image renders and meshes of codes on the process's ray workers (headless runs with
 * threads) give the same image and mesh as on one thread: same rays, bounds, samples and grid
 * points, chunks assembled in order.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { initNodeTf } from '../../src/cli/tf-node.ts';
import type { NphmModel } from '../../src/nphm/model.ts';
import { RayPool } from '../../src/parallel/ray-pool.ts';
import { invertRigid, lookAtOpenGL, makeCamera } from '../../src/render/camera.ts';
import { installRayWorkers } from '../../src/track/ray-workers.ts';
import { meshCodes, PREVIEW_SH, renderCodes, threadedPoints } from '../../src/track/state-render.ts';
import type { PointsChunk, RayChunkWorkers } from '../../src/track/ray-chunk.ts';
import { loadFixtureModel } from './helpers/fixture-model.ts';

let model: NphmModel;
beforeAll(async () => {
  await initNodeTf('wasm');
  model = loadFixtureModel();
});
afterAll(() => model.dispose());

it('renders the same image on two threads as on one', async () => {
  const W = 20;
  const camera = makeCamera(W, W, [[40, 0, 9.5], [0, 40, 9.5], [0, 0, 1]], invertRigid(lookAtOpenGL([0, 0, 2.5], [0, 0, 0], [0, 1, 0])), 'opengl');
  const s = model.sizes;
  const codes = { zGeo: Float32Array.from({ length: s.zGeoDim }, (_, i) => 0.02 * Math.sin(i)), zApp: new Float32Array(s.zAppDim), zExp: Float32Array.from({ length: s.zExpDim }, (_, i) => 0.05 * Math.cos(i)) };
  const pose = { rot: Float32Array.of(0.05, -0.1, 0), trans: Float32Array.of(0.01, 0, 0) };
  const look = { sh: PREVIEW_SH, colorA: Float32Array.of(1, 0.1, 0, 0, 0.9, 0, 0, 0, 1), colorB: Float32Array.of(0.02, 0, -0.01) };
  const opts = { nCoarse: 8, nImportance: 8, chunk: 96 };
  const one = await renderCodes(model, codes, camera, pose, look, opts);
  const pool = new RayPool(2, 'wasm');
  installRayWorkers(pool);
  try {
    const progress: number[] = [];
    const two = await renderCodes(model, codes, camera, pose, look, { ...opts, onProgress: (f) => progress.push(f) });
    // 400 rays in chunks of 96: five tasks, progress after each.
    expect(pool.completed).toBe(5);
    expect(progress.at(-1)).toBe(1);
    expect(one.weightsSum.some((w) => w > 0.5)).toBe(true);
    for (const k of ['rgb', 'weightsSum', 'depth'] as const) {
      const err = Math.max(...one[k].map((v, i) => Math.abs(v - two[k][i]!)));
      expect(err, k).toBeLessThan(1e-5);
    }
  } finally {
    installRayWorkers(undefined);
    await pool.close();
  }
}, 120_000);

it('meshes the same codes into the same mesh on two threads as on one', async () => {
  const s = model.sizes;
  const codes = { zGeo: Float32Array.from({ length: s.zGeoDim }, (_, i) => 0.02 * Math.cos(i)), zApp: new Float32Array(s.zAppDim), zExp: new Float32Array(s.zExpDim) };
  const opts = { resolution: 24 };
  const one = await meshCodes(model, codes, opts);
  const pool = new RayPool(2, 'wasm');
  installRayWorkers(pool);
  try {
    const two = await meshCodes(model, codes, opts);
    // 24 layers of 576 points, each split over the two threads, then the vertices' normals and colours.
    expect(pool.completed).toBeGreaterThanOrEqual(2 * 24 + 2);
    expect(one.positions.length / 3).toBeGreaterThan(0);
    expect(one.indices.length).toBeGreaterThan(300);
    expect(Array.from(two.indices)).toEqual(Array.from(one.indices));
    for (const k of ['positions', 'normals', 'colors'] as const) {
      const a = one[k]!, b = two[k]!;
      expect(b.length, k).toBe(a.length);
      expect(Math.max(...a.map((v, i) => Math.abs(v - b[i]!))), k).toBeLessThan(1e-4);
    }
  } finally {
    installRayWorkers(undefined);
    await pool.close();
  }
}, 120_000);

it('sends the threads point chunks no larger than the mesher would evaluate at once', async () => {
  const sizes: Record<string, number[]> = {};
  const fake = {
    size: 2,
    points: async (_m: unknown, _s: unknown, chunks: readonly PointsChunk[]) =>
      chunks.map((c) => {
        (sizes[c.want] ??= []).push(c.points.length / 3);
        return new Float32Array((c.want === 'sdf' ? 1 : 3) * (c.points.length / 3)).fill(c.want === 'sdf' ? 1 : 2);
      }),
  } as unknown as RayChunkWorkers;
  installRayWorkers(fake);
  try {
    const batch = threadedPoints(model, { zGeo: new Float32Array(model.sizes.zGeoDim), zApp: new Float32Array(model.sizes.zAppDim), zExp: new Float32Array(model.sizes.zExpDim) })!;
    const n = 100_000;
    const grads = await batch(new Float32Array(3 * n), 'gradient');
    const sdf = await batch(new Float32Array(3 * n), 'sdf');
    expect(grads.length).toBe(3 * n);
    expect(sdf.length).toBe(n);
    expect(grads.every((v) => v === 2) && sdf.every((v) => v === 1)).toBe(true);
    expect(Math.max(...sizes.gradient!)).toBeLessThanOrEqual(4096);
    expect(sizes.gradient!.reduce((a, b) => a + b, 0)).toBe(n);
    expect(Math.max(...sizes.sdf!)).toBeLessThanOrEqual(40_000);
    expect(sizes.sdf!.reduce((a, b) => a + b, 0)).toBe(n);
  } finally {
    installRayWorkers(undefined);
  }
});
