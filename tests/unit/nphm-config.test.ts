/** Config validation, state-dict checks of buildModel, the paper preset, and anchor y-shifts. */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, test } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initNodeTf } from '../../src/cli/tf-node.ts';
import { PAPER_CONFIG, anchorType, derivedSizes, typeNodes, validateConfig } from '../../src/nphm/config.ts';
import { buildModel, expectedShapes, randomStateDicts } from '../../src/nphm/state-dict.ts';
import { MEAN_ANCHORS_65 } from '../../src/nphm/mean-anchors.ts';
import { ORIGINAL_TRACKER_Y_SHIFTS } from '../../src/nphm/anchor-invert.ts';
import { monoNphmStateDictShapes } from '../../src/nphm/weights/mononphm-shapes.ts';
import { FIXTURE_DIR, LANDMARK_PAIRS_FILE, fixtureCodes, fixtureModel, loadFixture, maxAbs } from './nphm-fixture.ts';

const fixtureConfig = () => JSON.parse(readFileSync(FIXTURE_DIR + 'config.json', 'utf8'));

describe('config', () => {
  test('fixture config: sizes as its derived section says', () => {
    const raw = fixtureConfig();
    const s = derivedSizes(validateConfig(raw));
    expect(s.zGeoDim).toBe(raw.derived.z_geo_dim);
    expect(s.zAppDim).toBe(raw.derived.z_app_dim);
    expect(s.zExpDim).toBe(raw.derived.z_exp_dim);
    expect(s.numTypes).toBe(raw.derived.num_mlp_types);
    expect(s.edgesPerPoint).toBe(raw.derived.edges_per_point);
    expect(s.dPos).toBe(raw.derived.d_pos);
  });

  test('paper preset: z_geo 2176 = 64 + 66 × 32, 36 types, c_id 16, hidden 200/200/400', () => {
    const s = derivedSizes(validateConfig(PAPER_CONFIG));
    expect([s.zGeoDim, s.zAppDim, s.zExpDim, s.numTypes, s.defIn, s.skipLayer]).toEqual([2176, 2176, 100, 36, 119, 3]);
    // Parameter counts of the reference (§1.8): id ≈ 10.28 M, ex ≈ 0.94 M.
    const count = (m: Map<string, number[]>) => [...m.values()].reduce((a, sh) => a + sh.reduce((x, y) => x * y, 1), 0);
    const e = expectedShapes(PAPER_CONFIG);
    expect(count(e.idDecoder)).toBe(36 * 141201 + 36 * 143803 + 3488 + 20995);
    expect(count(e.exDecoder)).toBe(37952 + 899605);
  });

  test('expected shapes agree with the checkpoint importer', () => {
    for (const cfg of [PAPER_CONFIG, fixtureConfig()]) {
      const mine = expectedShapes(validateConfig(cfg));
      const theirs = monoNphmStateDictShapes(cfg);
      expect(Object.fromEntries(mine.idDecoder)).toEqual(Object.fromEntries(theirs.id));
      expect(Object.fromEntries(mine.exDecoder)).toEqual(Object.fromEntries(theirs.ex));
    }
  });

  test('MLP types: pairs share, midline single, global last', () => {
    const c = PAPER_CONFIG;
    expect([0, 1, 58, 59, 60, 64, 65].map((k) => anchorType(c, k))).toEqual([0, 0, 29, 29, 30, 34, 35]);
    expect(typeNodes(c, 3)).toEqual([6, 7]);
    expect(typeNodes(c, 31)).toEqual([61]);
    expect(typeNodes(c, 35)).toEqual([65]);
  });

  test.each([
    [(c: any) => delete c.decoder.ex.hidden_dim, /'decoder\.ex\.hidden_dim' is missing/],
    [(c: any) => (c.decoder.id.gnn.hidden_dim_geo = 'wide'), /'decoder\.id\.gnn\.hidden_dim_geo' must be an integer, got "wide"/],
    [(c: any) => (c.decoder.id.nneigh = 4), /'decoder\.id\.nneigh' must be ≥ 8/],
    [(c: any) => (c.decoder.id.blend_std = -1), /'decoder\.id\.blend_std' must be a positive number/],
    [(c: any) => (c.decoder.ex.mode = 'interpolate'), /'decoder\.ex\.mode' must be 'compress'/],
    [(c: any) => delete c.decoder.id, /'decoder\.id' must be an object/],
    [(c: any) => (c.decoder.id.nsymm_pairs = 40), /'decoder\.id\.nsymm_pairs' must be ≤ nloc\/2/],
  ])('invalid config %#: error names the key', (mutate, msg) => {
    const c = fixtureConfig();
    mutate(c);
    expect(() => validateConfig(c)).toThrow(msg);
  });
});

describe('buildModel checks the state dicts', () => {
  beforeAll(async () => {
    await initNodeTf('cpu');
  });

  test('missing key: named with its expected shape', () => {
    const f = loadFixture();
    const id = new Map(f.stateDicts.idDecoder);
    id.delete('aggr_app.layers.7.layers.4.weight');
    expect(() => buildModel(f.config, { idDecoder: id, exDecoder: f.stateDicts.exDecoder }, f.meanAnchors)).toThrow(
      /id_decoder: 1 missing key\(s\): aggr_app\.layers\.7\.layers\.4\.weight \[32, 32\]/,
    );
  });

  test('shape mismatch: key, expected and actual shape', () => {
    const f = loadFixture();
    const ex = new Map(f.stateDicts.exDecoder);
    ex.set('defDeepSDF.lin3.weight', { shape: [64, 64], data: new Float32Array(64 * 64) });
    expect(() => buildModel(f.config, { idDecoder: f.stateDicts.idDecoder, exDecoder: ex }, f.meanAnchors)).toThrow(
      /ex_decoder: 1 shape mismatch\(es\): defDeepSDF\.lin3\.weight: expected \[64, 91\], got \[64, 64\]/,
    );
  });

  test('keys the forward pass does not need are ignored; no tensors leak', () => {
    const f = loadFixture();
    const id = new Map(f.stateDicts.idDecoder);
    id.set('some.extra.buffer', { shape: [2], data: new Float32Array(2) });
    const before = tf.memory().numTensors;
    const m = buildModel(f.config, { idDecoder: id, exDecoder: f.stateDicts.exDecoder }, f.meanAnchors);
    m.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  test('bad mean anchors', () => {
    const f = loadFixture();
    expect(() => buildModel(f.config, f.stateDicts, f.meanAnchors.slice(1))).toThrow(/mean anchors: expected 65 finite/);
  });

  test('the built-in mean anchors are anchors_65.json', () => {
    expect(MEAN_ANCHORS_65).toEqual(loadFixture().meanAnchors);
  });

  test('paper model with random weights runs (shapes)', async () => {
    const m = buildModel(PAPER_CONFIG, randomStateDicts(PAPER_CONFIG, 3), MEAN_ANCHORS_65);
    const s = m.sizes;
    const codes = { zGeo: tf.zeros([s.zGeoDim]), zApp: tf.zeros([s.zAppDim]), zExp: tf.zeros([s.zExpDim]) };
    const r = await m.evaluate(Float32Array.from([0, 0, 0, 0.1, 0.2, 0.3]), codes, { normals: true });
    expect([r.sdf.length, r.rgb!.length, r.normals!.length, r.queries.length]).toEqual([2, 6, 6, 10]);
    expect([...r.sdf, ...r.rgb!, ...r.normals!].every(Number.isFinite)).toBe(true);
    tf.dispose([codes.zGeo, codes.zApp, codes.zExp]);
    m.dispose();
  });
});

describe('anchor y-shifts of the original tracker', () => {
  test('constants equal landmark_pairs.json', () => {
    const j = JSON.parse(readFileSync(LANDMARK_PAIRS_FILE, 'utf8')).anchor_y_shifts as Record<string, number>;
    expect(Object.fromEntries(Object.entries(ORIGINAL_TRACKER_Y_SHIFTS).map(([k, v]) => [String(k), v]))).toEqual(j);
  });

  test('shifted anchors are solved for the shifted targets, others unchanged', async () => {
    await initNodeTf('cpu');
    const model = fixtureModel();
    const codes = fixtureCodes();
    const plain = await model.solveAnchors(codes);
    const shifted = await model.solveAnchors(codes, { yShifts: ORIGINAL_TRACKER_Y_SHIFTS });
    const a = loadFixture().expected.anchors_canonical;
    for (let k = 0; k < 65; k++) {
      const dy = ORIGINAL_TRACKER_Y_SHIFTS[k] ?? 0;
      expect(shifted.targets[3 * k + 1]).toBeCloseTo(a[k]![1]! + dy, 6);
      if (dy === 0) expect(maxAbs(shifted.points.subarray(3 * k, 3 * k + 3), Array.from(plain.points.subarray(3 * k, 3 * k + 3)))).toBe(0);
      else expect(Math.abs(shifted.points[3 * k + 1]! - plain.points[3 * k + 1]!)).toBeGreaterThan(0.2 * Math.abs(dy));
    }
    expect(shifted.valid.every(Boolean)).toBe(true);
    tf.dispose([codes.zGeo, codes.zApp, codes.zExp]);
    model.dispose();
  });
});
