/**
 * A given initial pose per frame (a face tracker's, or a synthetic video's truth with the
 * Optimizer's `poseInit: truth`) is where each frame of stage 1 starts. The warm start from the
 * previous frame once overwrote it, so every frame after the first started at its predecessor's
 * pose instead: with poses 0.4 rad apart and one small step per frame, the tracked poses must stay
 * at their own starts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initNodeTf } from '../../src/cli/tf-node.ts';
import { invertRigid, lookAtOpenGL, makeCamera } from '../../src/render/camera.ts';
import type { NphmModel } from '../../src/nphm/model.ts';
import { LANDMARK_PAIRS } from '../../src/track/landmark-pairs.ts';
import { resolveTrackingPlan } from '../../src/track/plan.ts';
import { SHORT_SCHEDULE } from '../../src/track/schedules.ts';
import type { TrackingFrame } from '../../src/track/state.ts';
import { trackStage1 } from '../../src/track/tracker.ts';
import { loadFixtureModel } from './helpers/fixture-model.ts';

let model: NphmModel;
beforeAll(async () => {
  await initNodeTf('wasm');
  model = loadFixtureModel();
});
afterAll(() => model.dispose());

const W = 16;
const camera = makeCamera(W, W, [[34, 0, 7.5], [0, 34, 7.5], [0, 0, 1]], invertRigid(lookAtOpenGL([0, 0, 2.5], [0, 0, 0], [0, 1, 0])), 'opengl');
const frame = (k: number): TrackingFrame => ({
  width: W,
  height: W,
  rgb: Float32Array.from({ length: 3 * W * W }, (_, i) => Math.sin(i + k) * 0.5),
  labels: Uint8Array.from({ length: W * W }, (_, i) => (Math.hypot((i % W) - 8, Math.floor(i / W) - 8) < 5 ? 2 : 0)),
  landmarks: new Float32Array(136).fill(NaN),
  camera,
});

describe('stage 1 with given initial poses', () => {
  it('starts every frame at its own given pose, not at the previous frame\'s', async () => {
    const given = [
      { rot: [0, 0, 0], trans: [0, 0, 0] },
      { rot: [0, 0.4, 0], trans: [0.05, 0, 0] },
      { rot: [0, -0.4, 0], trans: [-0.05, 0, 0] },
    ];
    const plan = resolveTrackingPlan({ ...SHORT_SCHEDULE, sampling: { ...SHORT_SCHEDULE.sampling, raysPerIteration: 16, nCoarse: 8, nImportance: 8 } }, [0, 1, 1], { firstIterations: 1, laterIterations: 1, stages: '1', codeSteps: 'raw' });
    const state = await trackStage1(model, [frame(0), frame(1), frame(2)], { plan, pairs: LANDMARK_PAIRS, initialPose: given, poseInit: 'identity', seed: 1 });
    for (const [f, g] of given.entries()) {
      const s = state.frames[f]!;
      // One Adam step moves a rotation element by about its learning rate (1e-2 here): far less than 0.4.
      for (let k = 0; k < 3; k++) {
        expect(Math.abs(s.rot[k]! - g.rot[k]!), `frame ${f} rot[${k}]`).toBeLessThan(0.05);
        expect(Math.abs(s.trans[k]! - g.trans[k]!), `frame ${f} trans[${k}]`).toBeLessThan(0.02);
      }
    }
  }, 120_000);
});
