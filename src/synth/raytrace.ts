/**
 * Sphere tracing of a procedural head under a pinhole camera, with Lambert + ambient (or SH-9)
 * shading and a short SDF ambient-occlusion term. Plain TS, no tfjs: this is the ground-truth renderer for the
 * synthetic videos, independent of any learned model.
 *
 * Conventions (documented in sequence.json too):
 * - Camera: OpenCV (x right, y down, looking along +z), world→camera x_c = R_wc·x_w + t_wc,
 *   pixel (u, v) = (fx·x_c/z_c + cx, fy·y_c/z_c + cy); pixel centres at integer coordinates, as in
 *   src/render/camera.ts.
 * - Head pose: x_world = R·x_model + t (model = world at the identity pose).
 */
import type { ProceduralHead } from './head.ts';

export interface PinholeCamera {
  width: number;
  height: number;
  fx: number;
  fy: number;
  cx: number;
  cy: number;
  /** world→camera rotation, row-major 3×3 */
  R: number[];
  /** world→camera translation */
  t: number[];
}

export interface HeadPoseRt {
  /** model→world rotation, row-major 3×3 */
  R: number[];
  t: number[];
}

export interface RenderOptions {
  background?: [number, number, number];
  /** light direction in camera coordinates (towards the light), normalised internally */
  light?: [number, number, number];
  ambient?: number;
  diffuse?: number;
  maxSteps?: number;
  /**
   * Optional SH-9 lighting instead of Lambert + ambient (reference §3): 27 numbers, coefficient k of
   * channel c at [3k + c], on the basis [1, x, y, z, xy, xz, yz, x²−y², 3z²−1] × [0.28209,
   * 1.02333×3, 0.85809×3, 0.42904, 0.24771] of the unit normal in OpenGL camera axes.
   */
  sh?: ArrayLike<number>;
  /** Multiply by the short SDF ambient-occlusion term (default true). */
  occlusion?: boolean;
}

const SH_C = [0.28209, 1.02333, 1.02333, 1.02333, 0.85809, 0.85809, 0.85809, 0.42904, 0.24771];

/** SH-9 shading of channel c for an OpenGL camera-space unit normal. */
export function shShading(sh: ArrayLike<number>, x: number, y: number, z: number, c: number): number {
  return (
    SH_C[0]! * sh[c]! +
    SH_C[1]! * (x * sh[3 + c]! + y * sh[6 + c]! + z * sh[9 + c]!) +
    SH_C[4]! * (x * y * sh[12 + c]! + x * z * sh[15 + c]! + y * z * sh[18 + c]!) +
    SH_C[7]! * (x * x - y * y) * sh[21 + c]! +
    SH_C[8]! * (3 * z * z - 1) * sh[24 + c]!
  );
}

export interface RenderedFrame {
  width: number;
  height: number;
  /** sRGB 8-bit, row-major, 3 channels */
  rgb: Uint8Array;
  /** SEG class ids (0 = background) */
  labels: Uint8Array;
  /** distance along the ray in model units (Infinity for background) */
  depth: Float32Array;
}

/** Bounding sphere of every head of the family, in model space. */
export const HEAD_BOUND_CENTER = [0, -0.2, -0.1] as const;
export const HEAD_BOUND_RADIUS = 1.0;

export function axisAngleToMatrix(wx: number, wy: number, wz: number): number[] {
  const th = Math.sqrt(wx * wx + wy * wy + wz * wz);
  if (th < 1e-12) return [1, 0, 0, 0, 1, 0, 0, 0, 1];
  const kx = wx / th, ky = wy / th, kz = wz / th;
  const c = Math.cos(th), s = Math.sin(th), v = 1 - c;
  return [
    c + kx * kx * v, kx * ky * v - kz * s, kx * kz * v + ky * s,
    ky * kx * v + kz * s, c + ky * ky * v, ky * kz * v - kx * s,
    kz * kx * v - ky * s, kz * ky * v + kx * s, c + kz * kz * v,
  ];
}

/** Ray setup: origin and the matrix taking camera-frame directions to model-frame directions. */
export class RayFrame {
  readonly ox: number;
  readonly oy: number;
  readonly oz: number;
  /** M = Rᵀ·R_wcᵀ (camera dir → model dir), row-major */
  readonly M: Float64Array;
  /** N = R_wc·R (model normal → camera normal), row-major */
  readonly N: Float64Array;

  constructor(readonly cam: PinholeCamera, readonly pose: HeadPoseRt) {
    const Rc = cam.R, tc = cam.t, R = pose.R, t = pose.t;
    // camera centre in world: C = −R_wcᵀ t_wc
    const Cx = -(Rc[0]! * tc[0]! + Rc[3]! * tc[1]! + Rc[6]! * tc[2]!);
    const Cy = -(Rc[1]! * tc[0]! + Rc[4]! * tc[1]! + Rc[7]! * tc[2]!);
    const Cz = -(Rc[2]! * tc[0]! + Rc[5]! * tc[1]! + Rc[8]! * tc[2]!);
    const dx = Cx - t[0]!, dy = Cy - t[1]!, dz = Cz - t[2]!;
    this.ox = R[0]! * dx + R[3]! * dy + R[6]! * dz;
    this.oy = R[1]! * dx + R[4]! * dy + R[7]! * dz;
    this.oz = R[2]! * dx + R[5]! * dy + R[8]! * dz;
    const M = new Float64Array(9);
    const N = new Float64Array(9);
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 3; j++) {
        let m = 0, n = 0;
        // (Rᵀ R_wcᵀ)_ij = Σ_k R_ki Rc_jk ; (R_wc R)_ij = Σ_k Rc_ik R_kj
        for (let k = 0; k < 3; k++) { m += R[3 * k + i]! * Rc[3 * j + k]!; n += Rc[3 * i + k]! * R[3 * k + j]!; }
        M[3 * i + j] = m;
        N[3 * i + j] = n;
      }
    }
    this.M = M;
    this.N = N;
  }
}

/**
 * Traces one ray (model-space origin o, unit direction d). Returns the hit distance, or Infinity.
 * Starts at the bounding sphere; steps by 0.9·sdf (the expression deformation can make the field
 * slightly steeper than 1 under the chin).
 */
export function traceRay(head: ProceduralHead, ox: number, oy: number, oz: number, dx: number, dy: number, dz: number, maxSteps = 200, tMax = Infinity): number {
  const cx = ox - HEAD_BOUND_CENTER[0], cy = oy - HEAD_BOUND_CENTER[1], cz = oz - HEAD_BOUND_CENTER[2];
  const b = cx * dx + cy * dy + cz * dz;
  const c = cx * cx + cy * cy + cz * cz - HEAD_BOUND_RADIUS * HEAD_BOUND_RADIUS;
  const disc = b * b - c;
  if (disc < 0) return Infinity;
  const sq = Math.sqrt(disc);
  let t = Math.max(0, -b - sq);
  const t1 = Math.min(-b + sq, tMax);
  for (let i = 0; i < maxSteps && t < t1; i++) {
    const d = head.sdf(ox + t * dx, oy + t * dy, oz + t * dz);
    if (d < 2e-4) return t;
    t += d > 0.002 ? 0.9 * d : d < 0.0005 ? 0.0005 : d;
  }
  return Infinity;
}

export function renderHead(head: ProceduralHead, cam: PinholeCamera, pose: HeadPoseRt, opts: RenderOptions = {}): RenderedFrame {
  const W = cam.width, H = cam.height;
  const frame = new RayFrame(cam, pose);
  const M = frame.M, N = frame.N;
  const bg = opts.background ?? [0.55, 0.58, 0.62];
  const L = opts.light ?? [-0.45, -0.55, -0.7];
  const ll = Math.hypot(L[0], L[1], L[2]);
  const lx = L[0] / ll, ly = L[1] / ll, lz = L[2] / ll;
  const amb = opts.ambient ?? 0.35;
  const dif = opts.diffuse ?? 0.8;
  const maxSteps = opts.maxSteps ?? 200;
  const useAo = opts.occlusion ?? true;
  const rgb = new Uint8Array(W * H * 3);
  const labels = new Uint8Array(W * H);
  const depth = new Float32Array(W * H);
  const alb = new Float64Array(3);
  const nrm = new Float64Array(3);
  for (let v = 0; v < H; v++) {
    for (let u = 0; u < W; u++) {
      const pi = v * W + u;
      const qx = (u - cam.cx) / cam.fx, qy = (v - cam.cy) / cam.fy;
      let dx = M[0]! * qx + M[1]! * qy + M[2]!;
      let dy = M[3]! * qx + M[4]! * qy + M[5]!;
      let dz = M[6]! * qx + M[7]! * qy + M[8]!;
      const dl = Math.sqrt(dx * dx + dy * dy + dz * dz);
      dx /= dl; dy /= dl; dz /= dl;
      const t = traceRay(head, frame.ox, frame.oy, frame.oz, dx, dy, dz, maxSteps);
      depth[pi] = t;
      if (t === Infinity) {
        // a soft vertical gradient so that the background is not a flat colour
        const g = 1.05 - 0.1 * (v / H);
        rgb[3 * pi] = Math.round(255 * Math.min(1, bg[0] * g));
        rgb[3 * pi + 1] = Math.round(255 * Math.min(1, bg[1] * g));
        rgb[3 * pi + 2] = Math.round(255 * Math.min(1, bg[2] * g));
        continue;
      }
      const px = frame.ox + t * dx, py = frame.oy + t * dy, pz = frame.oz + t * dz;
      labels[pi] = head.shade(px, py, pz, alb, 0);
      head.normal(px, py, pz, nrm, 0);
      const nx = nrm[0]!, ny = nrm[1]!, nz = nrm[2]!;
      // short ambient occlusion: how much the field falls short of the distance along the normal
      let ao = 1;
      if (useAo) {
        let occ = 0;
        for (let k = 1; k <= 4; k++) {
          const h = 0.012 * k;
          occ += (h - head.sdf(px + h * nx, py + h * ny, pz + h * nz)) / (1 << k);
        }
        ao = Math.max(0.35, 1 - 6 * occ);
      }
      const cnx = N[0]! * nx + N[1]! * ny + N[2]! * nz;
      const cny = N[3]! * nx + N[4]! * ny + N[5]! * nz;
      const cnz = N[6]! * nx + N[7]! * ny + N[8]! * nz;
      for (let c = 0; c < 3; c++) {
        // OpenGL camera axes for SH: (x, −y, −z) of the OpenCV frame
        const s = opts.sh ? shShading(opts.sh, cnx, -cny, -cnz, c) : amb + dif * Math.max(0, cnx * lx + cny * ly + cnz * lz);
        const val = alb[c]! * s * ao;
        rgb[3 * pi + c] = Math.round(255 * (val < 0 ? 0 : val > 1 ? 1 : val));
      }
    }
  }
  return { width: W, height: H, rgb, labels, depth };
}
