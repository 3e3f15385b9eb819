/**
 * Pose from landmarks: landmarks made by projecting the model's own posed anchors through a known
 * pose and camera (OpenCV convention, as the sample's); the fit from the identity must return that
 * pose, and refuse frames with too few landmarks.
 */
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initNodeTf } from '../../src/cli/tf-node.ts';
import { makeCamera } from '../../src/render/camera.ts';
import type { NphmModel } from '../../src/nphm/model.ts';
import { composePoses, invertPose, poseFromLandmarkMotion, poseFromLandmarks } from '../../src/track/pose-init.ts';
import { so3ExpNumbers } from '../../src/render/pose.ts';
import { projectToPixels } from '../../src/track/projection.ts';
import { LANDMARK_PAIRS } from '../../src/track/landmark-pairs.ts';
import { withCodes } from '../../src/track/state-render.ts';
import { loadFixtureModel } from './helpers/fixture-model.ts';

let model: NphmModel;
const camera = makeCamera(160, 160, [[320, 0, 79.5], [0, 320, 79.5], [0, 0, 1]], [[1, 0, 0, 0], [0, -1, 0, -0.05], [0, 0, -1, 2.6], [0, 0, 0, 1]], 'opencv');

beforeAll(async () => {
  await initNodeTf('wasm');
  model = loadFixtureModel();
});
afterAll(() => model?.dispose());

const zeros = () => ({ zGeo: new Float32Array(model.sizes.zGeoDim), zApp: new Float32Array(model.sizes.zAppDim), zExp: new Float32Array(model.sizes.zExpDim) });

async function landmarksAt(pose: { rot: number[]; trans: number[] }): Promise<Float32Array> {
  const sol = await withCodes(model, zeros(), (cond) => model.solveAnchors(cond));
  const uv = tf.tidy(() => projectToPixels(tf.tensor2d(sol.points, [sol.points.length / 3, 3]), { rot: tf.tensor1d(pose.rot), trans: tf.tensor1d(pose.trans) }, camera));
  const px = (await uv.data()) as Float32Array;
  uv.dispose();
  const lm = new Float32Array(136).fill(NaN);
  for (const [a, l] of LANDMARK_PAIRS.pairs) lm.set([px[2 * a]!, px[2 * a + 1]!], 2 * l);
  return lm;
}

describe('poseFromLandmarks', () => {
  it('recovers a turned and shifted head from the identity', async () => {
    const truth = { rot: [0.03, 0.28, -0.05], trans: [-0.045, 0.01, 0.02] };
    const lm = await landmarksAt(truth);
    const tensors = tf.memory().numTensors;
    const fit = await poseFromLandmarks(model, zeros(), lm, camera, LANDMARK_PAIRS.pairs);
    expect(tf.memory().numTensors).toBe(tensors);
    expect(fit).not.toBeNull();
    console.log(`pose from landmarks: rot ${fit!.rot.map((x) => x.toFixed(4))} trans ${fit!.trans.map((x) => x.toFixed(4))}, rms ${fit!.rmsPixels.toFixed(3)} px over ${fit!.pairsUsed} pairs`);
    for (let k = 0; k < 3; k++) {
      expect(Math.abs(fit!.rot[k]! - truth.rot[k]!)).toBeLessThan(0.003); // 0.2°
      expect(Math.abs(fit!.trans[k]! - truth.trans[k]!)).toBeLessThan(0.002); // 0.5 mm
    }
    expect(fit!.rmsPixels).toBeLessThan(0.1);
  }, 120_000);

  it('moves a previous pose by the landmark motion, keeping its offset from the fit (the bias cancels)', async () => {
    const a = { rot: [0.02, 0.25, -0.04], trans: [-0.04, 0.0, 0.01] };
    const b = { rot: [-0.03, 0.1, 0.05], trans: [0.02, 0.01, 0.03] };
    // The previous frame was tracked with a model-side offset from what its landmarks give.
    const offset = { rot: [0.08, -0.02, 0.01], trans: [0.003, -0.004, 0.002] };
    const got = await poseFromLandmarkMotion(model, zeros(), { landmarks: await landmarksAt(a), pose: composePoses(offset, a) }, { landmarks: await landmarksAt(b) }, camera, LANDMARK_PAIRS.pairs);
    const want = composePoses(offset, b);
    for (let k = 0; k < 3; k++) {
      expect(Math.abs(got!.rot[k]! - want.rot[k]!)).toBeLessThan(0.003);
      expect(Math.abs(got!.trans[k]! - want.trans[k]!)).toBeLessThan(0.002);
    }
  }, 120_000);

  it('returns null when fewer than 6 pairs have a landmark', async () => {
    const lm = await landmarksAt({ rot: [0, 0, 0], trans: [0, 0, 0] });
    const few = new Float32Array(136).fill(NaN);
    for (const [, l] of LANDMARK_PAIRS.pairs.slice(0, 5)) few.set([lm[2 * l]!, lm[2 * l + 1]!], 2 * l);
    expect(await poseFromLandmarks(model, zeros(), few, camera, LANDMARK_PAIRS.pairs)).toBeNull();
  }, 60_000);
});

describe('pose algebra', () => {
  const a = { rot: [0.3, -0.2, 0.1], trans: [0.05, -0.02, 0.1] };
  const b = { rot: [-0.1, 0.4, 0.25], trans: [-0.03, 0.06, 0.01] };
  const apply = (p: { rot: ArrayLike<number>; trans: ArrayLike<number> }, x: number[]) => {
    const R = so3ExpNumbers(Array.from(p.rot));
    return [0, 1, 2].map((i) => R[i]![0]! * x[0]! + R[i]![1]! * x[1]! + R[i]![2]! * x[2]! + p.trans[i]!);
  };
  it('composes as function composition (b first) and inverts', () => {
    const x = [0.2, -0.1, 0.3];
    const ab = composePoses(a, b);
    const want = apply(a, apply(b, x));
    apply(ab, x).forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 6));
    const id = composePoses(a, invertPose(a));
    for (const v of [...id.rot, ...id.trans]) expect(Math.abs(v)).toBeLessThan(1e-6);
    const back = apply(invertPose(a), apply(a, x));
    back.forEach((v, i) => expect(v).toBeCloseTo(x[i]!, 6));
  });
});
