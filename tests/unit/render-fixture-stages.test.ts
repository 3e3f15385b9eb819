/**
 * Stage-by-stage parity with fixture render-small-a (the ORIGINAL renderer's outputs), without the
 * model: every stage is fed the fixture's inputs of that stage, as its README recommends; tolerances
 * are the README's.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { initNodeTf } from '../../src/cli/tf-node.ts';
import { makeCamera, cameraRays, shRotation, sphereBounds, coarseDepths, neusUpsample, midpoints, composite } from '../../src/render/index.ts';
import { so3Exp, so3ExpNumbers, SH_FACTORS, type RayBatch } from '../../src/render/index.ts';

const dir = new URL('../../../shared/fixtures/render-small-a/', import.meta.url);
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type J = any;
const scene: J = JSON.parse(readFileSync(new URL('scene.json', dir), 'utf8'));
const expected: J = JSON.parse(readFileSync(new URL('expected.json', dir), 'utf8'));
const E = expected['v0.5'];

const flat = (a: unknown): number[] => (Array.isArray(a) ? a.flatMap(flat) : [Number(a)]);
function maxAbs(a: ArrayLike<number>, b: ArrayLike<number>, mask?: (i: number) => boolean): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) if (!mask || mask(i)) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}
const R = 64;
const well: boolean[] = E.upsample_well_conditioned;
const perRay = (k: number) => (i: number) => well[Math.floor(i / k)]!;

function fixtureRays(): RayBatch {
  const origins = new Float32Array(3 * R);
  for (let i = 0; i < R; i++) origins.set(scene.cam_loc, 3 * i);
  return { count: R, origins, dirs: new Float32Array(flat(scene.ray_dirs)) };
}


describe.each(['wasm', 'cpu'] as const)('render-small-a stages (no model) (%s)', (backend) => {
  beforeAll(async () => {
    await initNodeTf(backend);
  });

  it('rebuilds the ray directions with the original NDC mapping', () => {
    const cam = makeCamera(32, 32, scene.K, scene.w2c_opengl, 'opengl');
    const rays = cameraRays(cam, { pixels: scene.pixel_index, mapping: 'original-ndc' });
    expect(maxAbs(rays.dirs, flat(scene.ray_dirs))).toBeLessThan(1e-6);
    expect(maxAbs(rays.origins.subarray(0, 3), scene.cam_loc)).toBeLessThan(1e-6);
    // The plain pinhole mapping differs by a sub-pixel amount (quirk §11.6): clearly not the same rays.
    const pin = cameraRays(cam, { pixels: scene.pixel_index });
    expect(maxAbs(pin.dirs, flat(scene.ray_dirs))).toBeGreaterThan(1e-3);
    expect(maxAbs(flat(shRotation(cam)), flat(scene.w2c_opengl.slice(0, 3).map((r: number[]) => r.slice(0, 3))))).toBe(0);
  });

  it('so3 exp and SH constants', () => {
    const Rn = so3ExpNumbers(scene.pose.rot_axis_angle);
    expect(maxAbs(flat(Rn), flat(scene.pose.R_so3_exp_float32))).toBeLessThan(1e-6);
    const Rt = tf.tidy(() => so3Exp(tf.tensor1d(scene.pose.rot_axis_angle)).arraySync());
    expect(maxAbs(flat(Rt), flat(scene.pose.R_so3_exp_float32))).toBeLessThan(1e-6);
    for (let i = 0; i < 9; i++) expect(Math.abs(SH_FACTORS[i]! / scene.sh_constant_factor_float32[i] - 1)).toBeLessThan(1e-6);
  });

  it('sphere bounds with missed-ray filling, and coarse samples', () => {
    const b = sphereBounds(fixtureRays(), 0.7);
    expect(maxAbs(b.disc, E.sphere_disc)).toBeLessThan(1e-5);
    expect(Array.from(b.hit, (h) => h === 1)).toEqual(E.sphere_hit);
    expect(maxAbs(b.near, flat(E.near_far).filter((_, i) => i % 2 === 0))).toBeLessThan(1e-5);
    expect(maxAbs(b.far, flat(E.near_far).filter((_, i) => i % 2 === 1))).toBeLessThan(1e-5);
    expect(maxAbs(coarseDepths(b, 32), flat(E.coarse_z))).toBeLessThan(1e-5);
    const zj = coarseDepths(b, 32, { kind: 'table', u: flat(scene.jitter.jitter_case_u) });
    expect(maxAbs(zj, flat(expected['jitter_v0.5'].coarse_z))).toBeLessThan(1e-5);
  });

  it('NeuS up-sampling and mid-points from the expected coarse samples', () => {
    const rays = fixtureRays();
    const res = tf.tidy(() => {
      const up = neusUpsample(
        tf.tensor2d(flat(E.coarse_z), [R, 32]),
        tf.tensor2d(flat(E.coarse_sdf), [R, 32]),
        tf.tensor2d(rays.origins, [R, 3]),
        tf.tensor2d(rays.dirs, [R, 3]),
        32,
      );
      const mz = midpoints(tf.tensor2d(flat(E.upsample_z), [R, 32])).mid;
      return { w: up.weights.dataSync(), z: up.z.dataSync(), mid: mz.dataSync() };
    });
    expect(maxAbs(res.w, flat(E.upsample_weights))).toBeLessThan(2e-4);
    expect(maxAbs(res.z, flat(E.upsample_z), perRay(32))).toBeLessThan(2e-4);
    expect(maxAbs(res.mid, flat(E.mid_z), perRay(32))).toBeLessThan(2e-4);
  });

  for (const v of ['v0.5', 'v0.3'] as const) {
    it(`compositing from the expected per-sample field values (${v})`, () => {
      const X = { ...E, ...expected[v] };
      const rays = fixtureRays();
      const out = tf.tidy(() => {
        const zs = tf.tensor2d(flat(E.upsample_z), [R, 32]);
        const mz = tf.tensor2d(flat(E.mid_z), [R, 32]);
        // dz from the expected mid-points keeps the stage isolated from up-sampling rounding.
        const dz = tf.mul(tf.sub(mz, zs), 2) as tf.Tensor2D;
        const pose = { rot: tf.tensor1d(scene.pose.rot_axis_angle), trans: tf.tensor1d(scene.pose.trans), scale: 1 };
        const cam = makeCamera(32, 32, scene.K, scene.w2c_opengl, 'opengl');
        const c = composite(
          {
            sdf: tf.tensor2d(flat(E.sdf), [R, 32]),
            rgb: tf.tensor2d(flat(E.color), [R * 32, 3]),
            gradient: tf.tensor2d(flat(E.gradient), [R * 32, 3]),
            zs,
            dz,
            dirs: tf.tensor2d(rays.dirs, [R, 3]),
          },
          {
            pose,
            sh: tf.tensor2d(scene.sh_coeffs),
            w2cRotation: shRotation(cam),
            colorA: tf.tensor2d(scene.color_A),
            colorB: tf.tensor2d(scene.color_b),
          },
          so3Exp(pose.rot),
          { variance: Number(v.slice(1)), cosDirection: 'world' },
        );
        const i = c.intermediates;
        return {
          cos: i.cos.dataSync(),
          normals: i.normalsCam!.dataSync(),
          shading: i.shading!.dataSync(),
          alpha: i.alpha.dataSync(),
          weights: i.weights.dataSync(),
          rgb: c.rgbRaw.dataSync(),
          rgbCc: c.rgb.dataSync(),
          ws: c.weightsSum.dataSync(),
          depth: c.depth.dataSync(),
        };
      });
      if (v === 'v0.5') {
        expect(maxAbs(out.cos, flat(E.true_cos), perRay(32))).toBeLessThan(1e-5);
        expect(maxAbs(out.normals, flat(E.normals_cam), perRay(96))).toBeLessThan(1e-5);
        expect(maxAbs(out.shading, flat(E.shading), perRay(96))).toBeLessThan(1e-5);
      }
      expect(maxAbs(out.alpha, flat(X.alpha), perRay(32))).toBeLessThan(1e-3);
      expect(maxAbs(out.weights, flat(X.weights), perRay(32))).toBeLessThan(2e-4);
      expect(maxAbs(out.rgb, flat(X.rgb))).toBeLessThan(2e-4);
      expect(maxAbs(out.rgbCc, flat(X.rgb_cc))).toBeLessThan(2e-4);
      expect(maxAbs(out.ws, flat(X.weights_sum))).toBeLessThan(2e-4);
      expect(maxAbs(out.depth, flat(X.depth))).toBeLessThan(3e-4);
    });
  }
});
