/**
 * Tracking inside the model's own space: frames rendered by the default model itself with known
 * codes (src/synth/model-video.ts: an identity and appearance 1.5 spreads from the mean, a mild
 * smile; known poses and lighting; masks from the silhouette, landmarks
 * from the posed anchors), tracked from the mean head. Nothing separates the frames from the model
 * but the tracker, so what it fails to recover is the optimiser's or the gradients' doing.
 *
 * Shape is measured as MonoNPHM's evaluation does (src/track/accuracy.ts): the face region of the
 * true mesh as a camera sees it, after a similarity ICP (a monocular tracker cannot tell a larger
 * head further away from a smaller one nearer: the depth it finds is reported, not scored).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initNodeTf } from '../../src/cli/tf-node.ts';
import { nodeAssetReader, PUBLIC_DIR } from '../../src/cli/assets-node.ts';
import { loadStudioModel } from '../../src/nodes/nphm/load-model.ts';
import type { ModelValue } from '../../src/nodes/nphm/values.ts';
import { parseNamedExpressions } from '../../src/nphm/named-expressions.ts';
import { pinholeToCamera, renderModelVideo, trackingFrameOf, type ModelVideoFrame } from '../../src/synth/model-video.ts';
import { LANDMARK_PAIRS } from '../../src/track/landmark-pairs.ts';
import { SHORT_SCHEDULE } from '../../src/track/schedules.ts';
import { resolveTrackingPlan } from '../../src/track/plan.ts';
import { track } from '../../src/track/tracker.ts';
import { scoreTracking, trackedFrameMesh } from '../../src/cli/tracking-eval.ts';
import { MM_PER_UNIT, type FrameTruth } from '../../src/track/accuracy.ts';
import type { Camera } from '../../src/render/camera.ts';

let mv: ModelValue;
let frames: ModelVideoFrame[];
let camera: Camera;
let truthGeo: Float32Array;

const relErr = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let d = 0, n = 0;
  for (let i = 0; i < b.length; i++) (d += (a[i]! - b[i]!) ** 2), (n += b[i]! ** 2);
  return Math.sqrt(d / n);
};

beforeAll(async () => {
  await initNodeTf('wasm');
  mv = await loadStudioModel(nodeAssetReader([PUBLIC_DIR]), 'models/default/model.json');
  const file = fileURLToPath(new URL('../../public/models/default/expressions.json', import.meta.url));
  const expressions = parseNamedExpressions(JSON.parse(readFileSync(file, 'utf8')), mv.model.sizes.zExpDim, file);
  frames = [];
  const setup = await renderModelVideo(mv.model, mv.stats!, { frames: 1, size: 96, seed: 5, spread: 1.5, expressions, meshResolution: 112, samples: 32, pairs: LANDMARK_PAIRS }, (f) => void frames.push(f));
  camera = pinholeToCamera(setup.camera);
  truthGeo = setup.zGeo;
}, 1_200_000);
afterAll(() => mv?.dispose());

const truthOf = (f: ModelVideoFrame): FrameTruth => ({ mesh: f.mesh, camera, pose: f.residual, labels: f.labels });

describe('tracking frames rendered by the default model (short schedule, 96 px)', () => {
  it('recovers the shape of the first frame from the mean head', async () => {
    const f0 = frames[0]!;
    const plan = resolveTrackingPlan(SHORT_SCHEDULE, [0], { stages: '1' });
    const t0 = tf.memory().numTensors;
    const state = await track(mv.model, [trackingFrameOf(f0, camera)], { plan, pairs: LANDMARK_PAIRS, stats: mv.stats, seed: 1 });
    expect(tf.memory().numTensors).toBe(t0);
    const fr = state.frames[0]!;
    const acc = await scoreTracking(mv.model, [await trackedFrameMesh(mv.model, state, 0)], [truthOf(f0)], mv.stats);
    const t = acc.trackedMean, m = acc.truePoseMean;
    const depthMm = (fr.trans[2]! - f0.residual.trans[2]!) * MM_PER_UNIT;
    console.log(`in-model first frame: aligned face Chamfer-L1 ${t.faceAligned.chamferL1mm.toFixed(2)} mm (mean head at the true pose ${m.faceAligned.chamferL1mm.toFixed(2)} mm), NC ${t.faceAligned.normalConsistency.toFixed(3)} (${m.faceAligned.normalConsistency.toFixed(3)}); unaligned face ${t.face.chamferL1mm.toFixed(2)} mm (${m.face.chamferL1mm.toFixed(2)} mm); depth error ${depthMm.toFixed(1)} mm; z_geo error ${relErr(state.zGeo, truthGeo).toFixed(2)} of the true code`);
    // The identity moves most of the way: a tracker that left it at the mean would score 1.0×.
    expect(t.faceAligned.chamferL1mm).toBeLessThan(0.6 * m.faceAligned.chamferL1mm);
    expect(t.faceAligned.chamferL1mm).toBeLessThan(1.5);
    expect(t.faceAligned.normalConsistency).toBeGreaterThan(m.faceAligned.normalConsistency);
  }, 1_200_000);
});
