/** Whole-image renders and meshes of given codes (no gradients): previews, overlays and exports. */
import * as tf from '@tensorflow/tfjs-core';
import type { NphmModel } from '../nphm/model.ts';
import { disposeConditioning } from '../nphm/conditioning.ts';
import type { Camera } from '../render/camera.ts';
import { extractMesh, type ExtractOptions, type MeshData, type PointBatch } from '../render/mesh.ts';
import { modelRenderField } from '../render/model-field.ts';
import { cameraRays, sliceRays, type RayBatch } from '../render/rays.ts';
import { imageChunkOptions, renderChunked, shRotation, type ImageRender, type RenderOptions } from '../render/render.ts';
import { disposeRenderParams, renderSceneParams, type RayChunkWorkers, type RenderScene } from './ray-chunk.ts';
import { installedRayWorkers } from './ray-workers.ts';
import { coarseToFineOrder, progressiveImage } from '../render/progressive.ts';
import type { TrackingState } from './state.ts';

export interface Codes {
  zGeo: Float32Array;
  zApp: Float32Array;
  zExp: Float32Array;
}

/** Lighting and colour correction of a render; defaults: shading 1, identity correction. */
export interface Look {
  sh?: Float32Array;
  colorA?: Float32Array;
  colorB?: Float32Array;
}

/**
 * A soft key light from the upper front in the SH-9 basis (for previews of untracked codes, where
 * the tracker's flat initial shading would hide the geometry).
 */
export const PREVIEW_SH = Float32Array.from([
  3.0, 3.0, 3.0, // ambient
  0.35, 0.35, 0.35, // x
  0.55, 0.55, 0.55, // y (up)
  0.7, 0.7, 0.7, // z (towards the camera)
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
]);

/** Runs `fn` with the conditioning of `codes`, disposing every tensor afterwards. */
export async function withCodes<T>(model: NphmModel, codes: Codes, fn: (cond: ReturnType<NphmModel['condition']>) => Promise<T>): Promise<T> {
  const t = { zGeo: tf.tensor1d(codes.zGeo), zApp: tf.tensor1d(codes.zApp), zExp: tf.tensor1d(codes.zExp) };
  const cond = model.condition(t);
  try {
    return await fn(cond);
  } finally {
    disposeConditioning(cond);
    tf.dispose([t.zGeo, t.zApp, t.zExp]);
  }
}

/** Renders codes under a camera and residual pose (world → model), chunked. */
export async function renderCodes(
  model: NphmModel,
  codes: Codes,
  camera: Camera,
  pose?: { rot: ArrayLike<number>; trans: ArrayLike<number> },
  look: Look = {},
  opts: {
    variance?: number;
    nCoarse?: number;
    nImportance?: number;
    chunk?: number;
    signal?: AbortSignal;
    onProgress?: (fraction: number) => void;
    /** Renders coarse to fine (render/progressive.ts) and hands over the whole image after each chunk. */
    onPartial?: (image: ImageRender, fraction: number) => void;
  } = {},
): Promise<ImageRender> {
  const { width: W, height: H } = camera;
  const order = opts.onPartial ? coarseToFineOrder(W, H) : undefined;
  const rays = cameraRays(camera, order ? { pixels: order } : {});
  const render = { variance: opts.variance ?? 0.8, nCoarse: opts.nCoarse ?? 32, nImportance: opts.nImportance ?? 32, chunk: opts.chunk ?? 512 };
  const scene: RenderScene = {
    ...codes,
    ...(pose ? { pose: { rot: Float32Array.from(pose.rot), trans: Float32Array.from(pose.trans) } } : {}),
    ...(look.sh ? { sh: { coefficients: look.sh, w2cRotation: shRotation(camera) } } : {}),
    ...(look.colorA ? { colorA: look.colorA } : {}),
    ...(look.colorB ? { colorB: look.colorB } : {}),
  };
  const workers = installedRayWorkers();
  // On the ray threads the image comes back whole, without partial images.
  const r = workers && workers.size > 1
    ? await renderOnThreads(workers, model, scene, rays, render, opts)
    : await withCodes(model, codes, async (cond) => {
        const params = renderSceneParams(scene);
        const onPartial = opts.onPartial;
        try {
          return await renderChunked(modelRenderField(model, cond), rays, params, {
            ...render,
            signal: opts.signal,
            onProgress: opts.onProgress,
            ...(order && onPartial ? { onChunk: (done: number, part: ImageRender) => done < W * H && onPartial(progressiveImage(part, order, done, W, H), done / (W * H)) } : {}),
          });
        } finally {
          disposeRenderParams(params);
        }
      });
  return order ? progressiveImage(r, order, r.count, W, H) : r;
}

/** An image's rays rendered on the process's ray workers, in chunks side by side. */
async function renderOnThreads(
  workers: RayChunkWorkers,
  model: NphmModel,
  scene: RenderScene,
  rays: RayBatch,
  render: RenderOptions & { chunk: number },
  opts: { signal?: AbortSignal; onProgress?: (fraction: number) => void },
): Promise<ImageRender> {
  const slice = imageChunkOptions(rays, render);
  const n = rays.count;
  const size = render.chunk;
  const chunks = Array.from({ length: Math.ceil(n / size) }, (_, i) => ({ rays: sliceRays(rays, i * size, Math.min(n, (i + 1) * size)), options: slice(i * size, Math.min(n, (i + 1) * size)) }));
  let done = 0;
  const parts = await workers.render(model, scene, chunks, { ...(opts.signal ? { signal: opts.signal } : {}), onChunk: () => opts.onProgress?.(++done / chunks.length) });
  const image: ImageRender = { count: n, rgb: new Float32Array(3 * n), weightsSum: new Float32Array(n), depth: new Float32Array(n) };
  parts.forEach((p, i) => {
    image.rgb.set(p.rgb, 3 * i * size);
    image.weightsSum.set(p.weightsSum, i * size);
    image.depth.set(p.depth, i * size);
  });
  return image;
}

/**
 * The mesher's point batches on the process's ray workers, split evenly over them, in chunks no
 * larger than the mesher's own (undefined without workers). A layer of a 64³ grid is 4096 points:
 * each thread gets a part of every layer.
 */
const GRADIENT_POINTS = 4096;
const VALUE_POINTS = 40_000;

export function threadedPoints(model: NphmModel, codes: Codes): PointBatch | undefined {
  const workers = installedRayWorkers();
  if (!workers || workers.size <= 1) return undefined;
  return async (points, want, signal) => {
    const n = points.length / 3;
    // Bounded like the mesher's own chunks: a gradient holds a backward pass's activations.
    const per = Math.min(want === 'gradient' ? GRADIENT_POINTS : VALUE_POINTS, Math.max(256, Math.ceil(n / workers.size)));
    const chunks = Array.from({ length: Math.ceil(n / per) }, (_, i) => ({ points: points.slice(3 * i * per, 3 * Math.min(n, (i + 1) * per)), want }));
    const parts = await workers.points(model, codes, chunks, signal ? { signal } : {});
    const width = want === 'sdf' ? 1 : 3;
    const out = new Float32Array(width * n);
    parts.forEach((p, i) => out.set(p, width * i * per));
    return out;
  };
}

/** Mesh of codes in model space (expression applied, no head pose), with normals and colours. */
export async function meshCodes(model: NphmModel, codes: Codes, opts: ExtractOptions): Promise<MeshData> {
  const batch = opts.batch ?? threadedPoints(model, codes);
  return withCodes(model, codes, (cond) => extractMesh(modelRenderField(model, cond), batch ? { ...opts, batch } : opts));
}

/** Codes of one tracked frame. */
export function frameCodes(state: TrackingState, frame: number): Codes {
  const f = state.frames[frame];
  if (!f) throw new Error(`tracking state has no frame ${frame}`);
  return { zGeo: state.zGeo, zApp: state.zApp, zExp: f.zExp };
}

/** Renders a whole image of a tracked frame (pose, SH and colour correction applied). */
export function renderTrackedFrame(model: NphmModel, state: TrackingState, frame: number, camera: Camera, opts: { variance?: number; nCoarse?: number; nImportance?: number; chunk?: number } = {}): Promise<ImageRender> {
  const f = state.frames[frame];
  if (!f) throw new Error(`tracking state has no frame ${frame}`);
  return renderCodes(model, frameCodes(state, frame), camera, f, { sh: state.sh, colorA: state.colorA, colorB: state.colorB }, opts);
}

/** Mean absolute colour error over foreground pixels (labels ≠ 0), per channel, in [−1, 1] units. */
export function foregroundL1(rendered: Float32Array, target: Float32Array, labels: ArrayLike<number>): number {
  let s = 0, n = 0;
  for (let i = 0; i < labels.length; i++) {
    if (!labels[i]) continue;
    for (let c = 0; c < 3; c++) s += Math.abs(rendered[3 * i + c]! - target[3 * i + c]!);
    n += 3;
  }
  return n ? s / n : 0;
}
