/**
 * The mask barrier of threaded tracking steps: when one chunk of a step fails before it reaches the
 * barrier, its partner, already waiting there, is released with an error at once instead of
 * waiting out its timeout, the step's call rejects with the failing chunk's message, and the pool
 * goes on serving the next step.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { initNodeTf } from '../../src/cli/tf-node.ts';
import type { NphmModel } from '../../src/nphm/model.ts';
import { RayPool } from '../../src/parallel/ray-pool.ts';
import { invertRigid, lookAtOpenGL, makeCamera } from '../../src/render/camera.ts';
import { cameraRays, sliceRays, sphereBounds } from '../../src/render/rays.ts';
import { chunkOptions, shRotation } from '../../src/render/render.ts';
import { maskBarrier, type RayChunk, type SceneValues } from '../../src/track/ray-chunk.ts';
import { loadFixtureModel } from './helpers/fixture-model.ts';

let model: NphmModel;
beforeAll(async () => {
  await initNodeTf('wasm');
  model = loadFixtureModel();
});
afterAll(() => model.dispose());

const W = 8;
const camera = makeCamera(W, W, [[16, 0, 3.5], [0, 16, 3.5], [0, 0, 1]], invertRigid(lookAtOpenGL([0, 0, 2.5], [0, 0, 0], [0, 1, 0])), 'opengl');

function stepChunks(): RayChunk[] {
  const R = 16;
  const rays = cameraRays(camera, { pixels: Array.from({ length: R }, (_, i) => 4 * i) });
  const bounds = sphereBounds(rays, 0.7);
  const labels = Uint8Array.from({ length: R }, (_, i) => (i % 3 ? 2 : 0));
  const barrier = maskBarrier(labels, 2, 60_000);
  const jitter = { kind: 'table' as const, u: Float32Array.from({ length: R * 4 }, (_, i) => (i * 0.37) % 1) };
  return [0, 8].map((a) => ({
    rays: sliceRays(rays, a, a + 8),
    options: chunkOptions({ variance: 0.4, nCoarse: 4, nImportance: 4, jitter }, bounds, a, a + 8),
    w2cRotation: shRotation(camera),
    targetRgb: new Float32Array(24).fill(0.3),
    rayWeights: new Float32Array(8).fill(1),
    share: 0.5,
    weights: { rgb: 1, mask: 1 },
    barrier: { ...barrier, start: a },
  }));
}

it('releases a chunk waiting at the barrier when its partner fails, and keeps serving', async () => {
  const s = model.sizes;
  const scene: SceneValues = {
    zGeo: new Float32Array(s.zGeoDim), zApp: new Float32Array(s.zAppDim), zExp: new Float32Array(s.zExpDim),
    rot: new Float32Array(3), trans: new Float32Array(3), sh: new Float32Array(27).fill(0.1), colorA: Float32Array.of(1, 0, 0, 0, 1, 0, 0, 0, 1), colorB: new Float32Array(3),
  };
  const pool = new RayPool(2, 'wasm');
  try {
    const [good, bad] = stepChunks();
    // The second chunk's rays claim 8 rays but carry the data of 2: its render fails.
    const broken: RayChunk = { ...bad!, rays: { ...bad!.rays, origins: bad!.rays.origins.slice(0, 6), dirs: bad!.rays.dirs.slice(0, 6) } };
    const t0 = performance.now();
    const failure = await pool.gradients(model, scene, [good!, broken]).then(() => undefined, (e: Error) => e);
    expect(failure).toBeInstanceOf(Error);
    expect(failure!.message).not.toMatch(/did not arrive/);
    // Well inside the barrier's 60 s timeout.
    expect(performance.now() - t0).toBeLessThan(30_000);
    const results = await pool.gradients(model, scene, stepChunks());
    expect(results).toHaveLength(2);
    for (const r of results) expect(r.grads.zGeo.some((g) => g !== 0)).toBe(true);
  } finally {
    await pool.close();
  }
}, 120_000);
