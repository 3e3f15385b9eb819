/**
 * The ray part of one tracking step on one chunk of rays, as plain data in and out, so that the
 * same code runs in the tracker's thread and in a worker that holds its own copy of the model.
 *
 * A chunk's objective is w_rgb · (its share of the colour L1) + w_mask · Σ_i (∂L_mask/∂P_i) · P_i,
 * the silhouette term linearised at the whole batch's silhouettes (step.ts explains why that has
 * the exact gradient). Its gradient is taken w.r.t. the scene's inputs — codes, pose, SH, colour
 * correction — not the optimiser's variables: a worker knows nothing of the code space, and the
 * tracker chains the summed input gradients through it in one small backward pass (the chain rule
 * makes the two equal).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Conditioning, NphmModel } from '../nphm/model.ts';
import type { Mat3 } from '../render/camera.ts';
import { modelRenderField } from '../render/model-field.ts';
import type { RayBatch } from '../render/rays.ts';
import { renderRays, type RenderOptions, type RenderParams } from '../render/render.ts';
import { maskLossGradient, rgbL1Loss } from './losses.ts';

/** The inputs of a frame's render that the objective is differentiated by. */
export const SCENE_INPUTS = ['zGeo', 'zApp', 'zExp', 'rot', 'trans', 'sh', 'colorA', 'colorB'] as const;
export type SceneInput = (typeof SCENE_INPUTS)[number];

export type SceneTensors = Record<SceneInput, tf.Tensor>;
/** Row-major values of every scene input (zExp [1, De], sh [9, 3], colorA [3, 3], colorB [1, 3]). */
export type SceneValues = Record<SceneInput, Float32Array>;

export interface RayChunk {
  rays: RayBatch;
  /** Render options with this chunk's bounds and jitter (render.ts `chunkOptions`). */
  options: RenderOptions;
  w2cRotation: Mat3;
  /** [n·3] target colours and [n] colour weights of the chunk's rays. */
  targetRgb: Float32Array;
  rayWeights: Float32Array;
  /** The chunk's share of the batch, n / R (the colour loss is a mean over the batch). */
  share: number;
  weights: { rgb: number; mask: number };
  /** ∂L_mask/∂P_i of the whole batch at the chunk's rays; absent without a silhouette term. */
  dMask?: Float32Array;
  /** Instead of `dMask`: where the batch's chunks meet to compute it (see MaskBarrier). */
  barrier?: MaskBarrier;
}

/**
 * The chunks of one batch, each on its own thread and all running at once, meet after their
 * forward pass: each writes its silhouettes into shared memory, the last to arrive computes the
 * batch's ∂L_mask/∂P for everyone, and each then linearises its silhouette term with it in the
 * same tape. The batch so needs no separate silhouette pass, which on this model costs about as
 * much as the backward pass the threads share.
 */
export interface MaskBarrier {
  /** Int32 [arrived, state]; state 0: waiting, 1: gradient ready, 2: abandoned. */
  sync: SharedArrayBuffer;
  /** Float32 [R] silhouettes, [R] ∂L/∂P, [1] the loss. */
  values: SharedArrayBuffer;
  labels: Uint8Array;
  chunks: number;
  /** The chunk's first ray in the batch (set per chunk). */
  start: number;
  /** A safety net against a partner that never arrives (its failure abandons the barrier first). */
  timeoutMs: number;
}

export function maskBarrier(labels: Uint8Array, chunks: number, timeoutMs = 600_000): MaskBarrier {
  return { sync: new SharedArrayBuffer(8), values: new SharedArrayBuffer(4 * (2 * labels.length + 1)), labels, chunks, start: 0, timeoutMs };
}

/** Wakes the chunks waiting at `b` with an error (a partner failed). */
export function abandonBarrier(b: MaskBarrier): void {
  const sync = new Int32Array(b.sync);
  Atomics.compareExchange(sync, 1, 0, 2);
  Atomics.notify(sync, 1);
}

/** The batch's mask loss, once every chunk has passed the barrier. */
export function barrierLoss(b: MaskBarrier): number {
  return new Float32Array(b.values)[2 * b.labels.length]!;
}

/** Synchronous: it runs inside the chunk's tape, between its forward and its backward pass. */
function meetAtBarrier(b: MaskBarrier, silhouette: tf.Tensor1D): Float32Array {
  const R = b.labels.length;
  const n = silhouette.shape[0];
  const shared = new Float32Array(b.values);
  shared.set(silhouette.dataSync() as Float32Array, b.start);
  const sync = new Int32Array(b.sync);
  if (Atomics.add(sync, 0, 1) + 1 === b.chunks) {
    try {
      const { value, grad } = maskLossGradient(shared.slice(0, R), b.labels);
      shared.set(grad.dataSync() as Float32Array, R);
      shared[2 * R] = value.dataSync()[0]!;
      tf.dispose([value, grad]);
      Atomics.compareExchange(sync, 1, 0, 1);
    } finally {
      abandonBarrier(b);
    }
  } else if (Atomics.wait(sync, 1, 0, b.timeoutMs) === 'timed-out') {
    throw new Error(`ray workers: the other chunks of the step did not arrive within ${b.timeoutMs / 1000} s`);
  }
  if (Atomics.load(sync, 1) !== 1) throw new Error('ray workers: another chunk of the step failed');
  return shared.slice(R + b.start, R + b.start + n);
}

export interface ChunkGradients {
  grads: SceneValues;
  /** The chunk's share of the unweighted colour loss (0 without a colour term). */
  rgb: number;
}

/** A frame's render under `scene`: the model's conditioning, its field and the render parameters. */
export function sceneRender(model: NphmModel, scene: SceneTensors, w2cRotation: Mat3) {
  const cond = model.condition({ zGeo: scene.zGeo, zApp: scene.zApp, zExp: scene.zExp });
  const renderParams = { pose: { rot: scene.rot, trans: scene.trans }, sh: scene.sh, w2cRotation, colorA: scene.colorA, colorB: scene.colorB };
  return { cond, field: modelRenderField(model, cond), renderParams };
}

/** The chunk's rendered rays under `scene`. */
function renderChunk(model: NphmModel, scene: SceneTensors, chunk: RayChunk) {
  const r = sceneRender(model, scene, chunk.w2cRotation);
  return renderRays(r.field, chunk.rays, r.renderParams, chunk.options);
}

/** The rays' share of the batch's colour L1: rgbL1Loss over them, scaled by their share n / R. */
export function rgbShare(rgb: tf.Tensor2D, rays: Pick<RayChunk, 'targetRgb' | 'rayWeights' | 'share'>): tf.Scalar {
  return tf.tidy(() => tf.mul(rgbL1Loss(rgb, tf.tensor2d(rays.targetRgb, [rgb.shape[0], 3]), tf.tensor1d(rays.rayWeights)), rays.share) as tf.Scalar);
}

/** The chunk's weighted objective and its unweighted colour share (kept: the caller disposes it). */
export function chunkObjective(model: NphmModel, scene: SceneTensors, chunk: RayChunk): { objective: tf.Scalar; rgb?: tf.Scalar } {
  const out = renderChunk(model, scene, chunk);
  const terms: tf.Tensor[] = [];
  let rgb: tf.Scalar | undefined;
  if (chunk.weights.rgb > 0) {
    rgb = tf.keep(rgbShare(out.rgb, chunk));
    terms.push(tf.mul(rgb, chunk.weights.rgb));
  }
  const dMask = chunk.weights.mask > 0 ? (chunk.barrier ? meetAtBarrier(chunk.barrier, out.weightsSum) : chunk.dMask) : undefined;
  if (dMask) terms.push(tf.mul(tf.sum(tf.mul(out.weightsSum, tf.tensor1d(dMask))), chunk.weights.mask));
  const objective = (terms.length ? tf.addN(terms) : tf.scalar(0)) as tf.Scalar;
  return rgb ? { objective, rgb } : { objective };
}

/** The chunk's silhouettes P (no tape). */
export async function chunkSilhouette(model: NphmModel, scene: SceneTensors, chunk: RayChunk): Promise<Float32Array> {
  const sil = tf.tidy(() => renderChunk(model, scene, chunk).weightsSum);
  try {
    return (await sil.data()) as Float32Array;
  } finally {
    sil.dispose();
  }
}

const SHAPES = (v: SceneValues): Record<SceneInput, number[]> => ({
  zGeo: [v.zGeo.length],
  zApp: [v.zApp.length],
  zExp: [1, v.zExp.length],
  rot: [3],
  trans: [3],
  sh: [9, 3],
  colorA: [3, 3],
  colorB: [1, 3],
});

/** Tensors of `values` (the caller disposes them). */
export function sceneTensors(values: SceneValues): SceneTensors {
  const shapes = SHAPES(values);
  return Object.fromEntries(SCENE_INPUTS.map((k) => [k, tf.tensor(values[k], shapes[k])])) as SceneTensors;
}

/** Values of the scene's tensors. */
export async function sceneValues(scene: SceneTensors): Promise<SceneValues> {
  const out = {} as SceneValues;
  for (const k of SCENE_INPUTS) out[k] = (await scene[k].data()) as Float32Array;
  return out;
}

/**
 * 0 · Σ xs: keeps every differentiated tensor on the tape, so terms that reach none of them (no
 * colour term for the appearance, landmarks without landmarks, regularisers of frozen codes) give
 * zero gradients instead of tfjs' "Cannot compute gradient" error.
 */
export function zeroLink(xs: readonly tf.Tensor[]): tf.Scalar {
  return tf.mul(tf.addN(xs.map((x) => tf.sum(x))), 0) as tf.Scalar;
}

/** The chunk objective's gradient w.r.t. every scene input, as values. */
export async function chunkGradients(model: NphmModel, values: SceneValues, chunk: RayChunk): Promise<ChunkGradients> {
  const inputs = sceneTensors(values);
  let rgb: tf.Scalar | undefined;
  const grads = tf.grads((...xs: tf.Tensor[]) => {
    const scene = Object.fromEntries(SCENE_INPUTS.map((k, i) => [k, xs[i]!])) as SceneTensors;
    const r = chunkObjective(model, scene, chunk);
    rgb = r.rgb;
    return tf.add(r.objective, zeroLink(xs)) as tf.Scalar;
  })(SCENE_INPUTS.map((k) => inputs[k]));
  try {
    const out = {} as SceneValues;
    for (const [i, k] of SCENE_INPUTS.entries()) out[k] = (await grads[i]!.data()) as Float32Array;
    return { grads: out, rgb: rgb ? (await rgb.data())[0]! : 0 };
  } finally {
    tf.dispose([...grads, ...Object.values(inputs), ...(rgb ? [rgb] : [])]);
  }
}

/** A range of a whole-image render without gradients (previews, overlays, exports). */
export interface RenderChunk {
  rays: RayBatch;
  options: RenderOptions;
}

/** What an image is rendered under: codes, and optionally a residual pose, lighting and colour correction. */
export interface RenderScene {
  zGeo: Float32Array;
  zApp: Float32Array;
  zExp: Float32Array;
  pose?: { rot: Float32Array; trans: Float32Array };
  /** [27] SH coefficients with the camera's rotation; shading 1 when absent. */
  sh?: { coefficients: Float32Array; w2cRotation: Mat3 };
  colorA?: Float32Array;
  colorB?: Float32Array;
}

export interface RenderedChunk {
  rgb: Float32Array;
  weightsSum: Float32Array;
  depth: Float32Array;
}

/** The conditioning of a render scene's codes (no tape; the caller disposes it). */
export function renderConditioning(model: NphmModel, scene: RenderScene): Conditioning {
  return tf.tidy(() => model.condition({ zGeo: tf.tensor1d(scene.zGeo), zApp: tf.tensor1d(scene.zApp), zExp: tf.tensor2d(scene.zExp, [1, scene.zExp.length]) }) as unknown as tf.TensorContainer) as unknown as Conditioning;
}

/** The render parameters of a scene as tensors (the caller disposes them, `disposeRenderParams`). */
export function renderSceneParams(scene: RenderScene): RenderParams {
  return {
    ...(scene.pose ? { pose: { rot: tf.tensor1d(scene.pose.rot), trans: tf.tensor1d(scene.pose.trans) } } : {}),
    ...(scene.sh ? { sh: tf.tensor2d(scene.sh.coefficients, [9, 3]), w2cRotation: scene.sh.w2cRotation } : {}),
    ...(scene.colorA ? { colorA: tf.tensor2d(scene.colorA, [3, 3]) } : {}),
    ...(scene.colorB ? { colorB: tf.tensor2d(scene.colorB, [1, 3]) } : {}),
  };
}

export function disposeRenderParams(p: RenderParams): void {
  for (const t of [p.pose?.rot, p.pose?.trans, p.sh, p.colorA, p.colorB]) t?.dispose();
}

/** Renders one chunk of an image (no tape) under the scene's conditioning `cond`. */
export async function chunkRender(model: NphmModel, cond: Conditioning, scene: RenderScene, chunk: RenderChunk): Promise<RenderedChunk> {
  const out = tf.tidy(() => {
    const r = renderRays(modelRenderField(model, cond), chunk.rays, renderSceneParams(scene), chunk.options);
    return [r.rgb, r.weightsSum, r.depth];
  });
  try {
    const [rgb, weightsSum, depth] = (await Promise.all(out.map((t) => t.data()))) as Float32Array[];
    return { rgb: rgb!, weightsSum: weightsSum!, depth: depth! };
  } finally {
    tf.dispose(out);
  }
}

/** Points of a mesh grid or of its vertices, and what is wanted there (no tape). */
export interface PointsChunk {
  points: Float32Array;
  want: 'sdf' | 'gradient' | 'color';
}

/** SDF [n], gradient [n·3] or colour [n·3] at the chunk's posed points, as the mesher asks for them. */
export async function chunkPoints(model: NphmModel, cond: Conditioning, chunk: PointsChunk): Promise<Float32Array> {
  const field = modelRenderField(model, cond);
  const t = tf.tidy(() => {
    const x = tf.tensor2d(chunk.points, [chunk.points.length / 3, 3]);
    return (chunk.want === 'sdf' ? field.sdf(x) : chunk.want === 'gradient' ? field.evaluate(x).gradient : field.color!(x)).reshape([-1]);
  });
  try {
    return (await t.data()) as Float32Array;
  } finally {
    t.dispose();
  }
}

/**
 * Where a step's ray chunks are evaluated when not in the tracker's own thread: a pool of workers
 * with their own copy of the model (Node: `src/parallel`). Results come back in chunk order.
 */
export interface RayChunkWorkers {
  /** How many chunks run at once. */
  readonly size: number;
  silhouettes(model: NphmModel, scene: SceneValues, chunks: readonly RayChunk[]): Promise<Float32Array[]>;
  gradients(model: NphmModel, scene: SceneValues, chunks: readonly RayChunk[]): Promise<ChunkGradients[]>;
  /** Evaluates the chunks of a mesh's points under the scene's codes. */
  points(model: NphmModel, scene: RenderScene, chunks: readonly PointsChunk[], opts?: { signal?: AbortSignal }): Promise<Float32Array[]>;
  /** Renders the chunks of an image; `onChunk` is told each one's index as it arrives. */
  render(model: NphmModel, scene: RenderScene, chunks: readonly RenderChunk[], opts?: { signal?: AbortSignal; onChunk?: (index: number, r: RenderedChunk) => void }): Promise<RenderedChunk[]>;
}
