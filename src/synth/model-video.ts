/**
 * Synthetic videos rendered by a MonoNPHM model itself, with known codes: an identity and an
 * appearance drawn from the model's latent statistics, an expression that changes per frame (blends
 * of named expression codes: an open jaw, a smile), known head poses, lighting and camera. The
 * tracker's renderer draws the frames, the silhouette gives the masks, the model's posed anchors
 * projected give the landmarks, and the model's own mesh is the ground truth. Tracking such a
 * sequence has no domain gap: whatever it fails to recover is the optimiser's or the gradients'.
 *
 * Frames use the procedural videos' camera and file format (video.ts), so the studio's VideoSource,
 * Landmarks and Segmentation nodes read them like the sample.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { NphmModel } from '../nphm/model.ts';
import type { LatentStats } from '../nphm/latent-stats.ts';
import { makeCamera, type Camera } from '../render/camera.ts';
import { cameraRays } from '../render/rays.ts';
import { renderChunked, shRotation } from '../render/render.ts';
import { modelRenderField } from '../render/model-field.ts';
import { so3ExpNumbers } from '../render/pose.ts';
import type { MeshData } from '../render/mesh.ts';
import { projectToPixels } from '../track/projection.ts';
import { meshCodes, withCodes, type Codes } from '../track/state-render.ts';
import type { LandmarkPairs, TrackingFrame } from '../track/state.ts';
import { Rng } from '../graph/rng.ts';
import { sequenceCamera } from './video.ts';
import type { PinholeCamera } from './raytrace.ts';

export interface ModelVideoOptions {
  frames: number;
  size: number;
  seed: number;
  /** Identity and appearance: z = μ + spread·σ·ε. */
  spread: number;
  /** Named expression codes (e.g. from `nphm fit-expressions`); frames blend them. */
  expressions: Readonly<Record<string, Float32Array>>;
  /** Marching-cubes resolution of the ground-truth meshes. */
  meshResolution: number;
  /** Coarse and importance samples per ray of the frames' render (default 64 each). */
  samples?: number;
  pairs: LandmarkPairs;
}

export interface ModelVideoFrame {
  index: number;
  width: number;
  height: number;
  /** [H·W·3] sRGB bytes. */
  rgb: Uint8Array;
  /** [H·W] 2 (skin) inside the silhouette (Σw > 0.5), 0 outside. */
  labels: Uint8Array;
  /** 68 × (u, v); landmarks without an anchor pair (or whose anchor did not converge) are not visible. */
  landmarks2d: Float64Array;
  visible: Uint8Array;
  /** Head pose model → world (the synthetic videos' convention) and the tracker's residual (world → model). */
  pose: { omega: [number, number, number]; R: number[]; t: [number, number, number] };
  residual: { rot: number[]; trans: number[] };
  /** Weights of the named expressions in this frame, and the code they give. */
  expressionWeights: Record<string, number>;
  zExp: Float32Array;
  /** World-space ground-truth mesh with vertex normals. */
  mesh: MeshData & { normals: Float32Array };
}

export interface ModelVideoSetup {
  camera: PinholeCamera;
  zGeo: Float32Array;
  zApp: Float32Array;
  /** [9·3] SH coefficients of the lighting. */
  sh: Float32Array;
}

/** The lighting of every frame: a key light from the upper front over a strong ambient term. */
export const MODEL_VIDEO_SH = Float32Array.from([3.2, 3.1, 3.0, 0.3, 0.25, 0.2, 0.5, 0.45, 0.4, 0.4, 0.4, 0.4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);

/**
 * Expression weights of frame f: a mild smile, an open jaw, a full smile, then both half-way, in a
 * cycle, so every expression appears within four frames and the first frame is not neutral.
 */
export function expressionProgramme(names: readonly string[], f: number): Record<string, number> {
  const [a, b] = [names[0], names[1] ?? names[0]];
  const keys: Record<string, number>[] = [
    { [b!]: 0.5 },
    { [a!]: 1 },
    { [b!]: 1 },
    { [a!]: 0.6, [b!]: 0.6 },
  ];
  return keys[f % keys.length]!;
}

/** Head pose (model → world) of frame f: slow turns up to ±0.25 rad of yaw, a little pitch and roll, a few mm of motion. */
export function modelVideoPose(f: number, frames: number, seed: number): { omega: [number, number, number]; t: [number, number, number] } {
  const rng = new Rng(seed ^ 0x9e3779b9);
  const ph = Array.from({ length: 6 }, () => rng.uniform(0, 2 * Math.PI));
  const s = (frames > 1 ? f / (frames - 1) : 0) * 2 * Math.PI;
  return {
    omega: [0.06 * Math.sin(s + ph[0]!), 0.25 * Math.sin(0.8 * s + ph[1]!), 0.04 * Math.sin(s + ph[2]!)],
    t: [0.01 * Math.sin(s + ph[3]!), 0.008 * Math.sin(s + ph[4]!), 0.01 * Math.sin(s + ph[5]!)],
  };
}

/** The studio camera of a synthetic video's pinhole camera. */
export function pinholeToCamera(c: PinholeCamera): Camera {
  const R = c.R, t = c.t;
  return makeCamera(c.width, c.height, [[c.fx, 0, c.cx], [0, c.fy, c.cy], [0, 0, 1]], [[R[0]!, R[1]!, R[2]!, t[0]!], [R[3]!, R[4]!, R[5]!, t[1]!], [R[6]!, R[7]!, R[8]!, t[2]!], [0, 0, 0, 1]], 'opencv');
}

/** Rotates [n·3] vectors by R (row-major 3×3 as number[][]). */
function rotate(v: Float32Array, R: number[][]): Float32Array {
  const out = new Float32Array(v.length);
  for (let i = 0; i < v.length; i += 3) for (let r = 0; r < 3; r++) out[i + r] = R[r]![0]! * v[i]! + R[r]![1]! * v[i + 1]! + R[r]![2]! * v[i + 2]!;
  return out;
}

/** Renders the sequence frame by frame; `onFrame` receives each frame as it is done. */
export async function renderModelVideo(model: NphmModel, stats: LatentStats, o: ModelVideoOptions, onFrame: (f: ModelVideoFrame) => Promise<void> | void): Promise<ModelVideoSetup> {
  const names = Object.keys(o.expressions);
  if (!names.length) throw new Error('model video: no named expressions given');
  for (const [n, z] of Object.entries(o.expressions)) if (z.length !== model.sizes.zExpDim) throw new Error(`model video: expression '${n}' has ${z.length} values, the model's z_exp has ${model.sizes.zExpDim}`);
  const rng = new Rng(o.seed);
  const draw = (st: LatentStats['geo']) => Float32Array.from(st.mean, (m, i) => m + o.spread * st.std[i]! * rng.normal());
  const zGeo = draw(stats.geo), zApp = draw(stats.app);
  const pc = sequenceCamera(o.size);
  const camera = pinholeToCamera(pc);
  const W = o.size, H = o.size;
  for (let f = 0; f < o.frames; f++) {
    const weights = expressionProgramme(names, f);
    const zExp = new Float32Array(model.sizes.zExpDim);
    for (const [n, w] of Object.entries(weights)) o.expressions[n]!.forEach((v, i) => (zExp[i] = zExp[i]! + w * v));
    const { omega, t } = modelVideoPose(f, o.frames, o.seed);
    const Rh = so3ExpNumbers(omega);
    // Residual (world → model) of the head pose x_w = R_h x_m + t: R_hᵀ, −R_hᵀ t.
    const residual = { rot: omega.map((x) => -x), trans: [0, 1, 2].map((i) => -(Rh[0]![i]! * t[0] + Rh[1]![i]! * t[1] + Rh[2]![i]! * t[2])) };
    const codes: Codes = { zGeo, zApp, zExp };
    const frame = await withCodes(model, codes, async (cond) => {
      const pose = { rot: tf.tensor1d(residual.rot), trans: tf.tensor1d(residual.trans) };
      const sh = tf.tensor2d(MODEL_VIDEO_SH, [9, 3]);
      try {
        const img = await renderChunked(modelRenderField(model, cond), cameraRays(camera), { pose, sh, w2cRotation: shRotation(camera) }, { variance: 0.8, nCoarse: o.samples ?? 64, nImportance: o.samples ?? 64, chunk: 512 });
        const rgb = new Uint8Array(3 * W * H);
        img.rgb.forEach((v, i) => (rgb[i] = Math.round(Math.min(1, Math.max(0, (v + 1) / 2)) * 255)));
        const labels = Uint8Array.from(img.weightsSum, (w) => (w > 0.5 ? 2 : 0));
        const sol = await model.solveAnchors(cond);
        const proj = tf.tidy(() => projectToPixels(tf.tensor2d(sol.points, [sol.points.length / 3, 3]), pose, camera));
        const uv = (await proj.data()) as Float32Array;
        proj.dispose();
        const landmarks2d = new Float64Array(136);
        const visible = new Uint8Array(68);
        for (const [a, l] of o.pairs.pairs) {
          if (!sol.valid[a]) continue;
          landmarks2d[2 * l] = uv[2 * a]!;
          landmarks2d[2 * l + 1] = uv[2 * a + 1]!;
          visible[l] = 1;
        }
        return { rgb, labels, landmarks2d, visible };
      } finally {
        tf.dispose([pose.rot, pose.trans, sh]);
      }
    });
    const m = await meshCodes(model, codes, { resolution: o.meshResolution, colors: true, normals: 'field' });
    const positions = new Float32Array(m.positions.length);
    for (let i = 0; i < positions.length; i += 3) for (let r = 0; r < 3; r++) positions[i + r] = Rh[r]![0]! * m.positions[i]! + Rh[r]![1]! * m.positions[i + 1]! + Rh[r]![2]! * m.positions[i + 2]! + t[r]!;
    const mesh = { ...m, positions, normals: rotate(m.normals!, Rh) };
    await onFrame({ index: f, width: W, height: H, ...frame, pose: { omega, R: Rh.flat(), t }, residual, expressionWeights: weights, zExp, mesh });
  }
  return { camera: pc, zGeo, zApp, sh: MODEL_VIDEO_SH };
}

/** A frame as the tracker takes it (what VideoSource, Landmarks and Segmentation give for the files). */
export function trackingFrameOf(f: ModelVideoFrame, camera: Camera): TrackingFrame {
  const landmarks = new Float32Array(136).fill(NaN);
  for (let k = 0; k < 68; k++) if (f.visible[k]) landmarks.set([f.landmarks2d[2 * k]!, f.landmarks2d[2 * k + 1]!], 2 * k);
  return { width: f.width, height: f.height, rgb: Float32Array.from(f.rgb, (v) => (v / 255) * 2 - 1), labels: f.labels, landmarks, camera };
}
