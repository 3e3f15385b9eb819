/**
 * Cameras and rays: OpenCV and OpenGL descriptions of one camera give the same rays, pixel subsets
 * match the full image, rays project back to their pixels, bounds and stratified samples.
 */
import { describe, expect, it } from 'vitest';
import {
  cameraRays,
  coarseDepths,
  invertRigid,
  lookAtOpenGL,
  makeCamera,
  projectPoints,
  sphereBounds,
  worldToCamera,
} from '../../src/render/index.ts';

const K = [[40, 0, 15.5], [0, 42, 11.5], [0, 0, 1]];
const glCam = makeCamera(32, 24, K, invertRigid(lookAtOpenGL([0.4, 0.3, 2.2], [0, 0.05, 0], [0, 1, 0])), 'opengl');
const cvCam = makeCamera(32, 24, K, worldToCamera(glCam, 'opencv'), 'opencv');

describe('cameras and rays', () => {
  it('OpenCV and OpenGL descriptions of one camera give the same rays; subsets match', () => {
    const a = cameraRays(glCam);
    const b = cameraRays(cvCam);
    expect(a.count).toBe(32 * 24);
    for (let i = 0; i < a.dirs.length; i++) expect(Math.abs(a.dirs[i]! - b.dirs[i]!)).toBeLessThan(1e-7);
    const sub = cameraRays(glCam, { pixels: [0, 33, 767] });
    for (const [k, p] of [0, 33, 767].entries()) for (let c = 0; c < 3; c++) expect(sub.dirs[3 * k + c]).toBe(a.dirs[3 * p + c]);
    expect(() => cameraRays(glCam, { pixels: [768] })).toThrow(/outside the 32×24 image/);
  });

  it('pinhole rays project back to their pixel; the camera looks along its axis', () => {
    const rays = cameraRays(cvCam, { pixels: [5, 100, 400, 700] });
    const pts: number[] = [];
    for (let i = 0; i < rays.count; i++) for (let c = 0; c < 3; c++) pts.push(rays.origins[3 * i + c]! + 1.7 * rays.dirs[3 * i + c]!);
    const { uv, depth } = projectPoints(glCam, pts);
    [5, 100, 400, 700].forEach((p, i) => {
      expect(uv[2 * i]!).toBeCloseTo(p % 32, 4);
      expect(uv[2 * i + 1]!).toBeCloseTo(Math.floor(p / 32), 4);
      expect(depth[i]!).toBeGreaterThan(0);
    });
  });

  it('bounds: hits, clamping, missed rays get the mean hit interval; stratified samples stay in their bins', () => {
    const rays = cameraRays(glCam);
    const b = sphereBounds(rays, 0.7);
    let hits = 0;
    let sn = 0;
    let sf = 0;
    for (let i = 0; i < rays.count; i++) {
      if (b.hit[i]) {
        hits++;
        sn += b.near[i]!;
        sf += b.far[i]!;
      }
    }
    expect(hits).toBeGreaterThan(0);
    expect(hits).toBeLessThan(rays.count);
    const miss = b.hit.indexOf(0);
    expect(b.near[miss]!).toBeCloseTo(sn / hits, 4);
    expect(b.far[miss]!).toBeCloseTo(sf / hits, 4);
    // A camera inside the sphere: near clamped to 0.
    const inside = sphereBounds({ count: 1, origins: new Float32Array([0, 0, 0.2]), dirs: new Float32Array([0, 0, -1]) }, 0.7);
    expect(inside.near[0]).toBe(0);
    expect(inside.far[0]!).toBeCloseTo(0.9, 6);
    const n = 32;
    const z1 = coarseDepths(b, n, { kind: 'seeded', seed: 7 });
    const z2 = coarseDepths(b, n, { kind: 'seeded', seed: 7 });
    const z0 = coarseDepths(b, n);
    expect(z1).toEqual(z2);
    for (let i = 0; i < rays.count; i += 37) {
      const bin = (b.far[i]! - b.near[i]!) / n;
      for (let j = 0; j < n; j++) expect(Math.abs(z1[i * n + j]! - z0[i * n + j]!)).toBeLessThanOrEqual(bin / 2 + 1e-6);
    }
  });
});
