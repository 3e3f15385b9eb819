/**
 * Rays, their bounds on the object sphere, and the stratified coarse samples.
 *
 * All of this happens before any gradient is needed (rays are fixed by the camera; the residual
 * head pose acts on the sample points later), so it is plain Float32Array/Float64 math on the CPU.
 *
 * Choices (reference §3 / §11, fixture render-small-a):
 * - Pixel mapping: `pinhole` (default) puts the ray of integer pixel (u, v) through image point
 *   (u, v), consistent with the landmark projection u = fx·x/z + cx. `original-ndc` reproduces the
 *   original's NDC back-projection, i.e. image point (u·W/(W−1), v·H/(H−1)) (quirk §11.6); it
 *   rebuilds the fixture's `ray_dirs` to float32 rounding.
 * - Directions are normalised in float64 and then rounded to float32; the origin is the camera centre.
 * - Bounds: intersection with a sphere of radius r (0.7) around the WORLD origin. Rays that miss get
 *   the mean [near, far] of the hit rays of the same batch (before clamping), then near and far are
 *   clamped ≥ 0 — the original behaviour: missed rays are still rendered. A batch without any hit
 *   (the original divides by zero there) gives missed rays [max(|o|−r, 0), |o|+r].
 * - Coarse samples: z_j = near + j/(n−1)·(far−near) + (u_j − 0.5)·(far−near)/n, u_j = 0.5 (no
 *   jitter, the deterministic mode used by tests), a seeded uniform, or a given table.
 */
import { cameraCenter, cameraToWorld, type Camera } from './camera.ts';
import { Rng } from '../graph/rng.ts';

export type PixelMapping = 'pinhole' | 'original-ndc';

export interface RayBatch {
  /** Number of rays. */
  count: number;
  /** [count·3] world-space origins. */
  origins: Float32Array;
  /** [count·3] world-space unit directions. */
  dirs: Float32Array;
  /** [count] pixel index v·W + u when the rays come from a camera. */
  pixelIndex?: Int32Array;
}

export interface RayOptions {
  /** Pixel indices (v·W + u) to generate; all pixels in row-major order when absent. */
  pixels?: ArrayLike<number>;
  mapping?: PixelMapping;
}

/** Rays of a camera through all pixels (row-major, index v·W + u) or a subset. */
export function cameraRays(cam: Camera, opts: RayOptions = {}): RayBatch {
  const { width: W, height: H } = cam;
  const mapping = opts.mapping ?? 'pinhole';
  const n = opts.pixels ? opts.pixels.length : W * H;
  const c2w = cameraToWorld(cam, 'opencv');
  const o = cameraCenter(cam);
  const { fx, fy, cx, cy } = cam.intrinsics;
  const sx = mapping === 'original-ndc' && W > 1 ? W / (W - 1) : 1;
  const sy = mapping === 'original-ndc' && H > 1 ? H / (H - 1) : 1;
  const origins = new Float32Array(3 * n);
  const dirs = new Float32Array(3 * n);
  const pixelIndex = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const p = opts.pixels ? opts.pixels[i]! : i;
    if (!Number.isInteger(p) || p < 0 || p >= W * H) throw new Error(`rays: pixel index ${p} outside the ${W}×${H} image`);
    const u = p % W;
    const v = (p - u) / W;
    const dc = [(u * sx - cx) / fx, (v * sy - cy) / fy, 1];
    let d0 = 0;
    let d1 = 0;
    let d2 = 0;
    for (let k = 0; k < 3; k++) {
      d0 += c2w[0]![k]! * dc[k]!;
      d1 += c2w[1]![k]! * dc[k]!;
      d2 += c2w[2]![k]! * dc[k]!;
    }
    const l = Math.hypot(d0, d1, d2);
    dirs[3 * i] = d0 / l;
    dirs[3 * i + 1] = d1 / l;
    dirs[3 * i + 2] = d2 / l;
    origins[3 * i] = o[0];
    origins[3 * i + 1] = o[1];
    origins[3 * i + 2] = o[2];
    pixelIndex[i] = p;
  }
  return { count: n, origins, dirs, pixelIndex };
}

/** A sub-range [start, end) of a batch (views, no copy). */
export function sliceRays(rays: RayBatch, start: number, end: number): RayBatch {
  const out: RayBatch = {
    count: end - start,
    origins: rays.origins.subarray(3 * start, 3 * end),
    dirs: rays.dirs.subarray(3 * start, 3 * end),
  };
  if (rays.pixelIndex) out.pixelIndex = rays.pixelIndex.subarray(start, end);
  return out;
}

export interface RayBounds {
  /** [count] after miss filling and clamping ≥ 0. */
  near: Float32Array;
  far: Float32Array;
  /** [count] (d·o)² − (|o|² − r²); > 0 where the ray meets the sphere. */
  disc: Float32Array;
  hit: Uint8Array;
}

/** Intersection of each ray with the sphere of radius r around the world origin (see module doc). */
export function sphereBounds(rays: RayBatch, radius: number): RayBounds {
  const n = rays.count;
  const near = new Float32Array(n);
  const far = new Float32Array(n);
  const disc = new Float32Array(n);
  const hit = new Uint8Array(n);
  let sumNear = 0;
  let sumFar = 0;
  let hits = 0;
  let meanMissNear = 0;
  let meanMissFar = 0;
  for (let i = 0; i < n; i++) {
    const o0 = rays.origins[3 * i]!;
    const o1 = rays.origins[3 * i + 1]!;
    const o2 = rays.origins[3 * i + 2]!;
    const b = rays.dirs[3 * i]! * o0 + rays.dirs[3 * i + 1]! * o1 + rays.dirs[3 * i + 2]! * o2;
    const oo = o0 * o0 + o1 * o1 + o2 * o2;
    const dsc = b * b - (oo - radius * radius);
    disc[i] = dsc;
    if (dsc > 0) {
      const s = Math.sqrt(dsc);
      near[i] = -b - s;
      far[i] = -b + s;
      sumNear += -b - s;
      sumFar += -b + s;
      hit[i] = 1;
      hits++;
    } else {
      meanMissNear += Math.max(Math.sqrt(oo) - radius, 0);
      meanMissFar += Math.sqrt(oo) + radius;
    }
  }
  const fillNear = hits > 0 ? sumNear / hits : meanMissNear / Math.max(n - hits, 1);
  const fillFar = hits > 0 ? sumFar / hits : meanMissFar / Math.max(n - hits, 1);
  for (let i = 0; i < n; i++) {
    if (!hit[i]) {
      near[i] = fillNear;
      far[i] = fillFar;
    }
    near[i] = Math.max(near[i]!, 0);
    far[i] = Math.max(far[i]!, 0);
  }
  return { near, far, disc, hit };
}

/** Jitter of the coarse samples: none (u = 0.5), a seeded uniform draw, or a table [count·n] of u ∈ [0, 1). */
export type Jitter = { kind: 'none' } | { kind: 'seeded'; seed: number } | { kind: 'table'; u: ArrayLike<number> };

/** Stratified coarse depths [count·n] along each ray within [near, far] (see module doc). */
export function coarseDepths(bounds: RayBounds, n: number, jitter: Jitter = { kind: 'none' }): Float32Array {
  const count = bounds.near.length;
  const z = new Float32Array(count * n);
  const rng = jitter.kind === 'seeded' ? new Rng(jitter.seed) : undefined;
  if (jitter.kind === 'table' && jitter.u.length < count * n) {
    throw new Error(`coarse samples: jitter table has ${jitter.u.length} entries, expected ${count}×${n}`);
  }
  for (let i = 0; i < count; i++) {
    const near = bounds.near[i]!;
    const span = bounds.far[i]! - near;
    for (let j = 0; j < n; j++) {
      const u = jitter.kind === 'none' ? 0.5 : jitter.kind === 'table' ? jitter.u[i * n + j]! : rng!.next();
      z[i * n + j] = near + (n > 1 ? j / (n - 1) : 0) * span + ((u - 0.5) * span) / n;
    }
  }
  return z;
}
