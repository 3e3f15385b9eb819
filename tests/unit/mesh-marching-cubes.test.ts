/**
 * Marching cubes against analytic shapes.
 *
 * Resolution: a vertex is the root of the linear interpolant of the SDF along a grid edge, so for an
 * exact SDF its distance to the surface is |sdf(vertex)| ≤ max|sdf''|·h²/8 ≤ h²/(8·ρ), ρ = the smallest
 * principal radius of curvature (the Hessian of an exact SDF near the surface is bounded by 1/ρ).
 * 1% of the voxel size h thus needs h ≤ 0.08·ρ: sphere ρ = 0.5 → h ≤ 0.04 (64³ over 1.2: h = 0.019);
 * torus minor radius ρ = 0.14 → h ≤ 0.0112 (128³ over 1.2: h = 0.0094). At these resolutions the
 * area and volume errors are below 0.1% (they fall as h²), well inside the 1% asked.
 */
import { describe, expect, it } from 'vitest';
import { caseTriangles, marchingCubes, marchingCubesLayers, MarchingCubesStream, type GridSpec } from '../../src/render/marching-cubes.ts';
import { meshStats, meshVertexNormals } from '../../src/render/mesh.ts';

type Sdf = (x: number, y: number, z: number) => number;
const C = [0.013, -0.021, 0.007];
const sphere = (r: number): Sdf => (x, y, z) => Math.hypot(x - C[0]!, y - C[1]!, z - C[2]!) - r;
const torus = (R: number, r: number): Sdf => (x, y, z) => Math.hypot(Math.hypot(x - C[0]!, z - C[2]!) - R, y - C[1]!) - r;

function sample(f: Sdf, n: number, lo = -0.6, hi = 0.6): { values: Float32Array; grid: GridSpec } {
  const h = (hi - lo) / (n - 1);
  const values = new Float32Array(n * n * n);
  for (let z = 0; z < n; z++) for (let y = 0; y < n; y++) for (let x = 0; x < n; x++) values[x + n * (y + n * z)] = f(lo + x * h, lo + y * h, lo + z * h);
  return { values, grid: { dims: [n, n, n], origin: [lo, lo, lo], spacing: [h, h, h] } };
}

function gradient(f: Sdf, x: number, y: number, z: number): number[] {
  const e = 1e-6;
  return [(f(x + e, y, z) - f(x - e, y, z)) / (2 * e), (f(x, y + e, z) - f(x, y - e, z)) / (2 * e), (f(x, y, z + e) - f(x, y, z - e)) / (2 * e)];
}

const shapes = [
  { name: 'sphere', f: sphere(0.5), n: 64, area: 4 * Math.PI * 0.25, volume: (4 / 3) * Math.PI * 0.125 },
  { name: 'torus', f: torus(0.38, 0.14), n: 128, area: 4 * Math.PI ** 2 * 0.38 * 0.14, volume: 2 * Math.PI ** 2 * 0.38 * 0.14 ** 2 },
];

describe('marching cubes', () => {
  it('generates a table of closed loops for every case', () => {
    expect(caseTriangles(0)).toEqual([]);
    expect(caseTriangles(255)).toEqual([]);
    expect(caseTriangles(1).length).toBe(3);
    let tris = 0;
    for (let c = 0; c < 256; c++) {
      expect(caseTriangles(c).length % 3).toBe(0);
      tris += caseTriangles(c).length / 3;
    }
    expect(tris).toBeGreaterThan(256);
  });

  for (const s of shapes) {
    it(`${s.name}: vertices on the surface (1% of a voxel), watertight, area and volume within 1%`, () => {
      const { values, grid } = sample(s.f, s.n);
      const h = grid.spacing[0];
      const mesh = marchingCubes(values, grid);
      const st = meshStats(mesh);
      expect(st.triangles).toBeGreaterThan(1000);
      let maxDist = 0;
      for (let i = 0; i < mesh.positions.length; i += 3) maxDist = Math.max(maxDist, Math.abs(s.f(mesh.positions[i]!, mesh.positions[i + 1]!, mesh.positions[i + 2]!)));
      expect(maxDist / h).toBeLessThan(0.01);
      expect(st.boundaryEdges).toBe(0);
      expect(st.nonManifoldEdges).toBe(0);
      expect(st.degenerateTriangles).toBe(0);
      // Every vertex is used (shared vertices, no duplicates of a crossed edge).
      const used = new Uint8Array(st.vertices);
      for (const i of mesh.indices) used[i] = 1;
      expect(used.every((u) => u === 1)).toBe(true);
      expect(Math.abs(st.area / s.area - 1)).toBeLessThan(0.01);
      expect(Math.abs(st.volume / s.volume - 1)).toBeLessThan(0.01);
      // Orientation: mesh normals point along the SDF gradient (outwards).
      const nrm = meshVertexNormals(mesh);
      let minDot = 1;
      for (let i = 0; i < nrm.length; i += 3) {
        const g = gradient(s.f, mesh.positions[i]!, mesh.positions[i + 1]!, mesh.positions[i + 2]!);
        const l = Math.hypot(g[0]!, g[1]!, g[2]!);
        minDot = Math.min(minDot, (nrm[i]! * g[0]! + nrm[i + 1]! * g[1]! + nrm[i + 2]! * g[2]!) / l);
      }
      expect(minDot).toBeGreaterThan(0.95);
    });
  }

  it('is watertight on random fields (every ambiguous face configuration occurs)', () => {
    let seed = 12345;
    const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32) - 0.5;
    for (const n of [6, 9, 14, 20, 20, 20, 24]) {
      const values = new Float32Array(n * n * n);
      for (let z = 0; z < n; z++) {
        for (let y = 0; y < n; y++) {
          for (let x = 0; x < n; x++) {
            const border = x === 0 || y === 0 || z === 0 || x === n - 1 || y === n - 1 || z === n - 1;
            values[x + n * (y + n * z)] = border ? 1 : rand();
          }
        }
      }
      const mesh = marchingCubes(values, { dims: [n, n, n], origin: [0, 0, 0], spacing: [1, 1, 1] });
      const st = meshStats(mesh);
      expect(st.triangles).toBeGreaterThan(0);
      expect(st.boundaryEdges).toBe(0);
      expect(st.nonManifoldEdges).toBe(0);
      expect(st.volume).toBeGreaterThan(0); // volume of the negative region, normals pointing out of it
      expect(st.degenerateTriangles).toBe(0);
    }
  });

  it('streams layer by layer with the same result; anisotropic grids', () => {
    const f = sphere(0.3);
    const dims: [number, number, number] = [20, 27, 33];
    const lo = [-0.4, -0.45, -0.5];
    const spacing: [number, number, number] = [0.8 / 19, 0.9 / 26, 1.0 / 32];
    const values = new Float32Array(dims[0] * dims[1] * dims[2]);
    for (let z = 0; z < dims[2]; z++) for (let y = 0; y < dims[1]; y++) for (let x = 0; x < dims[0]; x++) values[x + dims[0] * (y + dims[1] * z)] = f(lo[0]! + x * spacing[0], lo[1]! + y * spacing[1], lo[2]! + z * spacing[2]);
    const grid: GridSpec = { dims, origin: [lo[0]!, lo[1]!, lo[2]!], spacing };
    const a = marchingCubes(values, grid);
    const mc = new MarchingCubesStream(grid);
    const plane = dims[0] * dims[1];
    for (let z = 0; z < dims[2]; z++) mc.push(Array.from(values.subarray(z * plane, (z + 1) * plane)));
    const b = mc.finish();
    expect(b.positions).toEqual(a.positions);
    expect(b.indices).toEqual(a.indices);
    const st = meshStats(a);
    expect(st.boundaryEdges).toBe(0);
    expect(Math.abs(st.volume / ((4 / 3) * Math.PI * 0.027) - 1)).toBeLessThan(0.02);
  });

  it('gives the same mesh when the caller refills one buffer for every layer (the stream keeps its own copy)', () => {
    const f = sphere(0.3);
    const dims: [number, number, number] = [24, 24, 24];
    const h = 0.8 / 23;
    const grid: GridSpec = { dims, origin: [-0.4, -0.4, -0.4], spacing: [h, h, h] };
    const plane = dims[0] * dims[1];
    const fill = (z: number, out: Float32Array) => {
      for (let y = 0; y < dims[1]; y++) for (let x = 0; x < dims[0]; x++) out[x + dims[0] * y] = f(-0.4 + x * h, -0.4 + y * h, -0.4 + z * h);
      return out;
    };
    const fresh = marchingCubesLayers(grid, (z) => fill(z, new Float32Array(plane)));
    const shared = new Float32Array(plane);
    const reused = marchingCubesLayers(grid, (z) => fill(z, shared));
    expect(reused.indices).toEqual(fresh.indices);
    expect(reused.positions).toEqual(fresh.positions);
    const nv = reused.positions.length / 3;
    expect(Math.max(...reused.indices)).toBeLessThan(nv);
    expect(meshStats(reused).boundaryEdges).toBe(0);
  });
});
