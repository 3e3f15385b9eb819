/**
 * The MonoNPHM weights as tf tensors, laid out for the forward pass rather than as PyTorch stores
 * them: Linear weights transposed to [in, out], first layers split into their latent and spatial
 * parts (the latent part only depends on the codes, so it becomes a per-anchor bias), and the
 * Softplus(β) layers rescaled so that the activation is a plain `softplus`:
 *
 *   with s_i = softplus(β·u_i) = β·h_i, the chain u_i = h_{i-1}·W_i + b_i becomes
 *   β·u_i = s_{i-1}·W_i + β·b_i, and the output layer takes W/β.
 *
 * This drops two elementwise passes per Softplus layer (they are memory-bound on wasm) and is exact
 * up to float32 rounding of the scaled weights (relative 6e-8).
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { NphmConfig } from './config.ts';
import type { Weight } from './linear.ts';

export type { Weight } from './linear.ts';

/** y = x·w + b with w [in, out] (and its transpose, see linear.ts). */
export interface Dense extends Weight {
  b: tf.Tensor1D;
}

/** One member type of the geometry ensemble (softplus MLP, pre-activations scaled by β). */
export interface GeoType {
  /** First layer, latent rows [G + Lg, H] (×β). */
  wLat: tf.Tensor2D;
  /** First layer, δ rows [dPos, H] (×β). */
  wDelta: Weight;
  /** First layer bias [H] (×β). */
  b0: tf.Tensor1D;
  /** Linear layers 1 … nlayers−1 (W ×1, b ×β); the last one's pre-activation is the colour feature. */
  hidden: Dense[];
  /** Output layer (W ÷β, b) → 1. */
  out: Dense;
}

/** One member type of the appearance ensemble (ReLU MLP). */
export interface AppType {
  /** First layer, latent rows [G + La, Ha]. */
  wLat: tf.Tensor2D;
  /**
   * First layer rows of the bottleneck input, with the bottleneck's second (linear) layer folded in:
   * c·Wc = (r·B2 + b2)·Wc = r·(B2·Wc) + b2·Wc. [16, Ha].
   */
  wR: Weight;
  /** First layer bias plus b2·Wc [Ha]. */
  b0: tf.Tensor1D;
  hidden: Dense[];
  /** Output layer → 3 (RGB, no activation). */
  out: Dense;
}

export interface DeformParams {
  /** Layer 0, xyz rows [3, Hd] (×β). */
  w0x: Weight;
  /** Layer 0, code rows ([c_id, z_exp]) [lat_id + lat_ex, Hd] (×β). */
  w0code: tf.Tensor2D;
  b0: tf.Tensor1D;
  /** Layers 1 … nlayers−1; entry `skipLayer − 1` is the skip layer's hidden part (÷√2). */
  hidden: Dense[];
  /** Skip layer rows of the network input, split like layer 0 (×β/√2). */
  skipX: Weight;
  skipCode: tf.Tensor2D;
  out: Dense;
}

export interface NphmParams {
  config: NphmConfig;
  /** Ā, float32 [nloc, 3]. */
  meanAnchors: tf.Tensor2D;
  /** mlp_pos: Linear, ReLU, Linear, ReLU, Linear → 3·nloc. */
  pos: Dense[];
  /** Linear([z_geo, vec(a_c)]) → lat_id. */
  compressor: Dense;
  deform: DeformParams;
  geo: GeoType[];
  app: AppType[];
  /** communcation_bottleneck1 with W ÷β (it reads the β-scaled colour feature). */
  bottleneck1: Dense;
}

export function disposeParams(p: NphmParams): void {
  const d = (x: Dense) => (x.w.dispose(), x.wt.dispose(), x.b.dispose());
  const dw = (x: Weight) => (x.w.dispose(), x.wt.dispose());
  p.meanAnchors.dispose();
  p.pos.forEach(d);
  d(p.compressor);
  const f = p.deform;
  [f.w0code, f.b0, f.skipCode].forEach((t) => t.dispose());
  [f.w0x, f.skipX].forEach(dw);
  f.hidden.forEach(d);
  d(f.out);
  for (const g of p.geo) {
    [g.wLat, g.b0].forEach((t) => t.dispose());
    dw(g.wDelta);
    g.hidden.forEach(d);
    d(g.out);
  }
  for (const a of p.app) {
    [a.wLat, a.b0].forEach((t) => t.dispose());
    dw(a.wR);
    a.hidden.forEach(d);
    d(a.out);
  }
  d(p.bottleneck1);
}
