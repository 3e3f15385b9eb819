/**
 * NeuS pieces as batched tensor functions ([R rays, K samples] layouts), each testable on its own
 * against the stages of fixture render-small-a.
 *
 * Formulas (reference §3; fixture README "Semantics"):
 * - up-sampling: section SDF estimates, cos_i = min(cos_{i−1}, cos_i) (cos_{−1} = 0, the un-minimised
 *   neighbour), clipped to [−1e3, 0] and zeroed outside the up-sampling sphere (r = 1.0, world origin);
 *   α with a fixed inv_s = e³ and +1e-8 guards (not clipped); then the deterministic NeRF inverse CDF
 *   (`det = True`, u_k = (k + ½)/m, searchsorted right). Only the m new samples are used.
 * - final α: clip((Φ(s f⁻) − Φ(s f⁺) + 1e-5) / (Φ(s f⁻) + 1e-5), 0, 1), f∓ = sdf ∓ cos·Δz/2.
 * - transmittance T_k = Π_{j<k}(1 − α_j + 1e-7), computed as exp(exclusive cumsum(log(·))) because
 *   tfjs has no gradient for cumprod; w_k = α_k T_k.
 * - SH-9: shading[c] = Σ_i sh[i][c]·F_i·Y_i(n), Y = [1, x, y, z, xy, xz, yz, x²−y², 3z²−1].
 */
import * as tf from '@tensorflow/tfjs-core';

/** exp(10 · 0.3): the up-sampling sharpness hard-coded in the original. */
export const UPSAMPLE_INV_S = Math.exp(3);

/** SH-9 constants F_i (band normalisation × Lambertian convolution), as the original. */
export const SH_FACTORS: readonly number[] = (() => {
  const pi = Math.PI;
  const c0 = 1 / Math.sqrt(4 * pi);
  const c1 = ((2 * pi) / 3) * Math.sqrt(3 / (4 * pi));
  const c2 = (pi / 4) * 3 * Math.sqrt(5 / (12 * pi));
  const c3 = (pi / 4) * (3 / 2) * Math.sqrt(5 / (12 * pi));
  const c4 = (pi / 4) * (1 / 2) * Math.sqrt(5 / (4 * pi));
  return [c0, c1, c1, c1, c2, c2, c2, c3, c4];
})();

/** Initial SH coefficients of the tracker: √(4π) on band 0, so the shading is 1 everywhere. */
export function defaultShCoefficients(): tf.Tensor2D {
  const v = new Float32Array(27);
  v[0] = v[1] = v[2] = Math.sqrt(4 * Math.PI);
  return tf.tensor2d(v, [9, 3]);
}

/** Exclusive cumulative product along axis 1, differentiable. */
export function exclusiveCumprod(x: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => tf.exp(tf.cumsum(tf.log(x), 1, true)) as tf.Tensor2D);
}

/** NeuS weights w = α·T from α [R,K]. */
export function compositeWeights(alpha: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => tf.mul(alpha, exclusiveCumprod(tf.add(tf.sub(1, alpha), 1e-7) as tf.Tensor2D)) as tf.Tensor2D);
}

/** Final-pass NeuS α [R,K] from SDF, cos = ∂sdf/∂z and Δz (all [R,K]). */
export function neusAlpha(sdf: tf.Tensor, cos: tf.Tensor, dz: tf.Tensor, invS: number | tf.Scalar): tf.Tensor2D {
  return tf.tidy(() => {
    const half = tf.mul(cos, tf.mul(dz, 0.5));
    const prevCdf = tf.sigmoid(tf.mul(tf.sub(sdf, half), invS));
    const nextCdf = tf.sigmoid(tf.mul(tf.add(sdf, half), invS));
    const a = tf.div(tf.add(tf.sub(prevCdf, nextCdf), 1e-5), tf.add(prevCdf, 1e-5));
    return tf.clipByValue(a, 0, 1) as tf.Tensor2D;
  });
}

export interface UpsampleResult {
  /** [R,K−1] section weights fed to the inverse CDF. */
  weights: tf.Tensor2D;
  /** [R,M] new sample depths. */
  z: tf.Tensor2D;
}

/**
 * NeuS up-sampling on coarse depths z [R,K] with SDF values sdf [R,K]; origins/dirs [R,3] in world
 * space (the inside-sphere test is in world space, as the original). Not differentiable by design:
 * call it where no tape records (see `render.ts`).
 */
export function neusUpsample(
  z: tf.Tensor2D,
  sdf: tf.Tensor2D,
  origins: tf.Tensor2D,
  dirs: tf.Tensor2D,
  nImportance: number,
  opts: { invS?: number; insideRadius?: number } = {},
): UpsampleResult {
  return tf.tidy(() => {
    const invS = opts.invS ?? UPSAMPLE_INV_S;
    const radius = opts.insideRadius ?? 1.0;
    const [R, K] = z.shape;
    const pts = tf.add(tf.expandDims(origins, 1), tf.mul(tf.expandDims(z, 2), tf.expandDims(dirs, 1)));
    const inside1 = tf.less(tf.norm(pts, 'euclidean', 2), radius);
    const lo = (t: tf.Tensor) => tf.slice(t, [0, 0], [R, K - 1]);
    const hi = (t: tf.Tensor) => tf.slice(t, [0, 1], [R, K - 1]);
    const inside = tf.cast(tf.logicalOr(lo(inside1), hi(inside1)), 'float32');
    const sLo = lo(sdf);
    const sHi = hi(sdf);
    const zLo = lo(z);
    const zHi = hi(z);
    const mid = tf.mul(tf.add(sLo, sHi), 0.5);
    const dzs = tf.sub(zHi, zLo);
    const cosRaw = tf.div(tf.add(tf.sub(sHi, sLo), 1e-8), tf.add(dzs, 1e-8));
    const prevCos = tf.concat([tf.zeros([R, 1]), tf.slice(cosRaw, [0, 0], [R, K - 2])], 1);
    const cos = tf.mul(tf.clipByValue(tf.minimum(prevCos, cosRaw), -1e3, 0), inside);
    const half = tf.mul(cos, tf.mul(dzs, 0.5));
    const prevCdf = tf.sigmoid(tf.mul(tf.sub(mid, half), invS));
    const nextCdf = tf.sigmoid(tf.mul(tf.add(mid, half), invS));
    const alpha = tf.div(tf.add(tf.sub(prevCdf, nextCdf), 1e-8), tf.add(prevCdf, 1e-8)) as tf.Tensor2D;
    const weights = compositeWeights(alpha);
    return { weights, z: samplePdf(z, weights, nImportance) };
  });
}

/**
 * out[r, m] = x[r, idx[r, m]] for x [R,K] and int32 idx [R,M]. A flat gather, because tf.gather with
 * batchDims = 1 reads out of bounds on the tfjs 4.22 wasm backend.
 */
export function gatherRows(x: tf.Tensor2D, idx: tf.Tensor): tf.Tensor2D {
  return tf.tidy(() => {
    const [R, K] = x.shape;
    const offsets = tf.mul(tf.range(0, R, 1, 'int32'), tf.scalar(K, 'int32')).reshape([R, 1]);
    const flat = tf.add(idx, offsets).reshape([-1]);
    return tf.gather(x.reshape([-1]), flat).reshape(idx.shape) as tf.Tensor2D;
  });
}

/** NeRF `sample_pdf(bins [R,K], weights [R,K−1], M, det = True)`: deterministic inverse CDF. */
export function samplePdf(bins: tf.Tensor2D, weights: tf.Tensor2D, m: number): tf.Tensor2D {
  return tf.tidy(() => {
    const [R, K] = bins.shape;
    const w = tf.add(weights, 1e-8);
    const pdf = tf.div(w, tf.sum(w, 1, true));
    const cdf = tf.concat([tf.zeros([R, 1]), tf.cumsum(pdf, 1)], 1) as tf.Tensor2D;
    const uRow = new Float32Array(m);
    for (let k = 0; k < m; k++) uRow[k] = m > 1 ? 0.5 / m + (k * (1 - 1 / m)) / (m - 1) : 0.5;
    const u = tf.tile(tf.tensor2d(uRow, [1, m]), [R, 1]) as tf.Tensor2D;
    const idx = tf.searchSorted(cdf, u, 'right');
    const below = tf.maximum(tf.sub(idx, tf.scalar(1, 'int32')), tf.scalar(0, 'int32'));
    const above = tf.minimum(idx, tf.scalar(K - 1, 'int32'));
    const cdfLo = gatherRows(cdf, below);
    const cdfHi = gatherRows(cdf, above);
    const binLo = gatherRows(bins, below);
    const binHi = gatherRows(bins, above);
    let den = tf.sub(cdfHi, cdfLo);
    den = tf.where(tf.less(den, 1e-8), tf.onesLike(den), den);
    const t = tf.div(tf.sub(u, cdfLo), den);
    return tf.add(binLo, tf.mul(t, tf.sub(binHi, binLo))) as tf.Tensor2D;
  });
}

/** Mid-points of consecutive samples (last interval duplicated) and the intervals: both [R,M]. */
export function midpoints(z: tf.Tensor2D): { mid: tf.Tensor2D; dz: tf.Tensor2D } {
  return tf.tidy(() => {
    const [R, M] = z.shape;
    const d = tf.sub(tf.slice(z, [0, 1], [R, M - 1]), tf.slice(z, [0, 0], [R, M - 1]));
    const dz = tf.concat([d, tf.slice(d, [0, M - 2], [R, 1])], 1) as tf.Tensor2D;
    return { mid: tf.add(z, tf.mul(dz, 0.5)) as tf.Tensor2D, dz };
  });
}

/** SH-9 shading [N,3] of unit normals [N,3] (camera axes) with coefficients sh [9,3]. */
export function shShading(normals: tf.Tensor2D, sh: tf.Tensor): tf.Tensor2D {
  return tf.tidy(() => {
    const [x, y, z] = tf.unstack(normals, 1) as [tf.Tensor1D, tf.Tensor1D, tf.Tensor1D];
    const basis = tf.stack(
      [
        tf.onesLike(x),
        x,
        y,
        z,
        tf.mul(x, y),
        tf.mul(x, z),
        tf.mul(y, z),
        tf.sub(tf.square(x), tf.square(y)),
        tf.sub(tf.mul(tf.square(z), 3), 1),
      ],
      1,
    );
    const scaled = tf.mul(basis, tf.tensor2d([SH_FACTORS as number[]], [1, 9]));
    return tf.matMul(scaled, sh.reshape([9, 3])) as tf.Tensor2D;
  });
}
