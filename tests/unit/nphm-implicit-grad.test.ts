/**
 * The implicit gradient of the posed anchors (Broyden root of x + Δ(x) = a_c) w.r.t. z_exp and
 * z_geo, against central finite differences of freshly solved roots.
 *
 * Tolerance reasoning (float32 on cpu): the FD roots are solved to the float32 floor of the
 * residual (|f(x) − a_c| ≲ 1e-7: f ≈ 0.3 has 3e-8 ulps, plus network rounding), so each root carries
 * ≈ 1e-7 noise; the scalar loss Σ w·x over 65×3 entries with |w| ≤ 1 then has noise
 * ≈ √195·1e-7 ≈ 1.5e-6, i.e. ≈ 2.5e-4 after dividing by 2h = 6e-3 (worst case; typically less).
 * The central difference's truncation error is O(h²): measured 7.5e-4 at h = 1e-2 for a z_exp
 * direction (Softplus(β=100) is sharply curved), so ≈ 7e-5 at h = 3e-3. Observed |implicit − FD| at
 * h = 3e-3: ≤ 6e-5 for derivatives of size 1e-3 … 0.4. The bound 5e-4 is ~2× the noise estimate and
 * ≥ 60× smaller than the error of the original formula that drops ∂a_c/∂z_geo (0.03–0.07 here,
 * asserted below so that this test would catch that bug).
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initNodeTf } from '../../src/cli/tf-node.ts';
import type { NphmModel, AnchorSolution } from '../../src/nphm/model.ts';
import { anchorMap } from '../../src/nphm/anchor-invert.ts';
import { stopGradient } from '../../src/nphm/tensor-ops.ts';
import { fixtureModel, loadFixture } from './nphm-fixture.ts';

const fx = loadFixture();
const zGeo0 = Float32Array.from(fx.inputs.z_geo[0]!);
const zApp0 = Float32Array.from(fx.inputs.z_app[0]!);
const zExp0 = Float32Array.from(fx.inputs.z_exp[0]!);

function rng(seed: number) {
  let s = seed;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 4294967296 - 0.5;
  };
}

function unit(n: number, r: () => number, only?: number): Float32Array {
  const v = new Float32Array(n);
  for (let i = 0; i < (only ?? n); i++) v[i] = r();
  const norm = Math.hypot(...v);
  return v.map((x) => x / norm);
}

describe('posed anchors: implicit gradient vs finite differences (cpu)', () => {
  let model: NphmModel;
  let sol: AnchorSolution;
  const r = rng(7);
  const w = Float32Array.from({ length: 65 * 3 }, () => 2 * r());

  beforeAll(async () => {
    await initNodeTf('cpu');
    model = fixtureModel();
    const codes = { zGeo: tf.tensor1d(zGeo0), zApp: tf.tensor1d(zApp0), zExp: tf.tensor1d(zExp0) };
    sol = await model.solveAnchors(codes);
    tf.dispose([codes.zGeo, codes.zApp, codes.zExp]);
  });
  afterAll(() => model.dispose());

  /** Σ w·x_p(z_geo + ε vg, z_exp + ε ve) from a fresh, tightly converged solve. */
  async function solvedLoss(vg: Float32Array, ve: Float32Array, eps: number): Promise<number> {
    const codes = {
      zGeo: tf.tensor1d(zGeo0.map((z, i) => z + eps * vg[i]!)),
      zApp: tf.tensor1d(zApp0),
      zExp: tf.tensor1d(zExp0.map((z, i) => z + eps * ve[i]!)),
    };
    const s = await model.solveAnchors(codes, { tol: 1e-7, maxSteps: 100 });
    tf.dispose([codes.zGeo, codes.zApp, codes.zExp]);
    expect(Math.max(...s.residual)).toBeLessThan(2e-6);
    let l = 0;
    for (let i = 0; i < w.length; i++) l += w[i]! * s.points[i]!;
    return l;
  }

  /** Directional derivative of Σ w·x_p along (vg, ve) from the implicit correction; `original` drops ∂a_c/∂z. */
  function implicitDirectional(vg: Float32Array, ve: Float32Array, original = false): number {
    return tf.tidy(() => {
      const [gg, ge] = tf.grads((zg: tf.Tensor, ze: tf.Tensor) => {
        const cond = model.condition({ zGeo: zg, zApp: tf.tensor1d(zApp0), zExp: ze }, { app: false });
        let xp: tf.Tensor;
        if (!original) xp = model.posedAnchors(cond, sol);
        else {
          // tracking.py L869–878: x* − J⁻¹_sg (f(x*) − sg f(x*)), target treated as a constant.
          const xs = tf.tensor2d(sol.points, [65, 3]);
          const f = anchorMap(model.params, cond, xs);
          const df = tf.sub(f, stopGradient(f));
          xp = tf.sub(xs, tf.sum(tf.mul(tf.tensor3d(sol.jacobianInverse, [65, 3, 3]), tf.expandDims(df, 1)), 2));
        }
        return tf.sum(tf.mul(xp, tf.tensor2d(w, [65, 3])));
      })([tf.tensor1d(zGeo0), tf.tensor1d(zExp0)]);
      return tf.add(tf.sum(tf.mul(gg!, tf.tensor1d(vg))), tf.sum(tf.mul(ge!, tf.tensor1d(ve)))).dataSync()[0]!;
    });
  }

  test('the differentiable posed anchors have the solved value', async () => {
    const codes = { zGeo: tf.tensor1d(zGeo0), zApp: tf.tensor1d(zApp0), zExp: tf.tensor1d(zExp0) };
    const cond = model.condition(codes, { app: false });
    const xp = model.posedAnchors(cond, sol);
    expect(Array.from(await xp.data())).toEqual(Array.from(sol.points));
    tf.dispose([xp, codes.zGeo, codes.zApp, codes.zExp]);
  });

  const h = 3e-3;
  const tol = 5e-4;
  const zeroG = new Float32Array(zGeo0.length);
  const zeroE = new Float32Array(zExp0.length);

  test.each([0, 1, 2])('w.r.t. z_exp, direction %i', async (k) => {
    const ve = unit(zExp0.length, rng(100 + k));
    const fd = ((await solvedLoss(zeroG, ve, h)) - (await solvedLoss(zeroG, ve, -h))) / (2 * h);
    const an = implicitDirectional(zeroG, ve);
    expect(Math.abs(an - fd)).toBeLessThan(tol);
  });

  test.each([0, 1])('w.r.t. z_geo (global part: moves the anchors a_c), direction %i', async (k) => {
    const vg = unit(zGeo0.length, rng(200 + k), fx.config.decoder.id.lat_dim_glob);
    const fd = ((await solvedLoss(vg, zeroE, h)) - (await solvedLoss(vg, zeroE, -h))) / (2 * h);
    const an = implicitDirectional(vg, zeroE);
    const orig = implicitDirectional(vg, zeroE, true);
    expect(Math.abs(an - fd)).toBeLessThan(tol);
    // The original formula misses J⁻¹·∂a_c/∂z_geo: far outside the tolerance.
    expect(Math.abs(orig - fd)).toBeGreaterThan(20 * tol);
  });

  test('w.r.t. z_geo (full code direction)', async () => {
    const vg = unit(zGeo0.length, rng(300));
    const fd = ((await solvedLoss(vg, zeroE, h)) - (await solvedLoss(vg, zeroE, -h))) / (2 * h);
    expect(Math.abs(implicitDirectional(vg, zeroE) - fd)).toBeLessThan(tol);
  });
});
