/**
 * Meshes of a field: SDF on a grid over a box (reference §8), marching cubes, vertex normals and
 * vertex colours, plus mesh measures (area, volume, boundary and non-manifold edges) for tests.
 *
 * Choices:
 * - Box and grid as the original: `linspace(min, max, res)` per axis (res samples, spacing
 *   (max − min)/(res − 1)), reference box min [−0.55, −0.5, −0.95], max [0.55, 0.75, 0.4]; the field
 *   is evaluated in MODEL space (expression applied, no head pose).
 * - The original meshes −sdf at 0 with PyMCubes; we mesh sdf at 0 with triangles counter-clockwise
 *   seen from outside (the same surface, normals pointing out).
 * - The grid is evaluated slab by slab (z layers, ≤ `chunk` points per field call) and streamed into
 *   marching cubes, so memory is O(resolution²) besides the mesh.
 * - Vertex normals: normalised ∂sdf/∂x from the field (`'field'`), or area-weighted face normals
 *   (`'mesh'`). Vertex colours: the field's colour in [−1, 1], optionally colour-corrected by
 *   c·A + b, mapped to [0, 1] by (c + 1)/2 and clamped.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { RenderField } from './field.ts';
import { breathe, timedRanges } from '../graph/breathe.ts';
import { MarchingCubesStream, marchingCubes, type GridSpec, type TriangleMesh } from './marching-cubes.ts';

export const REFERENCE_BOX = {
  min: [-0.55, -0.5, -0.95] as [number, number, number],
  max: [0.55, 0.75, 0.4] as [number, number, number],
};

export interface MeshData extends TriangleMesh {
  /** [V·3] unit vertex normals. */
  normals?: Float32Array;
  /** [V·3] vertex colours in [0, 1]: display (sRGB-encoded) values, as the original's (c + 1)/2·255. */
  colors?: Float32Array;
}

export interface GridOptions {
  /** Samples per axis (one number for all axes). */
  resolution: number | [number, number, number];
  min?: [number, number, number];
  max?: [number, number, number];
  /** Max points per field call. */
  chunk?: number;
  /** Called after each evaluated layer (progress; may throw to cancel). */
  onLayer?: (z: number, nz: number) => void;
  /** Stops the evaluation (throws its reason) at the next chunk once aborted. */
  signal?: AbortSignal;
  /**
   * Narrow band: evaluate a coarse grid (every `stride`-th sample) first, then the fine grid only in
   * coarse blocks that have a sign change or a corner with |sdf| < margin · block diagonal; other
   * samples take the trilinear interpolation of their block's corners (same sign, so no crossing).
   * The mesh equals the full grid's whenever every crossed fine edge lies in a refined block, which
   * the margin ensures for fields with |∇sdf| < margin. Memory: the full value grid (4 bytes per
   * sample) plus a byte mask.
   */
  band?: { stride: number; margin: number };
  /**
   * Evaluates a whole batch of points elsewhere (worker threads) instead of through the field's
   * tensor functions here: SDF [n], gradient [n·3] or colour [n·3] of points [n·3].
   */
  batch?: PointBatch;
}

export type PointBatch = (points: Float32Array, want: 'sdf' | 'gradient' | 'color', signal?: AbortSignal) => Promise<Float32Array>;

export function gridSpec(opts: GridOptions): GridSpec {
  const min = opts.min ?? REFERENCE_BOX.min;
  const max = opts.max ?? REFERENCE_BOX.max;
  const res = typeof opts.resolution === 'number' ? [opts.resolution, opts.resolution, opts.resolution] : opts.resolution;
  for (const r of res) if (!Number.isInteger(r) || r < 2) throw new Error(`mesh grid: resolution must be an integer ≥ 2, got ${r}`);
  for (let k = 0; k < 3; k++) if (!(max[k]! > min[k]!)) throw new Error(`mesh grid: max[${k}] = ${max[k]} must exceed min[${k}] = ${min[k]}`);
  return {
    dims: [res[0]!, res[1]!, res[2]!],
    origin: [min[0], min[1], min[2]],
    spacing: [0, 1, 2].map((k) => (max[k]! - min[k]!) / (res[k]! - 1)) as [number, number, number],
  };
}

/** Points of grid layer z, x fastest: [nx·ny, 3]. */
function layerPoints(g: GridSpec, z: number): Float32Array {
  const [nx, ny] = g.dims;
  const p = new Float32Array(nx * ny * 3);
  const pz = g.origin[2] + z * g.spacing[2];
  for (let y = 0; y < ny; y++) {
    const py = g.origin[1] + y * g.spacing[1];
    for (let x = 0; x < nx; x++) {
      const i = 3 * (y * nx + x);
      p[i] = g.origin[0] + x * g.spacing[0];
      p[i + 1] = py;
      p[i + 2] = pz;
    }
  }
  return p;
}

/** Values of `sdf` (model-space points [N,3] → [N]) at points [n·3] (a layer, a band), in chunks. */
async function evalPoints(sdf: (x: tf.Tensor2D) => tf.Tensor, pts: Float32Array, chunk: number, signal?: AbortSignal, batch?: PointBatch): Promise<Float32Array> {
  if (batch) {
    await breathe(signal);
    return batch(pts, 'sdf', signal);
  }
  const n = pts.length / 3;
  const out = new Float32Array(n);
  for (const [s, e] of timedRanges(n, { first: Math.min(chunk, 2048), max: chunk })) {
    await breathe(signal);
    const t = tf.tidy(() => sdf(tf.tensor2d(pts.subarray(3 * s, 3 * e), [e - s, 3])).reshape([-1]));
    out.set((await t.data()) as Float32Array, s);
    t.dispose();
  }
  return out;
}

/** The SDF on the whole grid, values[x + nx·(y + ny·z)] (for small grids and tests). */
export async function sdfGrid(sdf: (x: tf.Tensor2D) => tf.Tensor, opts: GridOptions): Promise<{ grid: GridSpec; values: Float32Array }> {
  const grid = gridSpec(opts);
  const [nx, ny, nz] = grid.dims;
  const values = new Float32Array(nx * ny * nz);
  for (let z = 0; z < nz; z++) {
    values.set(await evalPoints(sdf, layerPoints(grid, z), opts.chunk ?? 40_000, opts.signal, opts.batch), z * nx * ny);
    opts.onLayer?.(z, nz);
  }
  return { grid, values };
}

/** SDF on the grid by the narrow-band scheme of `GridOptions.band`; also returns how many samples were evaluated. */
export async function sdfGridBanded(
  sdf: (x: tf.Tensor2D) => tf.Tensor,
  opts: GridOptions & { band: { stride: number; margin: number }; iso?: number },
): Promise<{ grid: GridSpec; values: Float32Array; evaluated: number }> {
  const grid = gridSpec(opts);
  const [nx, ny, nz] = grid.dims;
  const { stride, margin } = opts.band;
  if (!Number.isInteger(stride) || stride < 1) throw new Error(`mesh grid: band stride must be a positive integer, got ${stride}`);
  const iso = opts.iso ?? 0;
  const chunk = opts.chunk ?? 40_000;
  // Coarse node indices per axis: 0, stride, 2·stride, …, always ending at n − 1.
  const nodes = (n: number) => {
    const out: number[] = [];
    for (let i = 0; i < n - 1; i += stride) out.push(i);
    out.push(n - 1);
    return out;
  };
  const cx = nodes(nx), cy = nodes(ny), cz = nodes(nz);
  const at = (i: number, j: number, k: number): [number, number, number] => [
    grid.origin[0] + i * grid.spacing[0],
    grid.origin[1] + j * grid.spacing[1],
    grid.origin[2] + k * grid.spacing[2],
  ];
  const coarsePts = new Float32Array(cx.length * cy.length * cz.length * 3);
  let q = 0;
  for (const k of cz) for (const j of cy) for (const i of cx) coarsePts.set(at(i, j, k), 3 * q++);
  const coarse = await evalPoints(sdf, coarsePts, chunk, opts.signal, opts.batch);
  const C = (a: number, b: number, c: number) => coarse[a + cx.length * (b + cy.length * c)]! - iso;

  const plane = nx * ny;
  const values = new Float32Array(plane * nz);
  const exact = new Uint8Array(plane * nz);
  const diag = stride * Math.hypot(grid.spacing[0], grid.spacing[1], grid.spacing[2]);
  // Blocks: refine → mark their samples (boundaries included) for exact evaluation; otherwise fill.
  for (let c = 0; c + 1 < cz.length; c++) {
    for (let b = 0; b + 1 < cy.length; b++) {
      for (let a = 0; a + 1 < cx.length; a++) {
        const v = [C(a, b, c), C(a + 1, b, c), C(a, b + 1, c), C(a + 1, b + 1, c), C(a, b, c + 1), C(a + 1, b, c + 1), C(a, b + 1, c + 1), C(a + 1, b + 1, c + 1)];
        const refine = v.some((x) => x < 0) !== v.every((x) => x < 0) || v.some((x) => Math.abs(x) < margin * diag);
        const [i0, i1, j0, j1, k0, k1] = [cx[a]!, cx[a + 1]!, cy[b]!, cy[b + 1]!, cz[c]!, cz[c + 1]!];
        for (let k = k0; k <= k1; k++) {
          const tz = (k - k0) / (k1 - k0);
          for (let j = j0; j <= j1; j++) {
            const ty = (j - j0) / (j1 - j0);
            for (let i = i0; i <= i1; i++) {
              const idx = i + nx * j + plane * k;
              if (refine) {
                exact[idx] = 1;
                continue;
              }
              const tx = (i - i0) / (i1 - i0);
              const y0 = (v[0]! * (1 - tx) + v[1]! * tx) * (1 - ty) + (v[2]! * (1 - tx) + v[3]! * tx) * ty;
              const y1 = (v[4]! * (1 - tx) + v[5]! * tx) * (1 - ty) + (v[6]! * (1 - tx) + v[7]! * tx) * ty;
              values[idx] = iso + y0 * (1 - tz) + y1 * tz;
            }
          }
        }
      }
    }
  }
  // Exact samples, layer by layer (bounded point buffers).
  let evaluated = 0;
  for (let k = 0; k < nz; k++) {
    let n = 0;
    for (let i = k * plane; i < (k + 1) * plane; i++) n += exact[i]!;
    if (n > 0) {
      const pts = new Float32Array(3 * n);
      const where = new Int32Array(n);
      let w = 0;
      for (let j = 0; j < ny; j++) {
        for (let i = 0; i < nx; i++) {
          const idx = i + nx * j + plane * k;
          if (!exact[idx]) continue;
          pts.set(at(i, j, k), 3 * w);
          where[w++] = idx;
        }
      }
      const vals = await evalPoints(sdf, pts, chunk, opts.signal, opts.batch);
      for (let w2 = 0; w2 < n; w2++) values[where[w2]!] = vals[w2]!;
      evaluated += n;
    }
    opts.onLayer?.(k, nz);
  }
  return { grid, values, evaluated: evaluated + coarse.length };
}

/** Marching cubes of `sdf` at `iso` over a grid, evaluated and meshed layer by layer (or narrow band). */
export async function meshSdf(sdf: (x: tf.Tensor2D) => tf.Tensor, opts: GridOptions & { iso?: number }): Promise<TriangleMesh> {
  if (opts.band) {
    const { grid, values } = await sdfGridBanded(sdf, { ...opts, band: opts.band });
    return marchingCubes(values, grid, opts.iso ?? 0);
  }
  const grid = gridSpec(opts);
  const mc = new MarchingCubesStream(grid, opts.iso ?? 0);
  for (let z = 0; z < grid.dims[2]; z++) {
    mc.push(await evalPoints(sdf, layerPoints(grid, z), opts.chunk ?? 40_000, opts.signal, opts.batch));
    opts.onLayer?.(z, grid.dims[2]);
  }
  return mc.finish();
}

/** Area-weighted vertex normals of a triangle mesh (unit length; 0 for unused vertices). */
export function meshVertexNormals(mesh: TriangleMesh): Float32Array {
  const { positions: p, indices: t } = mesh;
  const acc = new Float64Array(p.length);
  for (let f = 0; f < t.length; f += 3) {
    const a = 3 * t[f]!;
    const b = 3 * t[f + 1]!;
    const c = 3 * t[f + 2]!;
    const ux = p[b]! - p[a]!, uy = p[b + 1]! - p[a + 1]!, uz = p[b + 2]! - p[a + 2]!;
    const vx = p[c]! - p[a]!, vy = p[c + 1]! - p[a + 1]!, vz = p[c + 2]! - p[a + 2]!;
    const nx = uy * vz - uz * vy, ny = uz * vx - ux * vz, nz = ux * vy - uy * vx;
    for (const v of [a, b, c]) {
      acc[v] = acc[v]! + nx;
      acc[v + 1] = acc[v + 1]! + ny;
      acc[v + 2] = acc[v + 2]! + nz;
    }
  }
  return normalise3(acc);
}

function normalise3(v: ArrayLike<number>): Float32Array {
  const out = new Float32Array(v.length);
  for (let i = 0; i < v.length; i += 3) {
    const l = Math.hypot(v[i]!, v[i + 1]!, v[i + 2]!);
    if (l > 0) {
      out[i] = v[i]! / l;
      out[i + 1] = v[i + 1]! / l;
      out[i + 2] = v[i + 2]! / l;
    }
  }
  return out;
}

/** Per-vertex query of a field in chunks: f([n,3] points) → [n,3] values. */
async function perVertex(positions: Float32Array, chunk: number, f: (x: tf.Tensor2D) => tf.Tensor, signal?: AbortSignal): Promise<Float32Array> {
  const n = positions.length / 3;
  const out = new Float32Array(3 * n);
  for (const [s, e] of timedRanges(n, { first: Math.min(chunk, 1024), max: chunk })) {
    await breathe(signal);
    const t = tf.tidy(() => f(tf.tensor2d(positions.subarray(3 * s, 3 * e), [e - s, 3])).reshape([-1]));
    out.set((await t.data()) as Float32Array, 3 * s);
    t.dispose();
  }
  return out;
}

export interface ExtractOptions extends GridOptions {
  iso?: number;
  /** Vertex normals from the field gradient, from the mesh, or none. Default 'field'. */
  normals?: 'field' | 'mesh' | 'none';
  /** Vertex colours from the field. Default true. */
  colors?: boolean;
  /** Colour correction applied before the [−1, 1] → [0, 1] mapping: c·A + b (A row-major 3×3). */
  colorA?: number[][];
  colorB?: number[];
}

/** Mesh of a field's zero level set with vertex normals and colours (see module doc). */
export async function extractMesh(field: RenderField, opts: ExtractOptions): Promise<MeshData> {
  const chunk = opts.chunk ?? 40_000;
  const mesh: MeshData = await meshSdf((x) => field.sdf(x), opts);
  const normals = opts.normals ?? 'field';
  if (normals === 'mesh') mesh.normals = meshVertexNormals(mesh);
  // Gradients hold the activations of a backward pass: smaller chunks.
  const batch = opts.batch;
  if (normals === 'field') mesh.normals = normalise3(batch ? await batch(mesh.positions, 'gradient', opts.signal) : await perVertex(mesh.positions, Math.min(chunk, 4096), (x) => field.evaluate(x).gradient, opts.signal));
  if (opts.colors ?? true) {
    const raw = batch ? await batch(mesh.positions, 'color', opts.signal) : await perVertex(mesh.positions, chunk, (x) => (field.color ? field.color(x) : field.evaluate(x).rgb), opts.signal);
    mesh.colors = colorsToUnit(raw, opts.colorA, opts.colorB);
  }
  return mesh;
}

/** [−1, 1] colours → [0, 1], after an optional c·A + b, clamped. */
export function colorsToUnit(raw: Float32Array, A?: number[][], b?: number[]): Float32Array {
  const out = new Float32Array(raw.length);
  for (let i = 0; i < raw.length; i += 3) {
    for (let c = 0; c < 3; c++) {
      let v = raw[i + c]!;
      if (A) v = raw[i]! * A[0]![c]! + raw[i + 1]! * A[1]![c]! + raw[i + 2]! * A[2]![c]!;
      if (b) v += b[c]!;
      out[i + c] = Math.min(1, Math.max(0, (v + 1) / 2));
    }
  }
  return out;
}

export interface MeshStats {
  vertices: number;
  triangles: number;
  area: number;
  /** Signed volume by the divergence theorem (positive for outward-oriented closed meshes). */
  volume: number;
  /** Edges used by one triangle only (holes / open boundary). */
  boundaryEdges: number;
  /** Edges used by more than two triangles, or twice in the same direction (inconsistent orientation). */
  nonManifoldEdges: number;
  /** Triangles with a repeated vertex index. */
  degenerateTriangles: number;
}

/** Area, volume and edge-manifold checks of a triangle mesh. */
export function meshStats(mesh: TriangleMesh): MeshStats {
  const { positions: p, indices: t } = mesh;
  let area = 0;
  let volume = 0;
  let degenerate = 0;
  const V = p.length / 3;
  const directed = new Map<number, number>();
  const key = (a: number, b: number) => a * V + b;
  for (let f = 0; f < t.length; f += 3) {
    const ia = t[f]!, ib = t[f + 1]!, ic = t[f + 2]!;
    if (ia === ib || ib === ic || ia === ic) degenerate++;
    const a = 3 * ia, b = 3 * ib, c = 3 * ic;
    const ux = p[b]! - p[a]!, uy = p[b + 1]! - p[a + 1]!, uz = p[b + 2]! - p[a + 2]!;
    const vx = p[c]! - p[a]!, vy = p[c + 1]! - p[a + 1]!, vz = p[c + 2]! - p[a + 2]!;
    const nx = uy * vz - uz * vy, ny = uz * vx - ux * vz, nz = ux * vy - uy * vx;
    area += Math.hypot(nx, ny, nz) / 2;
    volume += (p[a]! * (p[b + 1]! * p[c + 2]! - p[b + 2]! * p[c + 1]!) - p[a + 1]! * (p[b]! * p[c + 2]! - p[b + 2]! * p[c]!) + p[a + 2]! * (p[b]! * p[c + 1]! - p[b + 1]! * p[c]!)) / 6;
    for (const [u, v] of [[ia, ib], [ib, ic], [ic, ia]] as const) directed.set(key(u, v), (directed.get(key(u, v)) ?? 0) + 1);
  }
  let boundary = 0;
  let nonManifold = 0;
  for (const [k, n] of directed) {
    const u = Math.floor(k / V);
    const v = k - u * V;
    const back = directed.get(key(v, u)) ?? 0;
    if (n > 1) nonManifold++;
    else if (back === 0) boundary++;
    else if (back > 1) nonManifold++;
  }
  return { vertices: V, triangles: t.length / 3, area, volume, boundaryEdges: boundary, nonManifoldEdges: nonManifold, degenerateTriangles: degenerate };
}
