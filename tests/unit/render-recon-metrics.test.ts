/**
 * Reconstruction metrics against analytic truth: points on a sphere of radius r + d measured against
 * a finely tessellated sphere of radius r. Closest points are radial, so the Euclidean distance is
 * d (less the faceting), the L1 norm of the offset averages 1.5 d over the sphere (E|u_x| = 1/2 per
 * axis), and the normals agree.
 */
import * as THREE from 'three';
import { describe, expect, it } from 'vitest';
import { closestPointsOnMesh, reconstructionMetrics } from '../../src/render/recon-metrics.ts';

function sphereMesh(r: number, detail: number) {
  const geo = new THREE.IcosahedronGeometry(r, detail);
  const positions = Float32Array.from(geo.getAttribute('position').array as ArrayLike<number>);
  // Non-indexed: three triangles' corners in order.
  return { positions, indices: Uint32Array.from({ length: positions.length / 3 }, (_, i) => i) };
}

function fibonacciSphere(n: number, r: number): { points: Float32Array; normals: Float32Array } {
  const points = new Float32Array(3 * n), normals = new Float32Array(3 * n);
  const g = Math.PI * (3 - Math.sqrt(5));
  for (let i = 0; i < n; i++) {
    const y = 1 - (2 * (i + 0.5)) / n;
    const s = Math.sqrt(1 - y * y);
    const u = [Math.cos(g * i) * s, y, Math.sin(g * i) * s];
    normals.set(u, 3 * i);
    points.set(u.map((c) => c * r), 3 * i);
  }
  return { points, normals };
}

describe('reconstruction metrics on a sphere', () => {
  const r = 0.3, d = 0.01;
  const mesh = sphereMesh(r, 40);
  const { points, normals } = fibonacciSphere(4000, r + d);

  it('gives Chamfer-L2 = d, Chamfer-L1 = 1.5 d, normal consistency 1 and step recalls', () => {
    const m = reconstructionMetrics(mesh, points, normals, [0.5 * d, 2 * d]);
    // Faceting of a detail-40 icosphere (edge ≈ 0.0075) pulls the surface inwards by < 1e-4 (sag ≈ ρ²/2r, ρ the triangles' circumradius).
    expect(m.chamferL2).toBeGreaterThan(d);
    expect(m.chamferL2).toBeLessThan(d + 1e-4);
    expect(m.chamferL1 / (1.5 * d)).toBeCloseTo(1, 2);
    expect(m.normalConsistency).toBeGreaterThan(0.999);
    expect(Object.values(m.recall)).toEqual([0, 1]);
  });

  it('finds the exact closest point, also for points inside the mesh', () => {
    const inside = fibonacciSphere(500, r - 0.05).points;
    const { offsets } = closestPointsOnMesh(mesh, inside);
    for (let i = 0; i < 500; i++) {
      const len = Math.hypot(offsets[3 * i]!, offsets[3 * i + 1]!, offsets[3 * i + 2]!);
      expect(len).toBeGreaterThan(0.05 - 1e-4);
      expect(len).toBeLessThan(0.05);
    }
  });
});
