/**
 * Ground-truth points as a depth camera sees them (src/render/visible-surface.ts) and the regions
 * of the tracking accuracy (src/track/accuracy.ts), against analytic geometry: the visible cap of a
 * sphere, a sphere hidden behind another, the depth of a plane.
 */
import * as THREE from 'three';
import { describe, expect, it } from 'vitest';
import { invertRigid, lookAtOpenGL, makeCamera, projectPoints, type Camera } from '../../src/render/camera.ts';
import { depthBuffer, visibleSurface } from '../../src/render/visible-surface.ts';
import { groundTruthPoints, regionAccuracy } from '../../src/track/accuracy.ts';

const W = 64;
const camera = (d: number): Camera => makeCamera(W, W, [[2 * W, 0, (W - 1) / 2], [0, 2 * W, (W - 1) / 2], [0, 0, 1]], invertRigid(lookAtOpenGL([0, 0, d], [0, 0, 0], [0, 1, 0])), 'opengl');

function sphere(r: number, centre: [number, number, number] = [0, 0, 0], segments = 96) {
  const g = new THREE.SphereGeometry(r, segments, segments / 2).toNonIndexed();
  g.translate(...centre);
  const positions = Float32Array.from(g.getAttribute('position').array as ArrayLike<number>);
  const normals = Float32Array.from(g.getAttribute('normal').array as ArrayLike<number>);
  return { positions, normals, indices: Uint32Array.from({ length: positions.length / 3 }, (_, i) => i) };
}

function merge(a: ReturnType<typeof sphere>, b: ReturnType<typeof sphere>) {
  const n = a.positions.length / 3;
  return {
    positions: Float32Array.from([...a.positions, ...b.positions]),
    normals: Float32Array.from([...a.normals, ...b.normals]),
    indices: Uint32Array.from([...a.indices, ...Array.from(b.indices, (i) => i + n)]),
  };
}

describe('visible surface samples', () => {
  it('keep the cap of a sphere whose normal faces the camera by more than 0.2, as the analytic area fraction', () => {
    const r = 0.3, d = 2.5, samples = 40_000;
    const s = visibleSurface(sphere(r), camera(d), { samples, seed: 3 });
    // cos(n, c − p) at polar angle θ: (d cos θ − r)/√(r² + d² − 2rd cos θ); kept where > 0.2.
    const cosAt = (c: number) => (d * c - r) / Math.sqrt(r * r + d * d - 2 * r * d * c);
    let lo = -1, hi = 1;
    for (let k = 0; k < 60; k++) {
      const m = (lo + hi) / 2;
      if (cosAt(m) > 0.2) hi = m;
      else lo = m;
    }
    const fraction = (1 - hi) / 2;
    const kept = s.points.length / 3 / samples;
    const sd = Math.sqrt((fraction * (1 - fraction)) / samples);
    expect(Math.abs(kept - fraction)).toBeLessThan(4 * sd + 0.005); // + the tessellation's area error
    for (let i = 0; i < s.points.length / 3; i++) {
      const p = [s.points[3 * i]!, s.points[3 * i + 1]!, s.points[3 * i + 2]!];
      expect(Math.hypot(p[0]!, p[1]!, p[2]!)).toBeLessThan(r + 1e-6);
      expect(cosAt(p[2]! / Math.hypot(p[0]!, p[1]!, p[2]!))).toBeGreaterThan(0.19);
    }
  });

  it('drop the part of a sphere hidden behind a nearer one, and only that', () => {
    const cam = camera(2.5);
    const near = sphere(0.1, [0, 0, 0.5]);
    const far = sphere(0.3, [0, 0, -0.2]);
    const s = visibleSurface(merge(near, far), cam, { samples: 60_000, seed: 5 });
    // The near sphere's silhouette in the image: its centre's projection, radius ≈ f·r/dist.
    const { uv } = projectPoints(cam, [0, 0, 0.5]);
    const rad = (2 * W * 0.1) / Math.sqrt(2 * 2 - 0.1 * 0.1);
    let farKept = 0, farBehind = 0;
    for (let i = 0; i < s.points.length / 3; i++) {
      const z = s.points[3 * i + 2]!;
      if (z > 0.3) continue; // on the near sphere
      farKept++;
      const du = s.pixels[2 * i]! - uv[0]!, dv = s.pixels[2 * i + 1]! - uv[1]!;
      if (Math.hypot(du, dv) < rad - 1) farBehind++;
    }
    expect(farKept).toBeGreaterThan(1000);
    expect(farBehind).toBe(0);
  });

  it('depth buffer: the perspective-correct depth of a tilted plane', () => {
    const cam = camera(2);
    // A large quad through the origin, tilted about y by 30°: z = −tan(30°)·x in world space.
    const t = Math.tan(Math.PI / 6);
    const P = Float32Array.from([-1, -1, t, 1, -1, -t, 1, 1, -t, -1, 1, t]);
    const zb = depthBuffer({ positions: P, indices: Uint32Array.from([0, 1, 2, 0, 2, 3]) }, cam, 1);
    // The ray through pixel (u, v): direction ((u − cx)/f, −(v − cy)/f, −1) from (0, 0, 2) (OpenGL axes);
    // it meets z = −t·x at depth s with 2 − s = −t·s·(u − cx)/f.
    for (const [u, v] of [[10, 20], [32, 32], [50, 8]] as const) {
      const a = (u - (W - 1) / 2) / (2 * W);
      const s = 2 / (1 - t * a);
      expect(zb.depth[v * W + u]!).toBeCloseTo(s, 4);
    }
  });
});

describe('accuracy regions', () => {
  it('face ⊂ head ⊂ all; a mesh scored against its own surface has zero error', () => {
    const mesh = sphere(0.3);
    const cam = camera(2.5);
    // Labels: skin (2) in the image's upper half, background elsewhere; a head box excludes y < −0.5.
    const labels = Uint8Array.from({ length: W * W }, (_, i) => (Math.floor(i / W) < W / 2 ? 2 : 0));
    const gt = groundTruthPoints({ mesh, camera: cam, pose: { rot: [0, 0, 0], trans: [0, 0, 0] }, labels }, 10_000, 2);
    const n = (s: { points: Float32Array }) => s.points.length / 3;
    expect(n(gt.face)).toBeGreaterThan(100);
    expect(n(gt.face)).toBeLessThan(n(gt.head));
    expect(n(gt.head)).toBeLessThanOrEqual(n(gt.all));
    for (let i = 0; i < n(gt.face); i++) expect(gt.face.pixels[2 * i + 1]!).toBeLessThan(W / 2 - 0.5);
    const self = regionAccuracy(mesh, gt);
    for (const r of ['face', 'head', 'all'] as const) {
      expect(self[r].chamferL1mm).toBeLessThan(1e-3);
      expect(self[r].normalConsistency).toBeGreaterThan(0.999);
    }
    // A sphere 2 mm-eq (0.008 units) larger: every point 2 mm away along the normal.
    const bigger = regionAccuracy(sphere(0.308), gt);
    expect(bigger.face.recall['1mm']).toBe(0);
    expect(bigger.face.recall['2.5mm']).toBe(1);
  });
});
