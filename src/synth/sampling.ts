/**
 * Training samples from a procedural head, in the spirit of MonoNPHM's sampling (reference §7:
 * face / non-face surface points, off-surface points, correspondences, anchors). Everything is in
 * model space with the expression applied (no head pose) and deterministic for a seed.
 *
 * Surface points are uniform in area: candidate points are drawn uniformly from the cells of a
 * coarse grid that can contain surface, kept when |sdf| < band, and projected onto the zero level
 * set (for a distance field, a thin band around the surface has constant thickness, so uniform
 * points in it project to area-uniform surface points; where smooth blends make |∇sdf| < 1 the
 * band is thicker, which is undone by keeping a candidate with probability |∇sdf|).
 */
import type { ProceduralHead } from './head.ts';
import { Rng } from '../graph/rng.ts';
import { SEG } from './neutral.ts';

/** Box that holds every head of the family (model space). */
export const SAMPLE_BOX = { min: [-0.45, -0.8, -0.72] as const, max: [0.45, 0.72, 0.42] as const };

export interface SurfaceSamples {
  n: number;
  /** posed (expression applied) positions, n×3 */
  points: Float32Array;
  /** unit outward normals, n×3 */
  normals: Float32Array;
  /** albedo in [0, 1], n×3 */
  colors: Float32Array;
  /** SEG class ids */
  labels: Uint8Array;
  /** the same material points on the neutral surface (B(x)), n×3 */
  canonical: Float32Array;
  /** 1 where the point lies in the opened jaw wedge (B is not one-to-one there) */
  inJawGap: Uint8Array;
}

export interface SdfSamples {
  n: number;
  points: Float32Array;
  sdf: Float32Array;
}

/** Face region for MonoNPHM's face / non-face split: everything but hair, neck and ears. */
export function isFaceLabel(l: number): boolean {
  return l !== SEG.hair && l !== SEG.neck && l !== SEG.earL && l !== SEG.earR && l !== SEG.background;
}

const CELL = 0.03;

/** Cells (min corners) of a coarse grid whose centre is within reach of the surface. */
class SurfaceCells {
  readonly corners: Float32Array;
  readonly count: number;

  constructor(head: ProceduralHead) {
    const nx = Math.ceil((SAMPLE_BOX.max[0] - SAMPLE_BOX.min[0]) / CELL);
    const ny = Math.ceil((SAMPLE_BOX.max[1] - SAMPLE_BOX.min[1]) / CELL);
    const nz = Math.ceil((SAMPLE_BOX.max[2] - SAMPLE_BOX.min[2]) / CELL);
    const out: number[] = [];
    const reach = CELL; // > half the cell diagonal (0.866·CELL), with slack for |∇| slightly above 1
    for (let k = 0; k < nz; k++) {
      for (let j = 0; j < ny; j++) {
        for (let i = 0; i < nx; i++) {
          const x = SAMPLE_BOX.min[0] + i * CELL, y = SAMPLE_BOX.min[1] + j * CELL, z = SAMPLE_BOX.min[2] + k * CELL;
          const d = head.sdf(x + CELL / 2, y + CELL / 2, z + CELL / 2);
          if (Math.abs(d) < reach) out.push(x, y, z);
        }
      }
    }
    this.corners = Float32Array.from(out);
    this.count = out.length / 3;
  }
}

const cellCache = new WeakMap<ProceduralHead, SurfaceCells>();
function cellsOf(head: ProceduralHead): SurfaceCells {
  let c = cellCache.get(head);
  if (!c) {
    c = new SurfaceCells(head);
    cellCache.set(head, c);
  }
  return c;
}

/** Area-uniform surface points with normals, colours, labels and neutral correspondences. */
export function sampleSurface(head: ProceduralHead, n: number, seed: number): SurfaceSamples {
  const rng = new Rng(seed);
  const cells = cellsOf(head);
  const band = 0.006;
  const points = new Float32Array(3 * n);
  const p = new Float64Array(3);
  const g = new Float64Array(3);
  let got = 0;
  let tries = 0;
  while (got < n) {
    if (++tries > 2000 * n + 1e6) throw new Error(`sampleSurface: only ${got} of ${n} points after ${tries} tries`);
    const c = rng.int(cells.count);
    const x = cells.corners[3 * c]! + CELL * rng.next();
    const y = cells.corners[3 * c + 1]! + CELL * rng.next();
    const z = cells.corners[3 * c + 2]! + CELL * rng.next();
    const d = head.sdf(x, y, z);
    if (d <= -band || d >= band) continue;
    // where |∇sdf| < 1 (smooth-min blends) the band {|sdf| < band} is thicker by 1/|∇|: thin it out
    head.gradient(x, y, z, g);
    const gl = Math.sqrt(g[0]! * g[0]! + g[1]! * g[1]! + g[2]! * g[2]!);
    if (gl < 1 && rng.next() >= gl) continue;
    p[0] = x; p[1] = y; p[2] = z;
    if (head.project(p) > 1e-4) continue;
    points[3 * got] = p[0]; points[3 * got + 1] = p[1]; points[3 * got + 2] = p[2];
    got++;
  }
  return describeSurface(head, points);
}

/** Normals, colours, labels and canonical points of given surface points. */
export function describeSurface(head: ProceduralHead, points: Float32Array): SurfaceSamples {
  const n = points.length / 3;
  const normals = head.normalBatch(points);
  const { rgb, labels } = head.shadeBatch(points);
  const canonical = new Float32Array(3 * n);
  const inJawGap = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    inJawGap[i] = head.toCanonical(points[3 * i]!, points[3 * i + 1]!, points[3 * i + 2]!, canonical, 3 * i) ? 1 : 0;
  }
  return { n, points, normals, colors: rgb, labels, canonical, inJawGap };
}

/** Surface points displaced along random directions by N(0, σ²), with their exact SDF values. */
export function sampleNearSurface(head: ProceduralHead, surface: Float32Array, sigma: number, seed: number): SdfSamples {
  const rng = new Rng(seed);
  const n = surface.length / 3;
  const points = new Float32Array(3 * n);
  for (let i = 0; i < 3 * n; i++) points[i] = surface[i]! + sigma * rng.normal();
  return { n, points, sdf: head.sdfBatch(points) };
}

/** Uniform points in SAMPLE_BOX with their SDF values (free space and interior). */
export function sampleSpace(head: ProceduralHead, n: number, seed: number): SdfSamples {
  const rng = new Rng(seed);
  const points = new Float32Array(3 * n);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < 3; c++) points[3 * i + c] = SAMPLE_BOX.min[c]! + (SAMPLE_BOX.max[c]! - SAMPLE_BOX.min[c]!) * rng.next();
  }
  return { n, points, sdf: head.sdfBatch(points) };
}

export interface Correspondences {
  n: number;
  /** points on the neutral surface (same identity, neutral expression), n×3 */
  neutral: Float32Array;
  /** the same material points on the expressed surface, n×3 */
  posed: Float32Array;
}

/**
 * Neutral ↔ expression correspondences: expressed surface points x and B(x). Points in the opened
 * jaw wedge are skipped, as B is many-to-one there.
 */
export function sampleCorrespondences(head: ProceduralHead, n: number, seed: number): Correspondences {
  const neutral = new Float32Array(3 * n);
  const posed = new Float32Array(3 * n);
  let got = 0;
  let round = 0;
  while (got < n) {
    if (round > 20) throw new Error(`sampleCorrespondences: only ${got} of ${n} pairs`);
    const s = sampleSurface(head, Math.max(64, Math.ceil((n - got) * 1.1)), seed + 7919 * round++);
    for (let i = 0; i < s.n && got < n; i++) {
      if (s.inJawGap[i]) continue;
      for (let c = 0; c < 3; c++) {
        posed[3 * got + c] = s.points[3 * i + c]!;
        neutral[3 * got + c] = s.canonical[3 * i + c]!;
      }
      got++;
    }
  }
  return { n, neutral, posed };
}

export interface TrainingSample {
  /** MonoNPHM-style surface points on the face region */
  face: SurfaceSamples;
  /** surface points elsewhere (hair, ears, neck) */
  nonFace: SurfaceSamples;
  /** near-surface points (σ = 0.01 and 0.002 halves) and uniform free-space points, with SDF */
  offSurface: SdfSamples;
  space: SdfSamples;
  correspondences: Correspondences;
  /** 65 anchors of this head (expression applied), 65×3 */
  anchors: Float32Array;
}

export interface SampleCounts {
  face: number;
  nonFace: number;
  offSurface: number;
  space: number;
  correspondences: number;
}

/** MonoNPHM's per-head counts (reference §7): 1000 face, 250 non-face, 250 off-surface, 250 corresp. */
export const MONONPHM_COUNTS: SampleCounts = { face: 1000, nonFace: 250, offSurface: 250, space: 250, correspondences: 250 };

function pick(s: SurfaceSamples, keep: (i: number) => boolean, n: number): SurfaceSamples {
  const idx: number[] = [];
  for (let i = 0; i < s.n && idx.length < n; i++) if (keep(i)) idx.push(i);
  const m = idx.length;
  const take3 = (a: Float32Array) => { const o = new Float32Array(3 * m); idx.forEach((j, k) => o.set(a.subarray(3 * j, 3 * j + 3), 3 * k)); return o; };
  return {
    n: m, points: take3(s.points), normals: take3(s.normals), colors: take3(s.colors), canonical: take3(s.canonical),
    labels: Uint8Array.from(idx.map((j) => s.labels[j]!)), inJawGap: Uint8Array.from(idx.map((j) => s.inJawGap[j]!)),
  };
}

/** One head's worth of training data, deterministic for `seed`. */
export function sampleTrainingData(head: ProceduralHead, counts: SampleCounts, seed: number): TrainingSample {
  const rng = new Rng(seed);
  // draw surface points until both strata are filled
  let face: SurfaceSamples | null = null;
  let nonFace: SurfaceSamples | null = null;
  let m = Math.ceil((counts.face + counts.nonFace) * 1.5) + 64;
  for (let round = 0; round < 8; round++) {
    const s = sampleSurface(head, m, rng.int(0x7fffffff));
    const nf = s.labels.reduce((a, l) => a + (isFaceLabel(l) ? 1 : 0), 0);
    if (nf >= counts.face && s.n - nf >= counts.nonFace) {
      face = pick(s, (i) => isFaceLabel(s.labels[i]!), counts.face);
      nonFace = pick(s, (i) => !isFaceLabel(s.labels[i]!), counts.nonFace);
      break;
    }
    m *= 2;
  }
  if (!face || !nonFace) throw new Error('sampleTrainingData: could not fill the face / non-face strata');
  const half = Math.floor(counts.offSurface / 2);
  const src = face.points.length >= 3 * counts.offSurface ? face.points : sampleSurface(head, counts.offSurface, rng.int(0x7fffffff)).points;
  const a = sampleNearSurface(head, src.subarray(0, 3 * half), 0.01, rng.int(0x7fffffff));
  const b = sampleNearSurface(head, src.subarray(3 * half, 3 * counts.offSurface), 0.002, rng.int(0x7fffffff));
  const offPts = new Float32Array(3 * counts.offSurface);
  offPts.set(a.points, 0); offPts.set(b.points, a.points.length);
  const offSdf = new Float32Array(counts.offSurface);
  offSdf.set(a.sdf, 0); offSdf.set(b.sdf, a.sdf.length);
  return {
    face,
    nonFace,
    offSurface: { n: counts.offSurface, points: offPts, sdf: offSdf },
    space: sampleSpace(head, counts.space, rng.int(0x7fffffff)),
    correspondences: sampleCorrespondences(head, counts.correspondences, rng.int(0x7fffffff)),
    anchors: Float32Array.from(head.anchors()),
  };
}
