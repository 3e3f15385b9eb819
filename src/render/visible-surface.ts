/**
 * Ground-truth points for reconstruction metrics as a depth camera would see them (reference §6):
 * points sampled uniformly by area on a mesh's triangles (seeded), kept where the surface faces the
 * camera (view·normal > 0.2, as the original) and is not hidden behind other parts of the mesh (a
 * z-buffer of the mesh at twice the image resolution). Each point carries its pixel, so callers
 * can restrict the metrics to image regions (the original's face mask).
 */
import { Rng } from '../graph/rng.ts';
import { cameraCenter, projectPoints, type Camera } from './camera.ts';
import type { MeshLike } from './recon-metrics.ts';

export interface SurfaceSamples {
  /** [n·3] points and unit normals (interpolated vertex normals, or the triangles' own). */
  points: Float32Array;
  normals: Float32Array;
  /** [n·2] pixel coordinates (u right, v down) in the camera's image. */
  pixels: Float32Array;
}

export interface VisibleSurfaceOptions {
  /** Points drawn on the whole mesh before the visibility tests. */
  samples: number;
  seed: number;
  /** Minimum cosine between the normal and the direction to the camera. */
  minCos?: number;
  /** Depth tolerance of the occlusion test, in scene units (default 0.006 = 1.5 mm-eq). */
  depthTolerance?: number;
}

/** Per-pixel nearest depth of a triangle mesh (perspective-correct), at `scale` × the camera's resolution. */
export function depthBuffer(mesh: MeshLike, camera: Camera, scale: number): { width: number; height: number; depth: Float32Array } {
  const W = camera.width * scale, H = camera.height * scale;
  const depth = new Float32Array(W * H).fill(Infinity);
  const { uv, depth: z } = projectPoints(camera, mesh.positions);
  const T = mesh.indices;
  for (let t = 0; t < T.length; t += 3) {
    const a = T[t]!, b = T[t + 1]!, c = T[t + 2]!;
    const za = z[a]!, zb = z[b]!, zc = z[c]!;
    if (!(za > 0 && zb > 0 && zc > 0)) continue;
    // Pixel centres at integer coordinates of the scaled image: u' = (u + 0.5)·scale − 0.5.
    const px = (i: number) => (uv[2 * i]! + 0.5) * scale - 0.5, py = (i: number) => (uv[2 * i + 1]! + 0.5) * scale - 0.5;
    const x0 = px(a), y0 = py(a), x1 = px(b), y1 = py(b), x2 = px(c), y2 = py(c);
    const area = (x1 - x0) * (y2 - y0) - (x2 - x0) * (y1 - y0);
    if (area === 0) continue;
    const minX = Math.max(0, Math.ceil(Math.min(x0, x1, x2))), maxX = Math.min(W - 1, Math.floor(Math.max(x0, x1, x2)));
    const minY = Math.max(0, Math.ceil(Math.min(y0, y1, y2))), maxY = Math.min(H - 1, Math.floor(Math.max(y0, y1, y2)));
    for (let y = minY; y <= maxY; y++) {
      for (let x = minX; x <= maxX; x++) {
        const w0 = ((x1 - x) * (y2 - y) - (x2 - x) * (y1 - y)) / area;
        const w1 = ((x2 - x) * (y0 - y) - (x0 - x) * (y2 - y)) / area;
        const w2 = 1 - w0 - w1;
        if (w0 < 0 || w1 < 0 || w2 < 0) continue;
        const d = 1 / (w0 / za + w1 / zb + w2 / zc);
        const k = y * W + x;
        if (d < depth[k]!) depth[k] = d;
      }
    }
  }
  return { width: W, height: H, depth };
}

/**
 * Area-weighted seeded samples of a mesh's surface, then the camera's visibility tests. Normals are
 * the mesh's vertex normals interpolated when it has them (outward by construction), else the
 * triangles' normals by their winding.
 */
export function visibleSurface(mesh: MeshLike & { normals?: Float32Array }, camera: Camera, o: VisibleSurfaceOptions): SurfaceSamples {
  const P = mesh.positions, T = mesh.indices;
  const nt = T.length / 3;
  if (!nt) throw new Error('visible surface: the mesh has no triangles');
  const cum = new Float64Array(nt);
  const normals = new Float32Array(3 * nt);
  let total = 0;
  for (let t = 0; t < nt; t++) {
    const a = 3 * T[3 * t]!, b = 3 * T[3 * t + 1]!, c = 3 * T[3 * t + 2]!;
    const ux = P[b]! - P[a]!, uy = P[b + 1]! - P[a + 1]!, uz = P[b + 2]! - P[a + 2]!;
    const vx = P[c]! - P[a]!, vy = P[c + 1]! - P[a + 1]!, vz = P[c + 2]! - P[a + 2]!;
    const fx = uy * vz - uz * vy, fy = uz * vx - ux * vz, fz = ux * vy - uy * vx;
    const l = Math.hypot(fx, fy, fz);
    total += l / 2;
    cum[t] = total;
    if (l > 0) normals.set([fx / l, fy / l, fz / l], 3 * t);
  }
  const rng = new Rng(o.seed);
  const pts = new Float32Array(3 * o.samples);
  const nrm = new Float32Array(3 * o.samples);
  for (let i = 0; i < o.samples; i++) {
    const r = rng.next() * total;
    let lo = 0, hi = nt - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cum[mid]! < r) lo = mid + 1;
      else hi = mid;
    }
    let s = rng.next(), q = rng.next();
    if (s + q > 1) (s = 1 - s), (q = 1 - q);
    const a = 3 * T[3 * lo]!, b = 3 * T[3 * lo + 1]!, c = 3 * T[3 * lo + 2]!;
    for (let k = 0; k < 3; k++) pts[3 * i + k] = P[a + k]! + s * (P[b + k]! - P[a + k]!) + q * (P[c + k]! - P[a + k]!);
    const N = mesh.normals;
    if (N) {
      const n = [0, 1, 2].map((k) => (1 - s - q) * N[a + k]! + s * N[b + k]! + q * N[c + k]!);
      const l = Math.hypot(n[0]!, n[1]!, n[2]!) || 1;
      nrm.set([n[0]! / l, n[1]! / l, n[2]! / l], 3 * i);
    } else {
      nrm.set(normals.subarray(3 * lo, 3 * lo + 3), 3 * i);
    }
  }
  const scale = 2;
  const zbuf = depthBuffer(mesh, camera, scale);
  const { uv, depth } = projectPoints(camera, pts);
  const eye = cameraCenter(camera);
  const minCos = o.minCos ?? 0.2;
  const tol = o.depthTolerance ?? 0.006;
  const f = Math.min(camera.intrinsics.fx, camera.intrinsics.fy);
  const keep: number[] = [];
  for (let i = 0; i < o.samples; i++) {
    const v = [eye[0] - pts[3 * i]!, eye[1] - pts[3 * i + 1]!, eye[2] - pts[3 * i + 2]!];
    const cos = (v[0]! * nrm[3 * i]! + v[1]! * nrm[3 * i + 1]! + v[2]! * nrm[3 * i + 2]!) / Math.hypot(v[0]!, v[1]!, v[2]!);
    if (!(cos > minCos)) continue;
    const x = Math.round((uv[2 * i]! + 0.5) * scale - 0.5), y = Math.round((uv[2 * i + 1]! + 0.5) * scale - 0.5);
    if (x < 0 || y < 0 || x >= zbuf.width || y >= zbuf.height) continue;
    // The buffer holds the depth at the pixel's centre, up to 0.71 pixel away: on a slanted surface
    // that differs by the slope (tan of the view angle) times the pixel's footprint.
    const footprint = depth[i]! / (f * scale);
    const slope = Math.sqrt(Math.max(0, 1 - cos * cos)) / cos;
    if (depth[i]! > zbuf.depth[y * zbuf.width + x]! + tol + footprint * slope) continue;
    keep.push(i);
  }
  const out: SurfaceSamples = { points: new Float32Array(3 * keep.length), normals: new Float32Array(3 * keep.length), pixels: new Float32Array(2 * keep.length) };
  keep.forEach((i, j) => {
    out.points.set(pts.subarray(3 * i, 3 * i + 3), 3 * j);
    out.normals.set(nrm.subarray(3 * i, 3 * i + 3), 3 * j);
    out.pixels.set([uv[2 * i]!, uv[2 * i + 1]!], 2 * j);
  });
  return out;
}

/** The samples for which `keep(i)` holds. */
export function selectSamples(s: SurfaceSamples, keep: (i: number) => boolean): SurfaceSamples {
  const idx: number[] = [];
  for (let i = 0; i < s.points.length / 3; i++) if (keep(i)) idx.push(i);
  const out: SurfaceSamples = { points: new Float32Array(3 * idx.length), normals: new Float32Array(3 * idx.length), pixels: new Float32Array(2 * idx.length) };
  idx.forEach((i, j) => {
    out.points.set(s.points.subarray(3 * i, 3 * i + 3), 3 * j);
    out.normals.set(s.normals.subarray(3 * i, 3 * i + 3), 3 * j);
    out.pixels.set(s.pixels.subarray(2 * i, 2 * i + 2), 2 * j);
  });
  return out;
}
