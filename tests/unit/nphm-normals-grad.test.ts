/**
 * Normals are differentiable again: the gradient w.r.t. the codes of a loss of the normals
 * (∂sdf/∂x_posed, as the NeuS cos term and the SH shading use them) against central finite
 * differences of the first-order normals, plus wasm against cpu on the same double backward (wasm
 * lacks UnsortedSegmentSum, so this also checks that no gather gradient is needed).
 *
 * The model's normals are only piecewise smooth in the codes: σ is the distance to the 8th nearest
 * anchor, so ∂σ/∂x jumps where the 8th and 9th nearest anchors swap, and the kNN set itself changes
 * where the 12th and 13th swap (the original has the same kinks). Finite differences across a kink
 * are meaningless, so the loss only uses points whose ordered kNN list is identical at z − h, z and
 * z + h.
 *
 * Tolerance reasoning (float32): a normal carries ≈ 1e-6 relative rounding (the fixture's own
 * f32-vs-f64 gap on `gradient` is 9e-6 absolute on norms up to 7), so the loss (≈ 300 points × 3
 * components, |c| ≤ 0.5) has noise ≈ √900·0.5·5e-6 ≈ 1e-4, i.e. ≈ 0.05 after dividing by
 * 2h = 2e-3; O(h²) truncation is far smaller at h = 1e-3. Bound: 0.1 + 2e-3·|d| on derivatives of
 * size O(1–100).
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initNodeTf } from '../../src/cli/tf-node.ts';
import type { NphmModel } from '../../src/nphm/model.ts';
import { knnIndices } from '../../src/nphm/edge-plan.ts';
import { disposeConditioning } from '../../src/nphm/conditioning.ts';
import { fixtureModel, loadFixture } from './nphm-fixture.ts';

const fx = loadFixture();
const zGeo0 = Float32Array.from(fx.inputs.z_geo[0]!);
const zApp0 = Float32Array.from(fx.inputs.z_app[0]!);
const zExp0 = Float32Array.from(fx.inputs.z_exp[0]!);
const pts = Float32Array.from(fx.inputs.points.flat());
const N = pts.length / 3;

function rng(seed: number) {
  let s = seed;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 4294967296 - 0.5;
  };
}
const unit = (n: number, r: () => number) => {
  const v = Float32Array.from({ length: n }, r);
  const norm = Math.hypot(...v);
  return v.map((x) => x / norm);
};
const c = Float32Array.from({ length: 3 * N }, rng(5));

type Codes = { zGeo: Float32Array; zApp: Float32Array; zExp: Float32Array };
const shifted = (vg: Float32Array, ve: Float32Array, eps: number): Codes => ({
  zGeo: zGeo0.map((z, i) => z + eps * vg[i]!),
  zApp: zApp0,
  zExp: zExp0.map((z, i) => z + eps * ve[i]!),
});

/** L = Σ_i m_i (c_i·n_i + sdf_i² + |rgb_i|²) as a tensor, for codes as tensors. */
function lossTensor(model: NphmModel, x: tf.Tensor2D, mask: Float32Array, zg: tf.Tensor, za: tf.Tensor, ze: tf.Tensor): tf.Scalar {
  const cond = model.condition({ zGeo: zg, zApp: za, zExp: ze });
  const r = model.fieldWithNormals(x, cond);
  const m = tf.tensor1d(mask);
  const perPoint = tf.addN([tf.sum(tf.mul(r.normals, tf.tensor2d(c, [N, 3])), 1), tf.square(r.sdf), tf.sum(tf.square(r.rgb!), 1)]);
  return tf.sum(tf.mul(perPoint, m));
}

function codeGrads(model: NphmModel, mask: Float32Array): { gGeo: Float32Array; gApp: Float32Array; gExp: Float32Array } {
  return tf.tidy(() => {
    const x = tf.tensor2d(pts, [N, 3]);
    const [gGeo, gApp, gExp] = tf.grads((zg: tf.Tensor, za: tf.Tensor, ze: tf.Tensor) => lossTensor(model, x, mask, zg, za, ze))([
      tf.tensor1d(zGeo0),
      tf.tensor1d(zApp0),
      tf.tensor1d(zExp0),
    ]);
    return { gGeo: gGeo!.dataSync() as Float32Array, gApp: gApp!.dataSync() as Float32Array, gExp: gExp!.dataSync() as Float32Array };
  });
}

function lossValue(model: NphmModel, codes: Codes, mask: Float32Array): number {
  return tf.tidy(() => lossTensor(model, tf.tensor2d(pts, [N, 3]), mask, tf.tensor1d(codes.zGeo), tf.tensor1d(codes.zApp), tf.tensor1d(codes.zExp)).dataSync()[0]!);
}

async function knnLists(model: NphmModel, codes: Codes): Promise<Int32Array> {
  const cond = model.condition({ zGeo: tf.tensor1d(codes.zGeo), zApp: tf.tensor1d(codes.zApp), zExp: tf.tensor1d(codes.zExp) }, { app: false });
  const x = tf.tensor2d(pts, [N, 3]);
  const d = model.deform(x, cond);
  const idx = knnIndices(d.queries, cond.anchors, fx.config.decoder.id.nneigh);
  const out = (await idx.data()) as Int32Array;
  tf.dispose([x, d.offsets, d.hyper, d.queries, idx]);
  disposeConditioning(cond);
  return out;
}

describe('double backward through the normals', () => {
  let model: NphmModel;
  const h = 1e-3;
  const K = fx.config.decoder.id.nneigh;

  beforeAll(async () => {
    await initNodeTf('cpu');
    model = fixtureModel();
  });
  afterAll(() => model.dispose());

  /** Points whose ordered kNN list is the same at z − h, z, z + h along (vg, ve). */
  async function stableMask(vg: Float32Array, ve: Float32Array): Promise<Float32Array> {
    const lists = await Promise.all([-h, 0, h].map((e) => knnLists(model, shifted(vg, ve, e))));
    return Float32Array.from({ length: N }, (_, i) => {
      for (let j = 0; j < K; j++) if (lists[0]![i * K + j] !== lists[1]![i * K + j] || lists[2]![i * K + j] !== lists[1]![i * K + j]) return 0;
      return 1;
    });
  }

  async function check(vg: Float32Array, ve: Float32Array) {
    const mask = await stableMask(vg, ve);
    expect(mask.reduce((a, b) => a + b, 0)).toBeGreaterThan(0.8 * N);
    const g = codeGrads(model, mask);
    const an = g.gGeo.reduce((s, v, i) => s + v * vg[i]!, 0) + g.gExp.reduce((s, v, i) => s + v * ve[i]!, 0);
    const fd = (lossValue(model, shifted(vg, ve, h), mask) - lossValue(model, shifted(vg, ve, -h), mask)) / (2 * h);
    expect(Math.abs(an - fd)).toBeLessThan(0.1 + 2e-3 * Math.abs(fd));
  }

  const zeroG = new Float32Array(zGeo0.length);
  const zeroE = new Float32Array(zExp0.length);
  test.each([0, 1])('along z_exp (direction %i)', async (k) => check(zeroG, unit(zExp0.length, rng(40 + k))));
  test('along z_geo', async () => check(unit(zGeo0.length, rng(60)), zeroE));

  test('wasm computes the same double backward as cpu', async () => {
    const all = new Float32Array(N).fill(1);
    const cpu = codeGrads(model, all);
    await initNodeTf('wasm');
    const m = fixtureModel();
    const before = tf.memory().numTensors;
    const w = codeGrads(m, all);
    expect(tf.memory().numTensors).toBe(before);
    m.dispose();
    await initNodeTf('cpu');
    for (const k of ['gGeo', 'gApp', 'gExp'] as const) {
      const scale = Math.max(...cpu[k].map(Math.abs));
      let err = 0;
      for (let i = 0; i < cpu[k].length; i++) err = Math.max(err, Math.abs(w[k][i]! - cpu[k][i]!));
      expect(err).toBeLessThan(1e-3 * scale);
    }
  });
});
