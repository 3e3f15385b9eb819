/**
 * Posed anchors (AnchorInvert): for each canonical anchor a_c, the posed point x with
 * f(x) = x + Δ(x) = a_c (xyz only; hyper-coordinates ignored), found by Broyden's method as in the
 * original `iterative_root_finding.py`, then made differentiable w.r.t. the codes by the
 * implicit-function correction.
 *
 * Differences from the original, on purpose:
 * - one init per anchor at a_c (the original's multi-init solves anchor j//32 for target j%65, §2);
 * - the best iterate is returned (the original aliases x_opt = x and returns the last one; they
 *   agree for every converged anchor);
 * - the correction includes the dependence of the target a_c on z_geo, which the original drops.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Conditioning } from './conditioning.ts';
import { deformationOutput } from './deform.ts';
import type { NphmParams } from './params.ts';
import { stopGradient } from './tensor-ops.ts';

export interface BroydenOptions {
  maxSteps?: number;
  /** Convergence: ‖x + Δ(x) − a_c‖ < tol. */
  tol?: number;
  /** An anchor stops when its residual reaches this. */
  divergence?: number;
  /** Keeps the Broyden denominator away from 0. */
  eps?: number;
  /**
   * Model-space y offsets added to the canonical anchors before solving (anchor index → dy), e.g.
   * ORIGINAL_TRACKER_Y_SHIFTS. Default: none (what `posed_anchors` of the fixture uses).
   */
  yShifts?: Readonly<Record<number, number>>;
}

/**
 * The hand-made anchor shifts of the original tracker (tracking.py L1356–1364, also in
 * fixtures/landmark_pairs.json `anchor_y_shifts`): mouth and eyelid anchors nudged in y.
 */
export const ORIGINAL_TRACKER_Y_SHIFTS: Readonly<Record<number, number>> = Object.freeze({
  18: 0.005, 19: 0.005, 20: -0.01, 21: -0.01, 48: -0.005, 49: -0.005, 50: 0.005, 51: 0.005,
});

export const BROYDEN_DEFAULTS = { maxSteps: 30, tol: 5e-5, divergence: 0.1, eps: 1e-6 } as const;

export interface AnchorSolution {
  /** Posed anchors [M·3] (best iterate). */
  points: Float32Array;
  /** Targets a_c (+ shifts) [M·3] the solve used. */
  targets: Float32Array;
  /** Best residual norm per anchor. */
  residual: Float64Array;
  /** residual < tol. */
  valid: boolean[];
  /** Inverse of the exact Jacobian of f at the solution [M·9] (row-major 3×3 per anchor). */
  jacobianInverse: Float32Array;
  /** Broyden steps taken. */
  steps: number;
}

/** f(x) = x + Δ(x) (xyz) for points x [M, 3]. */
export function anchorMap(p: NphmParams, cond: Conditioning, x: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => tf.add(x, tf.slice(deformationOutput(p, cond, x), [0, 0], [x.shape[0], 3])));
}

/** Exact Jacobians J[m, i, j] = ∂f_i/∂x_j at x [M, 3] by three backward passes, row-major [M·9]. */
export async function anchorJacobians(p: NphmParams, cond: Conditioning, x: Float32Array): Promise<Float32Array> {
  const M = x.length / 3;
  const rows = tf.tidy(() => {
    const xt = tf.tensor2d(x, [M, 3]);
    return [0, 1, 2].map((i) => tf.grad((xx: tf.Tensor) => tf.sum(tf.slice(anchorMap(p, cond, xx as tf.Tensor2D), [0, i], [M, 1])))(xt));
  });
  const data = await Promise.all(rows.map((r) => r.data()));
  tf.dispose(rows);
  const J = new Float32Array(M * 9);
  for (let m = 0; m < M; m++) for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) J[m * 9 + 3 * i + j] = data[i]![3 * m + j]!;
  return J;
}

/** Inverse of a row-major 3×3 matrix (float64); null when singular. */
export function invert3(a: ArrayLike<number>, o = 0): number[] | null {
  const [a0, a1, a2, a3, a4, a5, a6, a7, a8] = [0, 1, 2, 3, 4, 5, 6, 7, 8].map((i) => a[o + i]!) as [number, number, number, number, number, number, number, number, number];
  const c0 = a4 * a8 - a5 * a7;
  const c1 = a5 * a6 - a3 * a8;
  const c2 = a3 * a7 - a4 * a6;
  const det = a0 * c0 + a1 * c1 + a2 * c2;
  if (!Number.isFinite(det) || det === 0) return null;
  const r = 1 / det;
  return [c0 * r, (a2 * a7 - a1 * a8) * r, (a1 * a5 - a2 * a4) * r, c1 * r, (a0 * a8 - a2 * a6) * r, (a2 * a3 - a0 * a5) * r, c2 * r, (a1 * a6 - a0 * a7) * r, (a0 * a4 - a1 * a3) * r];
}

async function evalMap(p: NphmParams, cond: Conditioning, x: Float64Array): Promise<Float32Array> {
  const t = tf.tidy(() => anchorMap(p, cond, tf.tensor2d(Float32Array.from(x), [x.length / 3, 3])));
  try {
    return (await t.data()) as Float32Array;
  } finally {
    t.dispose();
  }
}

/** Target anchors a_c (+ y shifts) as float32 [M·3]. */
export async function anchorTargets(cond: Conditioning, yShifts?: Readonly<Record<number, number>>): Promise<Float32Array> {
  const a = Float32Array.from(await cond.anchors.data());
  for (const [k, dy] of Object.entries(yShifts ?? {})) {
    const i = Number(k);
    if (!Number.isInteger(i) || i < 0 || 3 * i >= a.length) throw new Error(`anchor y shift: no anchor ${k} (there are ${a.length / 3})`);
    a[3 * i + 1] = a[3 * i + 1]! + dy;
  }
  return a;
}

/** Broyden root finding of x + Δ(x) = a_c for every anchor, without gradient tape. */
export async function solveAnchors(p: NphmParams, cond: Conditioning, opts: BroydenOptions = {}): Promise<AnchorSolution> {
  const { maxSteps, tol, divergence, eps } = { ...BROYDEN_DEFAULTS, ...opts };
  const target = await anchorTargets(cond, opts.yShifts);
  const M = target.length / 3;
  const x = Float64Array.from(target);
  const J0 = await anchorJacobians(p, cond, target);
  const Jinv = new Float64Array(M * 9);
  for (let m = 0; m < M; m++) {
    const inv = invert3(J0, 9 * m);
    // A singular start leaves that anchor at the identity inverse (Broyden may still recover).
    Jinv.set(inv ?? [1, 0, 0, 0, 1, 0, 0, 0, 1], 9 * m);
  }
  const gx = new Float64Array(M * 3);
  const fx0 = await evalMap(p, cond, x);
  for (let i = 0; i < 3 * M; i++) gx[i] = fx0[i]! - target[i]!;
  const norm3 = (v: Float64Array, m: number) => Math.hypot(v[3 * m]!, v[3 * m + 1]!, v[3 * m + 2]!);
  const best = Float64Array.from(x);
  const bestNorm = Float64Array.from({ length: M }, (_, m) => norm3(gx, m));
  const update = new Float64Array(3 * M);
  const mulJinv = (m: number, v: ArrayLike<number>, o: number, out: Float64Array, oo: number, sign: number) => {
    for (let i = 0; i < 3; i++) out[oo + i] = sign * (Jinv[9 * m + 3 * i]! * v[o]! + Jinv[9 * m + 3 * i + 1]! * v[o + 1]! + Jinv[9 * m + 3 * i + 2]! * v[o + 2]!);
  };
  for (let m = 0; m < M; m++) mulJinv(m, gx, 3 * m, update, 3 * m, -1);
  let active = Array.from({ length: M }, () => true);
  const dx = new Float64Array(3 * M);
  const dg = new Float64Array(3 * M);
  let steps = 0;
  for (; steps < maxSteps && active.some(Boolean); steps++) {
    for (let m = 0; m < M; m++) {
      if (!active[m]) continue;
      for (let i = 0; i < 3; i++) {
        dx[3 * m + i] = update[3 * m + i]!;
        x[3 * m + i] = x[3 * m + i]! + dx[3 * m + i]!;
      }
    }
    const fx = await evalMap(p, cond, x);
    const norms = new Float64Array(M);
    for (let m = 0; m < M; m++) {
      if (active[m]) {
        for (let i = 0; i < 3; i++) {
          const g = fx[3 * m + i]! - target[3 * m + i]!;
          dg[3 * m + i] = g - gx[3 * m + i]!;
          gx[3 * m + i] = g;
        }
      }
      norms[m] = norm3(gx, m);
      if (norms[m]! < bestNorm[m]!) {
        bestNorm[m] = norms[m]!;
        best.set(x.subarray(3 * m, 3 * m + 3), 3 * m);
      }
    }
    active = active.map((_, m) => bestNorm[m]! > tol && norms[m]! < divergence);
    for (let m = 0; m < M; m++) {
      if (!active[m]) continue;
      // Good Broyden update of the inverse Jacobian: J⁻¹ += (Δx − J⁻¹Δg)(Δxᵀ J⁻¹) / (Δxᵀ J⁻¹ Δg).
      const vT = [0, 1, 2].map((j) => dx[3 * m]! * Jinv[9 * m + j]! + dx[3 * m + 1]! * Jinv[9 * m + 3 + j]! + dx[3 * m + 2]! * Jinv[9 * m + 6 + j]!);
      const jdg = new Float64Array(3);
      mulJinv(m, dg, 3 * m, jdg, 0, 1);
      let b = vT[0]! * dg[3 * m]! + vT[1]! * dg[3 * m + 1]! + vT[2]! * dg[3 * m + 2]!;
      b += b >= 0 ? eps : -eps;
      for (let i = 0; i < 3; i++) {
        const u = (dx[3 * m + i]! - jdg[i]!) / b;
        for (let j = 0; j < 3; j++) Jinv[9 * m + 3 * i + j] = Jinv[9 * m + 3 * i + j]! + u * vT[j]!;
      }
      mulJinv(m, gx, 3 * m, update, 3 * m, -1);
    }
  }
  const points = Float32Array.from(best);
  const Jsol = await anchorJacobians(p, cond, points);
  const jacobianInverse = new Float32Array(M * 9);
  for (let m = 0; m < M; m++) jacobianInverse.set(invert3(Jsol, 9 * m) ?? [0, 0, 0, 0, 0, 0, 0, 0, 0], 9 * m);
  return { points, targets: target, residual: bestNorm, valid: Array.from(bestNorm, (r) => r < tol), jacobianInverse, steps };
}

/**
 * The posed anchors as a function of the codes (through `cond`), with the value of the solution:
 *   x_p = x* + J⁻¹_sg · (r − sg r),  r = (a_c + shift) − f(x*)
 * i.e. x* − J⁻¹_sg (f(x*) − sg f(x*)) + J⁻¹_sg (a_c − sg a_c). Its gradient is the implicit-function
 * derivative ∂x_p/∂θ = J⁻¹ (∂a_c/∂θ − ∂f/∂θ). Sync: call it inside the loss closure.
 */
export function implicitPosedAnchors(p: NphmParams, cond: Conditioning, sol: AnchorSolution): tf.Tensor2D {
  const M = sol.points.length / 3;
  return tf.tidy(() => {
    const xs = tf.tensor2d(sol.points, [M, 3]);
    // The solved-for targets (a_c + shift) as values, with a_c's gradient attached.
    const target = tf.add(tf.tensor2d(sol.targets, [M, 3]), tf.sub(cond.anchors, stopGradient(cond.anchors)));
    const r = tf.sub(target, anchorMap(p, cond, xs));
    const dr = tf.sub(r, stopGradient(r));
    const jinv = tf.tensor3d(sol.jacobianInverse, [M, 3, 3]);
    return tf.add(xs, tf.sum(tf.mul(jinv, tf.expandDims(dr, 1)), 2)) as tf.Tensor2D;
  });
}
