/**
 * Pinhole cameras.
 *
 * Conventions, named explicitly because MonoNPHM mixes them:
 * - Intrinsics (fx, fy, cx, cy) are in pixels of the final image with the OpenCV *image* convention:
 *   u = column (right), v = row (down); the pixel with integer index (u, v) sits at image coordinate
 *   (u, v) (no half-pixel offset), as the original's landmark projection u = fx·x/|z| + cx assumes.
 * - Camera axes: `opencv` = x right, y down, looking along +z; `opengl` = x right, y up, looking
 *   along −z. A `Camera` stores its world-to-camera matrix together with the convention of its
 *   camera axes; `worldToCamera(cam, 'opengl')` converts on demand (flip of y and z).
 * - The SH shading of the renderer uses OpenGL camera axes (as the original, whose cameras are
 *   OpenGL), whatever convention the camera was given in.
 * - Matrices are row-major number[][] (4×4), applied to column vectors: p_cam = M · [p_world; 1].
 */

export type CameraConvention = 'opencv' | 'opengl';

export type Mat3 = [[number, number, number], [number, number, number], [number, number, number]];
export type Mat4 = number[][];
export type Vec3 = [number, number, number];

export interface Intrinsics {
  fx: number;
  fy: number;
  cx: number;
  cy: number;
}

export interface Camera {
  width: number;
  height: number;
  intrinsics: Intrinsics;
  /** 4×4 world-to-camera matrix (rigid), row-major. */
  worldToCamera: Mat4;
  /** Axes convention of the camera frame `worldToCamera` maps into. */
  convention: CameraConvention;
}

/** 3×3 intrinsics matrix K (pixel units) → fx, fy, cx, cy. Skew must be 0. */
export function intrinsicsFromK(K: readonly (readonly number[])[]): Intrinsics {
  const fx = K[0]?.[0];
  const fy = K[1]?.[1];
  const cx = K[0]?.[2];
  const cy = K[1]?.[2];
  if (fx === undefined || fy === undefined || cx === undefined || cy === undefined) {
    throw new Error('intrinsics: K must be a 3×3 matrix');
  }
  if (Math.abs(K[0]?.[1] ?? 0) > 1e-12) throw new Error(`intrinsics: K has skew ${K[0]?.[1]}, expected 0`);
  return { fx, fy, cx, cy };
}

function checkMat4(m: Mat4, what: string): void {
  if (m.length !== 4 || m.some((r) => r.length !== 4)) throw new Error(`${what}: expected a 4×4 matrix`);
}

/** Inverse of a rigid 4×4 [R | t]: [Rᵀ | −Rᵀ t] (scale-free rotations only). */
export function invertRigid(m: Mat4): Mat4 {
  checkMat4(m, 'invertRigid');
  const r = (i: number, j: number) => m[i]![j]!;
  const out: Mat4 = [
    [0, 0, 0, 0],
    [0, 0, 0, 0],
    [0, 0, 0, 0],
    [0, 0, 0, 1],
  ];
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 3; j++) out[i]![j] = r(j, i);
    out[i]![3] = -(r(0, i) * r(0, 3) + r(1, i) * r(1, 3) + r(2, i) * r(2, 3));
  }
  return out;
}

const FLIP_YZ = [1, -1, -1];

/** Camera-frame conversion between OpenCV and OpenGL axes: a diagonal flip of y and z. */
function flipRows(m: Mat4): Mat4 {
  return m.map((row, i) => (i < 3 ? row.map((v) => v * FLIP_YZ[i]!) : [...row]));
}

/** World-to-camera matrix in the requested camera-axes convention. */
export function worldToCamera(cam: Camera, convention: CameraConvention): Mat4 {
  checkMat4(cam.worldToCamera, 'camera.worldToCamera');
  return cam.convention === convention ? cam.worldToCamera.map((r) => [...r]) : flipRows(cam.worldToCamera);
}

/** Camera-to-world matrix in the requested convention. */
export function cameraToWorld(cam: Camera, convention: CameraConvention): Mat4 {
  return invertRigid(worldToCamera(cam, convention));
}

/** Camera centre in world coordinates. */
export function cameraCenter(cam: Camera): Vec3 {
  const c2w = invertRigid(cam.worldToCamera);
  return [c2w[0]![3]!, c2w[1]![3]!, c2w[2]![3]!];
}

/** Upper-left 3×3 of a 4×4 matrix. */
export function rotationPart(m: Mat4): Mat3 {
  return [
    [m[0]![0]!, m[0]![1]!, m[0]![2]!],
    [m[1]![0]!, m[1]![1]!, m[1]![2]!],
    [m[2]![0]!, m[2]![1]!, m[2]![2]!],
  ];
}

/**
 * OpenGL look-at camera-to-world (columns = camera x, y, z axes in world, last column = eye), as the
 * original's `m3dLookAt`: z points from the target to the eye, so the camera looks along −z.
 */
export function lookAtOpenGL(eye: Vec3, target: Vec3, up: Vec3): Mat4 {
  const sub = (a: Vec3, b: Vec3): Vec3 => [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
  const norm = (a: Vec3): Vec3 => {
    const l = Math.hypot(a[0], a[1], a[2]);
    if (l === 0) throw new Error('lookAt: degenerate vector (eye = target, or up parallel to the view direction)');
    return [a[0] / l, a[1] / l, a[2] / l];
  };
  const cross = (a: Vec3, b: Vec3): Vec3 => [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
  const z = norm(sub(eye, target));
  const x = norm(cross(up, z));
  const y = cross(z, x);
  return [
    [x[0], y[0], z[0], eye[0]],
    [x[1], y[1], z[1], eye[1]],
    [x[2], y[2], z[2], eye[2]],
    [0, 0, 0, 1],
  ];
}

/** Camera from K, a world-to-camera matrix and its convention. */
export function makeCamera(
  width: number,
  height: number,
  K: readonly (readonly number[])[],
  worldToCam: Mat4,
  convention: CameraConvention,
): Camera {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new Error(`camera: image size must be positive integers, got ${width}×${height}`);
  }
  checkMat4(worldToCam, 'camera world-to-camera');
  return { width, height, intrinsics: intrinsicsFromK(K), worldToCamera: worldToCam.map((r) => [...r]), convention };
}

/**
 * Pinhole projection of world points to pixels (plain pinhole, no W/(W−1) factor), with the camera
 * depth (positive in front of the camera). Used by landmark losses and tests.
 */
export function projectPoints(cam: Camera, points: ArrayLike<number>): { uv: Float64Array; depth: Float64Array } {
  const m = worldToCamera(cam, 'opencv');
  const n = Math.floor(points.length / 3);
  const uv = new Float64Array(2 * n);
  const depth = new Float64Array(n);
  const { fx, fy, cx, cy } = cam.intrinsics;
  for (let i = 0; i < n; i++) {
    const p = [points[3 * i]!, points[3 * i + 1]!, points[3 * i + 2]!];
    const c = [0, 1, 2].map((r) => m[r]![0]! * p[0]! + m[r]![1]! * p[1]! + m[r]![2]! * p[2]! + m[r]![3]!);
    uv[2 * i] = (fx * c[0]!) / c[2]! + cx;
    uv[2 * i + 1] = (fy * c[1]!) / c[2]! + cy;
    depth[i] = c[2]!;
  }
  return { uv, depth };
}
