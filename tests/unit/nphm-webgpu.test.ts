/**
 * Parity on webgpu (Dawn in Node, SwiftShader: a CPU-emulated GPU, so slow; one file). Only async
 * reads: the sync methods get their edge plan from `model.plan`.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initNodeTf } from '../../src/cli/tf-node.ts';
import type { NphmModel, Conditioning } from '../../src/nphm/model.ts';
import { disposeConditioning, type NphmCodes } from '../../src/nphm/conditioning.ts';
import { disposePlan } from '../../src/nphm/edge-plan.ts';
import { fixtureCodes, fixtureModel, gradientViolations, loadFixture, maxAbs, violations } from './nphm-fixture.ts';

const fx = loadFixture();
const E = fx.expected;

// SwiftShader compiles every shader on the CPU: generous limits for a loaded CI machine.
describe('MonoNPHM parity on webgpu', { timeout: 300_000 }, () => {
  let model: NphmModel;
  let codes: NphmCodes;
  let cond: Conditioning;

  beforeAll(async () => {
    await initNodeTf('webgpu');
    model = fixtureModel();
    codes = fixtureCodes();
    cond = model.condition(codes);
  }, 300_000);
  afterAll(() => {
    disposeConditioning(cond);
    tf.dispose([codes.zGeo, codes.zApp, codes.zExp]);
    model.dispose();
  });

  test('anchors, c_id, deformation', async () => {
    expect(tf.getBackend()).toBe('webgpu');
    expect(violations(await cond.anchors.data(), E.anchors_canonical, 1e-5, 1e-4)).toBe(0);
    expect(violations(await cond.cId.data(), E.c_id, 1e-5, 1e-4)).toBe(0);
    const pts = tf.tensor2d(fx.inputs.points);
    const d = model.deform(pts, cond);
    expect(violations(await d.offsets.data(), E.offsets, 1e-5, 1e-4)).toBe(0);
    expect(violations(await d.hyper.data(), E.hyper, 1e-5, 1e-4)).toBe(0);
    tf.dispose([pts, d.offsets, d.hyper, d.queries]);
  });

  test('sdf, rgb, gradient (chunked evaluate) and per-edge values (explicit plan)', async () => {
    const ev = await model.evaluate(Float32Array.from(fx.inputs.points.flat()), cond, { normals: true, chunk: 320 });
    expect(violations(ev.sdf, E.sdf, 1e-4)).toBe(0);
    expect(violations(ev.rgb!, E.rgb, 1e-4)).toBe(0);
    expect(gradientViolations(ev.normals!, E.gradient)).toBe(0);
    expect(violations(ev.queries, E.queries_can, 1e-5, 1e-4)).toBe(0);

    // Same shapes as the evaluate call above, so SwiftShader reuses the compiled pipelines.
    const pts = tf.tensor2d(fx.inputs.points);
    const xc = model.deform(pts, cond);
    const plan = await model.plan(xc.queries, cond);
    const r = model.fieldWithNormals(pts, cond, { plan, edges: true });
    expect(maxAbs(await r.edges!.sdf.data(), E.edge_sdf)).toBeLessThan(1e-4);
    expect(maxAbs(await r.edges!.weight.data(), E.edge_weight)).toBeLessThan(1e-5);
    expect(Array.from(plan.knn)).toEqual(E.edge_anchor.flatMap((row) => row.slice(0, -1)));
    disposePlan(plan);
    tf.dispose([pts, xc.offsets, xc.hyper, xc.queries, r as unknown as tf.TensorContainer]);
  });

  test('posed anchors', async () => {
    const sol = await model.solveAnchors(cond);
    expect(sol.valid).toEqual(E.broyden_valid);
    expect(maxAbs(sol.points, E.posed_anchors)).toBeLessThan(2e-4);
  });
});
