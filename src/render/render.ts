/**
 * The NeuS volumetric renderer of MonoNPHM's tracker (reference §3), independent of the model: it
 * renders any `RenderField`.
 *
 * Pipeline per ray batch: sphere bounds (r = 0.7, `rays.ts`) → stratified coarse samples → coarse
 * SDF and NeuS up-sampling WITHOUT gradient → mid-points → field SDF, colour and ∂sdf/∂x WITH
 * gradient → NeuS α, weights → colour, silhouette (Σw) and depth → affine colour correction.
 *
 * Choices (reference §11 and fixture render-small-a; each is an option where the two differ):
 * - `cosDirection`: the NeuS cos term. `'model'` (default, corrected §11.5) uses ∂sdf/∂z exactly,
 *   i.e. g · (s·R·d) with the model-space gradient g and the ray direction carried into model space;
 *   `'world'` reproduces the original (and the fixture): g · d with the WORLD direction. They differ
 *   only when the residual rotation is non-zero (or s ≠ 1).
 * - Up-sampling sphere r = 1.0 and inv_s = e³ kept as the original (options `upsampleRadius`,
 *   `upsampleInvS`); bounds sphere 0.7 (`boundingRadius`). Only the up-sampled samples are used.
 * - Depth is Σ w_k·z_k with the up-sampled z_k (the interval starts), not the mid-points, as the
 *   original and the fixture (a difference of half a sample interval).
 * - Missed rays: mean interval of the hit rays of the batch (original). `renderImage` computes the
 *   bounds over ALL rays before chunking, so chunking never changes the result; the fixture's
 *   `full_image_v0.5` (one batch of all pixels) is reproduced exactly.
 * - SH normals: n_cam = R_w2c · Rᵀ · g/|g| with OpenGL camera axes (as the original); |g| is guarded
 *   by +1e-20 under the square root so a zero gradient gives a finite normal and gradient.
 * - Colour: rgb = Σ w_k (shading_k·(c_k + 1) − 1) in [−1, 1]; then rgb·A + b (row vector times A).
 *
 * Gradients: the coarse pass and the up-sampling run inside a custom-gradient op anchored on the
 * (constant) ray tensors, so nothing of them is recorded on the tape and the sample depths are
 * detached, like the original's `no_grad`. Everything after that is plain tfjs ops, so
 * tf.variableGrads / tf.grads reach the field's parameters (through sdf, colour and the gradient:
 * second order), the pose (rot, trans, scale), SH coefficients and A, b. Second-order gradients
 * need the registrations of `gradients.ts` (tfjs 4.22 drops terms through ops that save their
 * output); `renderRays` and `composite` (re-)install them on every call.
 * Memory: `renderChunked` (no gradients) and `chunkedVariableGrads` (losses that are sums over rays)
 * bound memory by a ray chunk; `renderRays` itself renders its batch in one graph.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { RenderField } from './field.ts';
import { registerHigherOrderGradients } from './gradients.ts';
import { neusUpsample, neusAlpha, compositeWeights, midpoints, shShading, UPSAMPLE_INV_S } from './neus.ts';
import { so3Exp, type HeadPose } from './pose.ts';
import { coarseDepths, sphereBounds, sliceRays, type Jitter, type RayBatch, type RayBounds } from './rays.ts';
import { rotationPart, worldToCamera, type Camera, type Mat3 } from './camera.ts';
import { breathe, timedRanges } from '../graph/breathe.ts';
import { Rng } from '../graph/rng.ts';

export type CosDirection = 'model' | 'world';

export interface RenderParams {
  /** Residual head pose; identity when absent. */
  pose?: HeadPose;
  /** [9,3] SH coefficients; shading 1 (no SH evaluation) when absent. */
  sh?: tf.Tensor;
  /** World-to-camera rotation with OpenGL camera axes, for the SH normals (required with `sh`). */
  w2cRotation?: Mat3;
  /** [3,3] colour correction matrix A and [3] or [1,3] offset b: rgb·A + b. */
  colorA?: tf.Tensor;
  colorB?: tf.Tensor;
}

export interface RenderOptions {
  /** NeuS variance v: s = exp(10·v). */
  variance: number;
  nCoarse?: number;
  nImportance?: number;
  boundingRadius?: number;
  upsampleRadius?: number;
  upsampleInvS?: number;
  jitter?: Jitter;
  cosDirection?: CosDirection;
  /** Precomputed bounds for these rays (e.g. over a larger batch); computed from the rays otherwise. */
  bounds?: RayBounds;
  /** Points per field call in the coarse (no-gradient) pass. */
  pointChunk?: number;
  /** Return the per-sample intermediates (tests, debugging). */
  intermediates?: boolean;
  /**
   * Given up-sampled depths [R·M] (e.g. `intermediates.upsampleZ` of an earlier call): skips the
   * coarse pass, so the render is a smooth function of the parameters (finite-difference checks).
   */
  fixedSamples?: Float32Array;
}

export interface RenderIntermediates {
  nearFar: tf.Tensor2D;
  coarseZ: tf.Tensor2D;
  coarseSdf: tf.Tensor2D;
  upsampleWeights: tf.Tensor2D;
  upsampleZ: tf.Tensor2D;
  midZ: tf.Tensor2D;
  sdf: tf.Tensor2D;
  color: tf.Tensor3D;
  gradient: tf.Tensor3D;
  cos: tf.Tensor2D;
  normalsCam?: tf.Tensor3D;
  shading?: tf.Tensor3D;
  alpha: tf.Tensor2D;
  weights: tf.Tensor2D;
}

export interface RenderOutput {
  /** [R,3] colour after the colour correction (equal to `rgbRaw` without A, b). */
  rgb: tf.Tensor2D;
  /** [R,3] colour before the colour correction. */
  rgbRaw: tf.Tensor2D;
  /** [R] Σ w (silhouette). */
  weightsSum: tf.Tensor1D;
  /** [R] Σ w·z. */
  depth: tf.Tensor1D;
  intermediates?: RenderIntermediates;
}

const DEFAULTS = {
  nCoarse: 32,
  nImportance: 32,
  boundingRadius: 0.7,
  upsampleRadius: 1.0,
  upsampleInvS: UPSAMPLE_INV_S,
  pointChunk: 25_000,
};

/** Runs `fn` so that nothing it does is recorded on an enclosing gradient tape; its result is a constant. */
export function withoutGradient<T extends tf.Tensor>(anchor: tf.Tensor, fn: () => T): T {
  const op = tf.customGrad(((a: tf.Tensor) => ({ value: fn(), gradFunc: () => tf.zerosLike(a) })) as never);
  return op(anchor) as T;
}

/** Model-space points [N,3] of world points [N,3]: s·p·Rᵀ + t. */
function toModel(p: tf.Tensor2D, R: tf.Tensor2D | undefined, pose: HeadPose | undefined): tf.Tensor2D {
  if (!pose) return p;
  let q = tf.matMul(p, R!, false, true);
  if (pose.scale !== undefined && !(typeof pose.scale === 'number' && pose.scale === 1)) q = tf.mul(q, pose.scale);
  return tf.add(q, pose.trans.reshape([1, 3]));
}

/** SDF [N] of a field over many points, in chunks (no gradient use). */
export function sdfChunked(field: RenderField, x: tf.Tensor2D, chunk: number): tf.Tensor1D {
  const n = x.shape[0];
  if (n <= chunk) return field.sdf(x);
  const parts: tf.Tensor[] = [];
  for (let s = 0; s < n; s += chunk) {
    parts.push(tf.tidy(() => field.sdf(tf.slice(x, [s, 0], [Math.min(chunk, n - s), 3]))));
  }
  const out = tf.concat(parts) as tf.Tensor1D;
  tf.dispose(parts);
  return out;
}

/**
 * Renders a batch of rays, differentiably (see module doc). Call inside tf.tidy / tf.variableGrads;
 * the returned tensors belong to the caller.
 */
export function renderRays(field: RenderField, rays: RayBatch, params: RenderParams, options: RenderOptions): RenderOutput {
  registerHigherOrderGradients();
  const o = { ...DEFAULTS, ...options };
  if (params.sh && !params.w2cRotation) throw new Error('render: SH shading needs params.w2cRotation (OpenGL camera axes)');
  const R = rays.count;
  if (R === 0) {
    return { rgb: tf.zeros([0, 3]), rgbRaw: tf.zeros([0, 3]), weightsSum: tf.zeros([0]), depth: tf.zeros([0]) } as RenderOutput;
  }
  const K = o.nCoarse;
  const M = o.nImportance;
  if (K < 3 || M < 2) throw new Error(`render: need ≥ 3 coarse and ≥ 2 importance samples, got ${K} and ${M}`);
  const bounds = o.bounds ?? sphereBounds(rays, o.boundingRadius);
  if (bounds.near.length !== R) throw new Error(`render: bounds for ${bounds.near.length} rays given with ${R} rays`);
  if (o.fixedSamples && o.fixedSamples.length !== R * M) throw new Error(`render: fixedSamples has ${o.fixedSamples.length} values, expected ${R}×${M}`);
  const zCoarse = o.fixedSamples ? new Float32Array(0) : coarseDepths(bounds, K, o.jitter);

  return tf.tidy(() => {
    const origins = tf.tensor2d(rays.origins, [R, 3]);
    const dirs = tf.tensor2d(rays.dirs, [R, 3]);
    const pose = params.pose;
    const Rot = pose ? so3Exp(pose.rot) : undefined;

    // Coarse pass + up-sampling, detached. The pose enters the coarse points, but as a constant.
    const packed = o.fixedSamples
      ? tf.concat([tf.tensor2d(o.fixedSamples, [R, M]), tf.zeros([R, 3 * K - 1])], 1)
      : withoutGradient(origins, () => {
          const zc = tf.tensor2d(zCoarse, [R, K]);
          const ptsW = tf.add(tf.expandDims(origins, 1), tf.mul(tf.expandDims(zc, 2), tf.expandDims(dirs, 1))).reshape([R * K, 3]);
          const ptsM = toModel(ptsW as tf.Tensor2D, Rot, pose);
          const sdfC = sdfChunked(field, ptsM, o.pointChunk).reshape([R, K]) as tf.Tensor2D;
          const up = neusUpsample(zc, sdfC, origins, dirs, M, { invS: o.upsampleInvS, insideRadius: o.upsampleRadius });
          return tf.concat([up.z, zc, sdfC, up.weights], 1);
        });
    const zs = tf.slice(packed, [0, 0], [R, M]) as tf.Tensor2D;
    const { mid, dz } = midpoints(zs);

    // Fine pass with gradients.
    const ptsW = tf.add(tf.expandDims(origins, 1), tf.mul(tf.expandDims(mid, 2), tf.expandDims(dirs, 1))).reshape([R * M, 3]);
    const x = toModel(ptsW as tf.Tensor2D, Rot, pose);
    const f = field.evaluate(x);
    const fine = composite(
      { sdf: f.sdf.reshape([R, M]) as tf.Tensor2D, rgb: f.rgb, gradient: f.gradient, zs, dz, dirs },
      params,
      Rot,
      options,
    );
    const out: RenderOutput = { rgb: fine.rgb, rgbRaw: fine.rgbRaw, weightsSum: fine.weightsSum, depth: fine.depth };
    if (options.intermediates) {
      const nf = new Float32Array(2 * R);
      for (let i = 0; i < R; i++) {
        nf[2 * i] = bounds.near[i]!;
        nf[2 * i + 1] = bounds.far[i]!;
      }
      out.intermediates = {
        ...fine.intermediates!,
        nearFar: tf.tensor2d(nf, [R, 2]),
        coarseZ: tf.slice(packed, [0, M], [R, K]) as tf.Tensor2D,
        coarseSdf: tf.slice(packed, [0, M + K], [R, K]) as tf.Tensor2D,
        upsampleWeights: tf.slice(packed, [0, M + 2 * K], [R, K - 1]) as tf.Tensor2D,
        upsampleZ: zs,
        midZ: mid,
      };
    }
    return out as unknown as tf.TensorContainer;
  }) as unknown as RenderOutput;
}

export interface CompositeInputs {
  /** [R,M] SDF at the mid-points. */
  sdf: tf.Tensor2D;
  /** [R·M,3] (or [R,M,3]) colour and ∂sdf/∂x_model. */
  rgb: tf.Tensor;
  gradient: tf.Tensor;
  /** [R,M] up-sampled depths (interval starts) and intervals. */
  zs: tf.Tensor2D;
  dz: tf.Tensor2D;
  /** [R,3] world ray directions. */
  dirs: tf.Tensor2D;
}

type FineIntermediates = Omit<RenderIntermediates, 'nearFar' | 'coarseZ' | 'coarseSdf' | 'upsampleWeights' | 'upsampleZ' | 'midZ'>;

/**
 * NeuS compositing of per-sample field values (the fine pass after the field call): α, weights,
 * SH shading, colour, silhouette, depth, colour correction. `Rot` = so3_exp(pose.rot) or undefined
 * for the identity pose. Differentiable in every input.
 */
export function composite(
  inp: CompositeInputs,
  params: RenderParams,
  Rot: tf.Tensor2D | undefined,
  options: Pick<RenderOptions, 'variance' | 'cosDirection'>,
): { rgb: tf.Tensor2D; rgbRaw: tf.Tensor2D; weightsSum: tf.Tensor1D; depth: tf.Tensor1D; intermediates: FineIntermediates } {
  registerHigherOrderGradients();
  return tf.tidy(() => {
    const [R, M] = inp.sdf.shape;
    const pose = params.pose;
    const g = inp.gradient.reshape([R * M, 3]) as tf.Tensor2D;
    let dirCos: tf.Tensor2D = inp.dirs;
    if ((options.cosDirection ?? 'model') === 'model' && pose) {
      dirCos = tf.matMul(inp.dirs, Rot!, false, true);
      if (pose.scale !== undefined && !(typeof pose.scale === 'number' && pose.scale === 1)) dirCos = tf.mul(dirCos, pose.scale);
    }
    const cos = tf.sum(tf.mul(g.reshape([R, M, 3]), tf.expandDims(dirCos, 1)), 2) as tf.Tensor2D;
    const invS = Math.exp(10 * options.variance);
    const alpha = neusAlpha(inp.sdf, cos, inp.dz, invS);
    const weights = compositeWeights(alpha);
    const weightsSum = tf.sum(weights, 1) as tf.Tensor1D;
    const depth = tf.sum(tf.mul(weights, inp.zs), 1) as tf.Tensor1D;

    const c = inp.rgb.reshape([R * M, 3]);
    let normalsCam: tf.Tensor2D | undefined;
    let shading: tf.Tensor2D | undefined;
    let sampleRgb: tf.Tensor;
    if (params.sh) {
      if (!params.w2cRotation) throw new Error('render: SH shading needs params.w2cRotation (OpenGL camera axes)');
      const nModel = tf.div(g, tf.sqrt(tf.add(tf.sum(tf.square(g), 1, true), 1e-20)));
      const nWorld = Rot ? tf.matMul(nModel, Rot) : nModel;
      normalsCam = tf.matMul(nWorld, tf.tensor2d(params.w2cRotation), false, true) as tf.Tensor2D;
      shading = shShading(normalsCam, params.sh);
      sampleRgb = tf.sub(tf.mul(shading, tf.add(c, 1)), 1);
    } else {
      sampleRgb = c;
    }
    const rgbRaw = tf.sum(tf.mul(tf.expandDims(weights, 2), sampleRgb.reshape([R, M, 3])), 1) as tf.Tensor2D;
    let rgb: tf.Tensor = rgbRaw;
    if (params.colorA) rgb = tf.matMul(rgb, params.colorA.reshape([3, 3]));
    if (params.colorB) rgb = tf.add(rgb, params.colorB.reshape([1, 3]));
    const intermediates: FineIntermediates = {
      sdf: inp.sdf,
      color: c.reshape([R, M, 3]) as tf.Tensor3D,
      gradient: g.reshape([R, M, 3]) as tf.Tensor3D,
      cos,
      alpha,
      weights,
    };
    if (normalsCam) intermediates.normalsCam = normalsCam.reshape([R, M, 3]) as tf.Tensor3D;
    if (shading) intermediates.shading = shading.reshape([R, M, 3]) as tf.Tensor3D;
    return { rgb: rgb as tf.Tensor2D, rgbRaw, weightsSum, depth, intermediates } as unknown as tf.TensorContainer;
  }) as unknown as { rgb: tf.Tensor2D; rgbRaw: tf.Tensor2D; weightsSum: tf.Tensor1D; depth: tf.Tensor1D; intermediates: FineIntermediates };
}

export interface ImageRender {
  count: number;
  /** [count·3] colour after correction. */
  rgb: Float32Array;
  /** [count] silhouette. */
  weightsSum: Float32Array;
  /** [count] depth. */
  depth: Float32Array;
}

/** Options of rays [s, e) of a larger batch: its slice of the bounds and of the jitter. */
export function chunkOptions(options: RenderOptions, all: RayBounds, s: number, e: number): RenderOptions {
  const bounds: RayBounds = {
    near: all.near.subarray(s, e),
    far: all.far.subarray(s, e),
    disc: all.disc.subarray(s, e),
    hit: all.hit.subarray(s, e),
  };
  const k = options.nCoarse ?? DEFAULTS.nCoarse;
  let jitter = options.jitter;
  if (jitter?.kind === 'table') jitter = { kind: 'table', u: Array.prototype.slice.call(jitter.u, s * k, e * k) as number[] };
  // A seed per chunk would make the samples depend on the chunking.
  if (jitter?.kind === 'seeded') throw new Error('chunked render: draw seeded jitter for the whole batch first (wholeBatchJitter)');
  return { ...options, bounds, jitter, intermediates: false };
}

/**
 * Renders any number of rays (e.g. a whole image) in chunks of `chunk` rays without gradients, so
 * memory stays bounded. Bounds (and the missed-ray filling) are computed over all rays first.
 */
export async function renderChunked(
  field: RenderField,
  rays: RayBatch,
  params: RenderParams,
  options: RenderOptions & { chunk?: number; signal?: AbortSignal; onProgress?: (fraction: number) => void; onChunk?: (done: number, partial: ImageRender) => void },
): Promise<ImageRender> {
  const n = rays.count;
  // Chunks are sized by time (graph/breathe.ts), so the samples must not depend on where one starts.
  const slice = imageChunkOptions(rays, options);
  const rgb = new Float32Array(3 * n);
  const weightsSum = new Float32Array(n);
  const depth = new Float32Array(n);
  for (const [s, e] of timedRanges(n, { first: 64, max: options.chunk ?? 1024 })) {
    await breathe(options.signal);
    const out = renderRays(field, sliceRays(rays, s, e), params, slice(s, e));
    const [c, w, d] = await Promise.all([out.rgb.data(), out.weightsSum.data(), out.depth.data()]);
    rgb.set(c as Float32Array, 3 * s);
    weightsSum.set(w as Float32Array, s);
    depth.set(d as Float32Array, s);
    tf.dispose([out.rgb, out.rgbRaw, out.weightsSum, out.depth]);
    options.onChunk?.(e, { count: n, rgb, weightsSum, depth });
    options.onProgress?.(e / n);
  }
  return { count: n, rgb, weightsSum, depth };
}

/**
 * Each chunk's options for rays [s, e) of one image: the bounds (and the missed-ray filling) and
 * the jitter are those of the whole image, so a render never depends on how it is chunked.
 */
export function imageChunkOptions(rays: RayBatch, options: RenderOptions): (s: number, e: number) => RenderOptions {
  const all = options.bounds ?? sphereBounds(rays, options.boundingRadius ?? DEFAULTS.boundingRadius);
  const whole = wholeBatchJitter(options, rays.count);
  return (s, e) => chunkOptions(whole, all, s, e);
}

/**
 * The options with seeded jitter drawn once for all `count` rays, as a table: a chunk then takes its
 * slice of the same samples, so chunking never changes a render or its gradients.
 */
export function wholeBatchJitter<O extends RenderOptions>(options: O, count: number): O {
  if (options.jitter?.kind !== 'seeded') return options;
  const rng = new Rng(options.jitter.seed);
  const u = Float32Array.from({ length: count * (options.nCoarse ?? DEFAULTS.nCoarse) }, () => rng.next());
  return { ...options, jitter: { kind: 'table', u } };
}

/** World-to-camera rotation of a camera with OpenGL axes (for `RenderParams.w2cRotation`). */
export function shRotation(cam: Camera): Mat3 {
  return rotationPart(worldToCamera(cam, 'opengl'));
}

/**
 * Sums tf.variableGrads over ray chunks for a loss that is a sum over rays, so a differentiable
 * render of many rays needs memory for one chunk only. `loss(out, start, end)` gets each chunk.
 */
export function chunkedVariableGrads(
  field: RenderField,
  rays: RayBatch,
  params: RenderParams,
  options: RenderOptions & { chunk?: number },
  loss: (out: RenderOutput, start: number, end: number) => tf.Scalar,
  varList?: tf.Variable[],
): { value: number; grads: Record<string, tf.Tensor> } {
  const chunk = options.chunk ?? 512;
  const all = options.bounds ?? sphereBounds(rays, options.boundingRadius ?? DEFAULTS.boundingRadius);
  const whole = wholeBatchJitter(options, rays.count);
  const grads: Record<string, tf.Tensor> = {};
  let value = 0;
  for (let s = 0; s < rays.count; s += chunk) {
    const e = Math.min(rays.count, s + chunk);
    const r = tf.variableGrads(
      () => loss(renderRays(field, sliceRays(rays, s, e), params, chunkOptions(whole, all, s, e)), s, e),
      varList,
    );
    value += r.value.dataSync()[0]!;
    r.value.dispose();
    for (const [k, g] of Object.entries(r.grads)) {
      const prev = grads[k];
      grads[k] = prev ? tf.add(prev, g) : g;
      if (prev) {
        prev.dispose();
        g.dispose();
      }
    }
  }
  return { value, grads };
}
