/**
 * Every loss weight a plan sets reaches the objective of a tracking step: for each of the twelve
 * terms, raising its weight by 2 raises the step's objective by exactly 2 × that term's value (the
 * other terms unchanged, the same rays), and each term is non-zero in this set-up, so a weight
 * that was dropped on the way would show.
 */
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initNodeTf } from '../../src/cli/tf-node.ts';
import { invertRigid, lookAtOpenGL, makeCamera } from '../../src/render/camera.ts';
import type { NphmModel } from '../../src/nphm/model.ts';
import { codeSpace } from '../../src/track/code-space.ts';
import { GroupedAdam } from '../../src/track/optimizer.ts';
import { LANDMARK_PAIRS } from '../../src/track/landmark-pairs.ts';
import { LOSS_TERMS, SHORT_SCHEDULE, type LossWeights } from '../../src/track/schedules.ts';
import { initialState, type TrackingFrame } from '../../src/track/state.ts';
import { trackingStep } from '../../src/track/step.ts';
import { TrackVariables } from '../../src/track/variables.ts';
import { loadFixtureModel } from './helpers/fixture-model.ts';

let model: NphmModel;
beforeAll(async () => {
  await initNodeTf('wasm');
  model = loadFixtureModel();
});
afterAll(() => model.dispose());

const W = 24;
const camera = makeCamera(W, W, [[50, 0, 11.5], [0, 50, 11.5], [0, 0, 1]], invertRigid(lookAtOpenGL([0, 0, 2.5], [0, 0, 0], [0, 1, 0])), 'opengl');
const frame: TrackingFrame = {
  width: W,
  height: W,
  rgb: Float32Array.from({ length: 3 * W * W }, (_, i) => Math.sin(i) * 0.5),
  labels: Uint8Array.from({ length: W * W }, (_, i) => (Math.hypot((i % W) - 12, Math.floor(i / W) - 12) < 7 ? (i % 5 === 0 ? 14 : 2) : 0)),
  // Every paired landmark a few pixels from the image centre, so the landmark term is non-zero.
  landmarks: Float32Array.from({ length: 136 }, (_, i) => 12 + ((i * 5) % 7) - 3),
  camera,
};

async function objective(weights: LossWeights): Promise<Record<string, number>> {
  const space = codeSpace('raw', model.sizes);
  const state = initialState(model, 2);
  // Non-zero codes, expressions and poses that differ between the two frames: every term has a value.
  state.zGeo = Float32Array.from(state.zGeo, (_, i) => 0.01 * Math.sin(i));
  state.zApp = Float32Array.from(state.zApp, (_, i) => 0.01 * Math.cos(i));
  state.frames[0]!.zExp = Float32Array.from(state.frames[0]!.zExp, (_, i) => 0.02 * Math.sin(3 * i));
  state.frames[1] = { zExp: state.frames[0]!.zExp.map((v) => -v), rot: Float32Array.from([0.02, -0.03, 0.01]), trans: Float32Array.from([0.01, 0, -0.01]) };
  const vars = new TrackVariables(state, [0, 1], space);
  const lr = { ...SHORT_SCHEDULE.stage2.lr, color: 1e-4 };
  const opt = new GroupedAdam(vars.groups(lr, 0.1));
  try {
    const r = await trackingStep(opt, {
      model, vars, row: 0, frame, settings: { lr, weights, variance: 0.5 },
      sampling: { ...SHORT_SCHEDULE.sampling, raysPerIteration: 48 }, pairs: LANDMARK_PAIRS, anchorYShifts: false, seed: 4,
    });
    return r.losses;
  } finally {
    opt.dispose();
    vars.dispose();
  }
}

describe('a tracking step\'s objective', () => {
  const ones = Object.fromEntries(LOSS_TERMS.map((k) => [k, 1])) as unknown as LossWeights;
  let base: Record<string, number>;
  beforeAll(async () => {
    base = await objective(ones);
  }, 120_000);

  it('is the weighted sum of its terms, each of them non-zero here', () => {
    for (const k of LOSS_TERMS) expect(base[k], k).toBeGreaterThan(0);
    const sum = LOSS_TERMS.reduce((a, k) => a + base[k]!, 0);
    expect(Math.abs(base.total! - sum) / sum).toBeLessThan(1e-5);
  });

  for (const term of LOSS_TERMS) {
    it(`follows the weight of ${term}`, async () => {
      const t0 = tf.memory().numTensors;
      const raised = await objective({ ...ones, [term]: 3 });
      const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(1, Math.abs(b));
      expect(rel(raised[term]!, base[term]!)).toBeLessThan(1e-5);
      expect(rel(raised.total! - base.total!, 2 * base[term]!)).toBeLessThan(1e-4);
      expect(tf.memory().numTensors).toBe(t0);
    }, 120_000);
  }
});
