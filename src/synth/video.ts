/**
 * Synthetic videos with ground truth: one procedural head moving (small rotations and translations)
 * and changing expression in front of a fixed pinhole camera, rendered by sphere tracing the
 * procedural field (not a learned model). Per frame: RGB, region labels, iBUG-68 landmarks (2-D +
 * visibility, and 3-D), the 65 anchors, pose, expression and a ground-truth mesh.
 *
 * Conventions:
 * - Camera: OpenCV, world→camera x_c = R·x_w + t, u = fx·x_c/z_c + cx, v = fy·y_c/z_c + cy, pixel
 *   centres at integer (u, v) (src/render/camera.ts).
 * - Head pose: x_world = R_head·x_model + t_head; model = world at the identity pose. R_head =
 *   exp([ω]×) (axis-angle ω, as MonoNPHM's residual pose but from model to world).
 * - Meshes are written in WORLD space (posed): marching cubes of the field, vertices projected onto
 *   the exact zero level set, vertex normals from the analytic field.
 */
import { marchingCubesLayers, type TriangleMesh } from '../render/marching-cubes.ts';
import { ProceduralHead } from './head.ts';
import { EXPRESSION_PARAMS, randomAppearance, randomIdentity, type HeadParams, type ParamValues } from './params.ts';
import { axisAngleToMatrix, renderHead, traceRay, RayFrame, type HeadPoseRt, type PinholeCamera, type RenderedFrame } from './raytrace.ts';
import { Rng } from '../graph/rng.ts';

export interface SequenceOptions {
  frames: number;
  size: number;
  seed: number;
  /** grid spacing of the ground-truth meshes in model units (0 = no meshes) */
  meshSpacing?: number;
  /** override the random identity / appearance */
  identity?: ParamValues;
  appearance?: ParamValues;
}

export interface FrameTruth {
  index: number;
  render: RenderedFrame;
  /** axis-angle ω and translation of the head (model → world) */
  pose: { omega: [number, number, number]; R: number[]; t: [number, number, number] };
  expression: ParamValues;
  /** 68 × (u, v) pixel coordinates */
  landmarks2d: Float64Array;
  /** 68 visibility flags (1 = visible from the camera) */
  visible: Uint8Array;
  /** 68 × 3 world-space landmarks */
  landmarks3d: Float64Array;
  /** 65 × 3 anchors in model space (expression applied, no pose) */
  anchors: Float64Array;
  /** world-space ground-truth mesh (if meshSpacing > 0) */
  mesh?: TriangleMesh & { normals: Float32Array; colors: Float32Array };
}

export interface SequenceSetup {
  camera: PinholeCamera;
  params: { identity: ParamValues; appearance: ParamValues };
}

/** The camera of every sequence: 2.6 units (65 cm) in front of the head, looking at it. */
export function sequenceCamera(size: number): PinholeCamera {
  const f = 2.0 * size;
  const C = [0, -0.05, 2.6];
  const R = [1, 0, 0, 0, -1, 0, 0, 0, -1];
  const t = [-(R[0]! * C[0]! + R[1]! * C[1]! + R[2]! * C[2]!), -(R[3]! * C[0]! + R[4]! * C[1]! + R[5]! * C[2]!), -(R[6]! * C[0]! + R[7]! * C[1]! + R[8]! * C[2]!)];
  return { width: size, height: size, fx: f, fy: f, cx: (size - 1) / 2, cy: (size - 1) / 2, R, t };
}

/**
 * Smooth per-frame trajectories: each expression unit is a clipped sum of two sinusoids with random
 * phases (so it rests at neutral part of the time), plus blinks; the pose is a sum of sinusoids.
 */
export function sequenceTrajectory(frames: number, seed: number): { expression: ParamValues[]; omega: [number, number, number][]; t: [number, number, number][] } {
  const rng = new Rng(seed ^ 0x5eed);
  const T = Math.max(frames, 2);
  const waves = EXPRESSION_PARAMS.map((s) => ({
    s,
    f1: rng.uniform(0.5, 1.5), p1: rng.uniform(0, 2 * Math.PI),
    f2: rng.uniform(1.5, 3), p2: rng.uniform(0, 2 * Math.PI),
    amp: rng.uniform(0.5, 0.9),
  }));
  const blinkAt = rng.int(T);
  const posePh = Array.from({ length: 6 }, () => rng.uniform(0, 2 * Math.PI));
  const expression: ParamValues[] = [];
  const omega: [number, number, number][] = [];
  const t: [number, number, number][] = [];
  for (let i = 0; i < frames; i++) {
    const u = i / (T - 1);
    const e: ParamValues = {};
    for (const w of waves) {
      const raw = 0.6 * Math.sin(2 * Math.PI * w.f1 * u + w.p1) + 0.4 * Math.sin(2 * Math.PI * w.f2 * u + w.p2);
      let v: number;
      if (w.s.min < 0) v = Math.max(-1, Math.min(1, 0.6 * w.amp * raw));
      else v = Math.max(0, Math.min(1, w.amp * (raw - 0.25) * 1.4));
      e[w.s.name] = Math.round(v * 1e4) / 1e4;
    }
    // the jaw opens over the middle third so every sequence shows the mouth interior
    const jaw = Math.max(0, Math.sin(Math.PI * Math.min(1, Math.max(0, (u - 0.3) / 0.4))));
    e.jawOpen = Math.round(Math.max(e.jawOpen ?? 0, 0.9 * jaw) * 1e4) / 1e4;
    // one blink of both eyes
    const db = Math.abs(i - blinkAt);
    if (db <= 1) { const b = db === 0 ? 1 : 0.5; e.eyeCloseL = Math.max(e.eyeCloseL ?? 0, b); e.eyeCloseR = Math.max(e.eyeCloseR ?? 0, b); }
    expression.push(e);
    const a = 2 * Math.PI * u;
    omega.push([
      0.12 * Math.sin(a + posePh[0]!), // pitch
      0.35 * Math.sin(a * 0.8 + posePh[1]!), // yaw
      0.08 * Math.sin(a * 1.3 + posePh[2]!), // roll
    ]);
    t.push([0.05 * Math.sin(a + posePh[3]!), 0.03 * Math.sin(a * 1.1 + posePh[4]!), 0.06 * Math.sin(a * 0.7 + posePh[5]!)]);
  }
  return { expression, omega, t };
}

/** Identity and appearance of a sequence (random for the seed unless given). */
export function sequenceParams(opts: SequenceOptions): { identity: ParamValues; appearance: ParamValues } {
  const rng = new Rng(opts.seed);
  const identity = opts.identity ?? randomIdentity(rng.fork(1), 0.45);
  const appearance = opts.appearance ?? randomAppearance(rng.fork(2));
  return { identity, appearance };
}

function transformPoint(R: number[], t: readonly number[], x: number, y: number, z: number, out: Float64Array | Float32Array, o: number): void {
  out[o] = R[0]! * x + R[1]! * y + R[2]! * z + t[0]!;
  out[o + 1] = R[3]! * x + R[4]! * y + R[5]! * z + t[1]!;
  out[o + 2] = R[6]! * x + R[7]! * y + R[8]! * z + t[2]!;
}

/** Ground-truth mesh of a head (model space) by marching cubes, moved to world by the pose. */
export function groundTruthMesh(head: ProceduralHead, spacing: number, pose: HeadPoseRt): TriangleMesh & { normals: Float32Array; colors: Float32Array } {
  const min: [number, number, number] = [-0.45, -0.8, -0.72];
  const max: [number, number, number] = [0.45, 0.72, 0.42];
  const dims: [number, number, number] = [0, 1, 2].map((c) => Math.floor((max[c]! - min[c]!) / spacing) + 1) as [number, number, number];
  const [nx, ny] = dims;
  const layer = new Float32Array(nx * ny);
  const mesh = marchingCubesLayers({ dims, origin: min, spacing: [spacing, spacing, spacing] }, (k) => {
    const z = min[2] + k * spacing;
    for (let j = 0; j < ny; j++) {
      const y = min[1] + j * spacing;
      for (let i = 0; i < nx; i++) {
        // close the bust at the bottom of the box
        const d = head.sdf(min[0] + i * spacing, y, z);
        layer[i + nx * j] = j === 0 ? Math.max(d, spacing) : d;
      }
    }
    return layer;
  });
  const nv = mesh.positions.length / 3;
  const normals = new Float32Array(3 * nv);
  const colors = new Float32Array(3 * nv);
  const pos = mesh.positions;
  const n3 = new Float64Array(3);
  const p3 = new Float64Array(3);
  for (let v = 0; v < nv; v++) {
    // marching cubes puts vertices on grid edges by linear interpolation; move them onto the
    // exact zero level set (two Newton steps) so the ground truth does not carry that error
    p3[0] = pos[3 * v]!; p3[1] = pos[3 * v + 1]!; p3[2] = pos[3 * v + 2]!;
    if (head.project(p3, 0, 2) < 1e-4) { pos[3 * v] = p3[0]; pos[3 * v + 1] = p3[1]; pos[3 * v + 2] = p3[2]; }
    const x = pos[3 * v]!, y = pos[3 * v + 1]!, z = pos[3 * v + 2]!;
    head.normal(x, y, z, n3, 0);
    head.shade(x, y, z, colors, 3 * v);
    transformPoint(pose.R, [0, 0, 0], n3[0]!, n3[1]!, n3[2]!, normals, 3 * v);
    transformPoint(pose.R, pose.t, x, y, z, pos, 3 * v);
  }
  return { positions: pos, indices: mesh.indices, normals, colors };
}

/** Projects model-space points (posed by `pose`) and tests their visibility by tracing towards them. */
export function projectLandmarks(head: ProceduralHead, cam: PinholeCamera, pose: HeadPoseRt, model: Float64Array): { uv: Float64Array; visible: Uint8Array; world: Float64Array } {
  const n = model.length / 3;
  const uv = new Float64Array(2 * n);
  const visible = new Uint8Array(n);
  const world = new Float64Array(3 * n);
  const frame = new RayFrame(cam, pose);
  const c = new Float64Array(3);
  for (let i = 0; i < n; i++) {
    const mx = model[3 * i]!, my = model[3 * i + 1]!, mz = model[3 * i + 2]!;
    transformPoint(pose.R, pose.t, mx, my, mz, world, 3 * i);
    transformPoint(cam.R, cam.t, world[3 * i]!, world[3 * i + 1]!, world[3 * i + 2]!, c, 0);
    uv[2 * i] = (cam.fx * c[0]!) / c[2]! + cam.cx;
    uv[2 * i + 1] = (cam.fy * c[1]!) / c[2]! + cam.cy;
    // trace from the camera centre towards the landmark; visible if nothing is hit well before it
    let dx = mx - frame.ox, dy = my - frame.oy, dz = mz - frame.oz;
    const L = Math.sqrt(dx * dx + dy * dy + dz * dz);
    dx /= L; dy /= L; dz /= L;
    const hit = traceRay(head, frame.ox, frame.oy, frame.oz, dx, dy, dz, 300, L + 0.01);
    visible[i] = hit >= L - 0.006 ? 1 : 0;
  }
  return { uv, visible, world };
}

/**
 * Renders a sequence frame by frame; `onFrame` receives each frame's truth as soon as it is ready
 * (so callers can write it and let it go).
 */
export async function renderSequence(opts: SequenceOptions, onFrame: (f: FrameTruth) => void | Promise<void>): Promise<SequenceSetup> {
  if (!(opts.frames >= 1)) throw new Error(`renderSequence: frames must be ≥ 1, got ${opts.frames}`);
  if (!(opts.size >= 16)) throw new Error(`renderSequence: size must be ≥ 16 px, got ${opts.size}`);
  const camera = sequenceCamera(opts.size);
  const params = sequenceParams(opts);
  const traj = sequenceTrajectory(opts.frames, opts.seed);
  for (let i = 0; i < opts.frames; i++) {
    const expression = traj.expression[i]!;
    const head = new ProceduralHead({ identity: params.identity, appearance: params.appearance, expression } as HeadParams);
    const omega = traj.omega[i]!;
    const R = axisAngleToMatrix(omega[0], omega[1], omega[2]);
    const pose: HeadPoseRt = { R, t: traj.t[i]! };
    const render = renderHead(head, camera, pose);
    const lm = projectLandmarks(head, camera, pose, head.landmarks());
    const frame: FrameTruth = {
      index: i,
      render,
      pose: { omega, R, t: traj.t[i]! },
      expression,
      landmarks2d: lm.uv,
      visible: lm.visible,
      landmarks3d: lm.world,
      anchors: head.anchors(),
    };
    if (opts.meshSpacing && opts.meshSpacing > 0) frame.mesh = groundTruthMesh(head, opts.meshSpacing, pose);
    await onFrame(frame);
  }
  return { camera, params };
}
