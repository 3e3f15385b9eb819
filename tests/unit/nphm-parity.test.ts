/**
 * Parity with the original PyTorch MonoNPHM on the `mononphm-small-a` fixture, on cpu and wasm,
 * with the fixture README's tolerances (≈10–100× the original's own float32-vs-float64 gaps).
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initNodeTf, type NodeBackend } from '../../src/cli/tf-node.ts';
import { anchorType } from '../../src/nphm/config.ts';
import { knnIndices } from '../../src/nphm/edge-plan.ts';
import { anchorJacobians, anchorMap } from '../../src/nphm/anchor-invert.ts';
import type { NphmModel, Conditioning } from '../../src/nphm/model.ts';
import { disposeConditioning, type NphmCodes } from '../../src/nphm/conditioning.ts';
import { fixtureCodes, fixtureModel, gradientViolations, loadFixture, maxAbs, violations } from './nphm-fixture.ts';

const fx = loadFixture();
const E = fx.expected;
const N = fx.inputs.points.length;

describe.each(['cpu', 'wasm'] as NodeBackend[])('MonoNPHM parity on %s', (backend) => {
  let model: NphmModel;
  let codes: NphmCodes;
  let cond: Conditioning;
  let pts: tf.Tensor2D;

  beforeAll(async () => {
    await initNodeTf(backend);
    model = fixtureModel();
    codes = fixtureCodes();
    cond = model.condition(codes);
    pts = tf.tensor2d(fx.inputs.points);
  });
  afterAll(() => {
    disposeConditioning(cond);
    tf.dispose([pts, codes.zGeo, codes.zApp, codes.zExp]);
    model.dispose();
  });

  test('anchors and compressed identity', async () => {
    expect(violations(await cond.anchors.data(), E.anchors_canonical, 1e-5, 1e-4)).toBe(0);
    expect(violations(await cond.cId.data(), E.c_id, 1e-5, 1e-4)).toBe(0);
    const a = model.anchors(codes.zGeo);
    expect(maxAbs(await a.data(), E.anchors_canonical)).toBeLessThan(1e-5);
    a.dispose();
  });

  test('deformation: offsets, hyper-coordinates, canonical queries', async () => {
    const d = model.deform(pts, cond);
    expect(violations(await d.offsets.data(), E.offsets, 1e-5, 1e-4)).toBe(0);
    expect(violations(await d.hyper.data(), E.hyper, 1e-5, 1e-4)).toBe(0);
    expect(violations(await d.queries.data(), E.queries_can, 1e-5, 1e-4)).toBe(0);
    tf.dispose([d.offsets, d.hyper, d.queries]);
  });

  test('kNN edges: anchor sets and order, MLP types (exact)', async () => {
    const q = tf.tensor2d(E.queries_can);
    const idx = knnIndices(q, cond.anchors, fx.config.decoder.id.nneigh);
    const got = (await idx.array()) as number[][];
    tf.dispose([q, idx]);
    const nloc = fx.config.decoder.id.nloc;
    for (let i = 0; i < N; i++) {
      const row = [...got[i]!, nloc];
      expect(row).toEqual(E.edge_anchor[i]);
      expect(row.map((k) => anchorType(fx.config, k))).toEqual(E.edge_type[i]);
    }
  });

  test('sdf, rgb, gradient and per-edge values', async () => {
    const r = model.fieldWithNormals(pts, cond, { edges: true });
    expect(violations(await r.sdf.data(), E.sdf, 1e-4)).toBe(0);
    expect(violations(await r.rgb!.data(), E.rgb, 1e-4)).toBe(0);
    expect(gradientViolations(await r.normals.data(), E.gradient)).toBe(0);
    expect(violations(await r.edges!.sdf.data(), E.edge_sdf, 1e-4)).toBe(0);
    expect(violations(await r.edges!.rgb!.data(), E.edge_rgb, 1e-4)).toBe(0);
    expect(violations(await r.edges!.weight.data(), E.edge_weight, 1e-5)).toBe(0);
    expect(violations(await r.queries.data(), E.queries_can, 1e-5, 1e-4)).toBe(0);
    tf.dispose(r as unknown as tf.TensorContainer);
  });

  test('chunked async evaluation equals the one-shot field and leaks no tensors', async () => {
    const before = tf.memory().numTensors;
    const ev = await model.evaluate(pts, cond, { normals: true, chunk: 77 });
    expect(tf.memory().numTensors).toBe(before);
    expect(violations(ev.sdf, E.sdf, 1e-4)).toBe(0);
    expect(violations(ev.rgb!, E.rgb, 1e-4)).toBe(0);
    expect(gradientViolations(ev.normals!, E.gradient)).toBe(0);
    const plain = await model.evaluate(pts, codes, { rgb: false });
    expect(plain.rgb).toBeUndefined();
    expect(violations(plain.sdf, E.sdf, 1e-4)).toBe(0);
    expect(tf.memory().numTensors).toBe(before);
  });

  test('Jacobian of x + Δ(x) at the canonical anchors', async () => {
    const J = await anchorJacobians(model.params, cond, Float32Array.from(E.anchors_canonical.flat()));
    expect(violations(J, E.jac_at_canonical_anchors, 1e-4)).toBe(0);
  });

  test('posed anchors (Broyden, no y-shifts as in the fixture)', async () => {
    const sol = await model.solveAnchors(cond);
    expect(sol.valid).toEqual(E.broyden_valid);
    expect(maxAbs(sol.points, E.posed_anchors)).toBeLessThan(2e-4);
    // The residual claim is checked independently of the solver's own bookkeeping.
    const f = anchorMap(model.params, cond, tf.tensor2d(sol.points, [sol.points.length / 3, 3]));
    const fx3 = await f.data();
    f.dispose();
    const a = flat3(E.anchors_canonical);
    for (let m = 0; m < sol.valid.length; m++) {
      if (!sol.valid[m]) continue;
      expect(Math.hypot(fx3[3 * m]! - a[3 * m]!, fx3[3 * m + 1]! - a[3 * m + 1]!, fx3[3 * m + 2]! - a[3 * m + 2]!)).toBeLessThan(5e-5);
    }
  });
});

function flat3(r: number[][]): number[] {
  return r.flat();
}
