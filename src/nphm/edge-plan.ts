/**
 * The kNN edge structure of a batch of canonical queries, grouped by MLP type so that every type
 * runs one dense matMul chain over a contiguous block of rows.
 *
 * Edges (point p, slot j < K) are sorted by the type of their anchor. The plan holds the permutation
 * (a constant: kNN indices carry no gradient) and, per sorted edge, an `aux` row
 * [sign_x, 1, …, 1 | e0, e1]: the mirroring sign of δ_x for the odd member of a symmetric pair and
 * a one-hot of which node of its type the edge uses (a pair type serves two anchors).
 */
import * as tf from '@tensorflow/tfjs-core';
import { anchorType, derivedSizes, isMirrored, typeNodes, type NphmConfig } from './config.ts';

export interface EdgePlan {
  /** Points. */
  n: number;
  /** Nearest anchors per point. */
  k: number;
  /** [N·K] anchor index of each edge, ascending distance per point. */
  knn: Int32Array;
  /** Per local type (all but the global one): first sorted row and row count. */
  offsets: number[];
  counts: number[];
  /** Sorted row → flat edge index p·K + j. */
  perm: tf.Tensor1D;
  /** Flat edge index → sorted row. */
  inv: tf.Tensor1D;
  /** [N·K, dPos + 2] sign / one-hot rows in sorted order. */
  aux: tf.Tensor2D;
}

export function disposePlan(plan: EdgePlan): void {
  tf.dispose([plan.perm, plan.inv, plan.aux]);
}

/** Indices [N, K] (int32) of the K nearest anchors of x_c[:, :3], nearest first. */
export function knnIndices(xc: tf.Tensor2D, anchors: tf.Tensor2D, k: number): tf.Tensor2D {
  return tf.tidy(() => {
    const xyz = tf.slice(xc, [0, 0], [xc.shape[0], 3]);
    // Differences, not the |x|² − 2x·a + |a|² expansion: exact ordering like pytorch3d's knn.
    const d2 = tf.sum(tf.square(tf.sub(tf.expandDims(xyz, 1), tf.expandDims(anchors, 0))), 2);
    return tf.topk(tf.neg(d2), k, true).indices as tf.Tensor2D;
  });
}

export function planFromKnn(cfg: NphmConfig, knn: Int32Array, n: number): EdgePlan {
  const s = derivedSizes(cfg);
  const k = cfg.decoder.id.nneigh;
  const nLocalTypes = s.numTypes - 1;
  const E = n * k;
  if (knn.length !== E) throw new Error(`edge plan: expected ${E} kNN indices, got ${knn.length}`);
  const typeOf = new Int32Array(s.numAnchors);
  const slotOf = new Int32Array(s.numAnchors);
  for (let a = 0; a < s.numAnchors; a++) {
    typeOf[a] = anchorType(cfg, a);
    slotOf[a] = typeNodes(cfg, typeOf[a]!).indexOf(a);
  }
  const counts = new Array<number>(nLocalTypes).fill(0);
  for (let e = 0; e < E; e++) counts[typeOf[knn[e]!]!]!++;
  const offsets = new Array<number>(nLocalTypes).fill(0);
  for (let t = 1; t < nLocalTypes; t++) offsets[t] = offsets[t - 1]! + counts[t - 1]!;
  const fill = offsets.slice();
  const perm = new Int32Array(E);
  const inv = new Int32Array(E);
  const width = s.dPos + 2;
  const aux = new Float32Array(E * width);
  for (let e = 0; e < E; e++) {
    const a = knn[e]!;
    const pos = fill[typeOf[a]!]!++;
    perm[pos] = e;
    inv[e] = pos;
    const row = pos * width;
    aux[row] = isMirrored(cfg, a) ? -1 : 1;
    for (let c = 1; c < s.dPos; c++) aux[row + c] = 1;
    aux[row + s.dPos + slotOf[a]!] = 1;
  }
  return {
    n,
    k,
    knn,
    offsets,
    counts,
    perm: tf.tensor1d(perm, 'int32'),
    inv: tf.tensor1d(inv, 'int32'),
    aux: tf.tensor2d(aux, [E, width]),
  };
}

/** The plan of x_c; reads the kNN indices synchronously (cpu, wasm). */
export function planSync(cfg: NphmConfig, xc: tf.Tensor2D, anchors: tf.Tensor2D): EdgePlan {
  if (tf.getBackend() === 'webgpu') {
    // Callers inside the library pass a plan built with model.plan() (async); this is what a user
    // of the studio meets when a MonoNPHM node runs on WebGPU.
    throw new Error('MonoNPHM fields do not run on WebGPU in this version (their k-NN edge plan is read synchronously, which WebGPU cannot do): open the studio on wasm, its default (without ?backend=webgpu); ?backend=auto switches to wasm by itself for graphs with MonoNPHM nodes');
  }
  const idx = knnIndices(xc, anchors, cfg.decoder.id.nneigh);
  try {
    return planFromKnn(cfg, idx.dataSync() as Int32Array, xc.shape[0]);
  } finally {
    idx.dispose();
  }
}

/** The plan of x_c; reads the kNN indices asynchronously (every backend, including webgpu). */
export async function planAsync(cfg: NphmConfig, xc: tf.Tensor2D, anchors: tf.Tensor2D): Promise<EdgePlan> {
  const idx = knnIndices(xc, anchors, cfg.decoder.id.nneigh);
  try {
    return planFromKnn(cfg, (await idx.data()) as Int32Array, xc.shape[0]);
  } finally {
    idx.dispose();
  }
}
