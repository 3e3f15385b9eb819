/**
 * The tracking terms reach the identity code: the gradients of the colour, silhouette and landmark
 * losses w.r.t. z_geo — through the renderer, the deformation (c_id), the anchors (blend weights and
 * local coordinates of the ensemble), the local MLPs and, for landmarks, the implicit posed anchors
 * — against central finite differences of the same losses, on the default model as tracking uses
 * it. Directions are split by the code's layout: the global part z_geo[:G] moves the anchors and the
 * compressed identity, the local part z_geo[G:] only the local MLPs' inputs.
 *
 * Finite differences need a smooth function: the render uses fixed sample depths (those of the
 * unperturbed render; tracking detaches them too), and the landmark loss re-solves the posed anchors
 * at every point, so its difference is the true total derivative the implicit gradient claims.
 * Tolerance: float32 losses of size 0.1–1 carry ≈ 1e-6 relative rounding; at h = 0.25 spreads per
 * element the difference quotient's noise is ≈ 1e-5 / (2h·σ-norm); truncation O(h²) on a smooth
 * network is below that. Bound: 3 % of the derivative plus 2 % of the largest derivative of the
 * term. A path that were cut (a stop-gradient, a constant anchor) would miss the derivative
 * entirely, far outside this bound.
 */
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initNodeTf } from '../../src/cli/tf-node.ts';
import { nodeAssetReader, PUBLIC_DIR } from '../../src/cli/assets-node.ts';
import { loadStudioModel } from '../../src/nodes/nphm/load-model.ts';
import type { ModelValue } from '../../src/nodes/nphm/values.ts';
import { statCodes } from '../../src/nodes/nphm/codes.ts';
import { cameraRays } from '../../src/render/rays.ts';
import { renderRays, shRotation } from '../../src/render/render.ts';
import { modelRenderField } from '../../src/render/model-field.ts';
import { sequenceCamera } from '../../src/synth/video.ts';
import { makeCamera } from '../../src/render/camera.ts';
import { landmarkLoss, maskLoss, rgbL1Loss, selectRows } from '../../src/track/losses.ts';
import { projectToPixels } from '../../src/track/projection.ts';
import { LANDMARK_PAIRS } from '../../src/track/landmark-pairs.ts';
import { disposeConditioning } from '../../src/nphm/conditioning.ts';

let mv: ModelValue;
beforeAll(async () => {
  await initNodeTf('wasm');
  mv = await loadStudioModel(nodeAssetReader([PUBLIC_DIR]), 'models/default/model.json');
}, 60_000);
afterAll(() => mv?.dispose());

const S = 48;
const pc = sequenceCamera(S);
const camera = makeCamera(S, S, [[pc.fx, 0, pc.cx], [0, pc.fy, pc.cy], [0, 0, 1]], [[pc.R[0]!, pc.R[1]!, pc.R[2]!, pc.t[0]!], [pc.R[3]!, pc.R[4]!, pc.R[5]!, pc.t[1]!], [pc.R[6]!, pc.R[7]!, pc.R[8]!, pc.t[2]!], [0, 0, 0, 1]], 'opencv');
// Rays over the face and across the silhouette (every 5th pixel of the central rows).
const pixels = Array.from({ length: 60 }, (_, i) => (12 + Math.floor(i / 6) * 3) * S + 10 + (i % 6) * 5);
const rays = cameraRays(camera, { pixels });
const pose = { rot: [0.02, 0.15, 0.01], trans: [0.005, -0.01, 0.01] };
const SH = [3, 3, 3, 0.3, 0.3, 0.3, 0.5, 0.5, 0.5, 0.4, 0.4, 0.4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];

interface Terms {
  rgb: number;
  mask: number;
  landmark: number;
}

function rng(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
}

describe('tracking losses → z_geo (default model)', () => {
  let base: ReturnType<typeof statCodes>;
  let targets: { rgb: Float32Array; labels: Uint8Array; landmarks: Float32Array };
  let samples: Float32Array;

  beforeAll(async () => {
    base = statCodes(mv, 'random', 3, 1);
    // Targets: another head's render and anchors (so every loss is away from its minimum).
    const other = statCodes(mv, 'random', 8, 1.5);
    const cond = mv.model.condition({ zGeo: tf.tensor1d(other.zGeo), zApp: tf.tensor1d(other.zApp), zExp: tf.tensor1d(other.zExp) });
    const p = { rot: tf.tensor1d(pose.rot), trans: tf.tensor1d(pose.trans) };
    const out = renderRays(modelRenderField(mv.model, cond), rays, { pose: p, sh: tf.tensor2d(SH, [9, 3]), w2cRotation: shRotation(camera) }, { variance: 0.8, nCoarse: 32, nImportance: 24 });
    const sol = await mv.model.solveAnchors(cond);
    const uv = (await tf.tidy(() => projectToPixels(tf.tensor2d(sol.points, [65, 3]), p, camera)).data()) as Float32Array;
    targets = {
      rgb: (await out.rgb.data()) as Float32Array,
      labels: Uint8Array.from(await out.weightsSum.data(), (w) => (w > 0.5 ? 2 : 0)),
      landmarks: Float32Array.from(LANDMARK_PAIRS.pairs.flatMap(([a]) => [uv[2 * a]!, uv[2 * a + 1]!])),
    };
    tf.dispose([out.rgb, out.rgbRaw, out.weightsSum, out.depth, p.rot, p.trans]);
    disposeConditioning(cond);
    // The sample depths of the unperturbed head, kept fixed for every evaluation.
    const c0 = mv.model.condition({ zGeo: tf.tensor1d(base.zGeo), zApp: tf.tensor1d(base.zApp), zExp: tf.tensor1d(base.zExp) });
    const p0 = { rot: tf.tensor1d(pose.rot), trans: tf.tensor1d(pose.trans) };
    const r0 = renderRays(modelRenderField(mv.model, c0), rays, { pose: p0 }, { variance: 0.6, nCoarse: 32, nImportance: 24, intermediates: true });
    samples = (await r0.intermediates!.upsampleZ.data()) as Float32Array;
    tf.dispose(r0 as unknown as tf.TensorContainer);
    tf.dispose([p0.rot, p0.trans]);
    disposeConditioning(c0);
  }, 300_000);

  /** The three terms as functions of z_geo (colour, silhouette: fixed samples; landmarks: with `sol`). */
  const termsAt = (zGeo: tf.Tensor, sol: Awaited<ReturnType<typeof mv.model.solveAnchors>>) => {
    const cond = mv.model.condition({ zGeo, zApp: tf.tensor1d(base.zApp), zExp: tf.tensor1d(base.zExp) });
    const p = { rot: tf.tensor1d(pose.rot), trans: tf.tensor1d(pose.trans) };
    const out = renderRays(modelRenderField(mv.model, cond), rays, { pose: p, sh: tf.tensor2d(SH, [9, 3]), w2cRotation: shRotation(camera) }, { variance: 0.6, nCoarse: 32, nImportance: 24, fixedSamples: samples });
    const rgb = rgbL1Loss(out.rgb, tf.tensor2d(targets.rgb, [pixels.length, 3]), tf.ones([pixels.length]) as tf.Tensor1D);
    const mask = maskLoss(out.weightsSum, targets.labels);
    const idx = LANDMARK_PAIRS.pairs.map(([a]) => a);
    const posed = selectRows(mv.model.posedAnchors(cond, sol), idx) as tf.Tensor2D;
    const landmark = landmarkLoss(projectToPixels(posed, p, camera), targets.landmarks, LANDMARK_PAIRS.scales, idx.map((k) => sol.valid[k]!), S, S);
    return { rgb, mask, landmark };
  };

  const solve = (zGeo: Float32Array) => mv.model.solveAnchors({ zGeo: tf.tensor1d(zGeo), zApp: tf.tensor1d(base.zApp), zExp: tf.tensor1d(base.zExp) });

  async function valueAt(zGeo: Float32Array): Promise<Terms> {
    const sol = await solve(zGeo);
    const t = tf.tidy(() => {
      const r = termsAt(tf.tensor1d(zGeo), sol);
      return tf.stack([r.rgb, r.mask, r.landmark]);
    });
    const [rgb, mask, landmark] = (await t.data()) as Float32Array;
    t.dispose();
    return { rgb: rgb!, mask: mask!, landmark: landmark! };
  }

  async function gradientsAt(zGeo: Float32Array): Promise<Record<keyof Terms, Float32Array>> {
    const sol = await solve(zGeo);
    const out = {} as Record<keyof Terms, Float32Array>;
    for (const k of ['rgb', 'mask', 'landmark'] as const) {
      const g = tf.tidy(() => tf.grad((z: tf.Tensor) => termsAt(z, sol)[k])(tf.tensor1d(zGeo)));
      out[k] = (await g.data()) as Float32Array;
      g.dispose();
    }
    return out;
  }

  for (const part of ['global', 'local'] as const) {
    it(`matches finite differences along the ${part} part of z_geo`, async () => {
      const G = mv.model.config.decoder.id.lat_dim_glob;
      const std = mv.stats!.geo.std;
      const r = rng(part === 'global' ? 11 : 12);
      // A direction of one spread per element (in the model's code units), on one part only.
      const v = Float32Array.from(std, (s, i) => ((part === 'global') === (i < G) ? s * r() : 0));
      const grads = await gradientsAt(base.zGeo);
      const h = 0.25;
      const plus = await valueAt(Float32Array.from(base.zGeo, (z, i) => z + h * v[i]!));
      const minus = await valueAt(Float32Array.from(base.zGeo, (z, i) => z - h * v[i]!));
      const rows: string[] = [];
      let largest = 0;
      const pairs = (['rgb', 'mask', 'landmark'] as const).map((k) => {
        const ad = grads[k].reduce((a, g, i) => a + g * v[i]!, 0);
        const fd = (plus[k] - minus[k]) / (2 * h);
        largest = Math.max(largest, Math.abs(ad), Math.abs(fd));
        rows.push(`${k} autodiff ${ad.toExponential(3)} FD ${fd.toExponential(3)}`);
        return [k, ad, fd] as const;
      });
      console.log(`z_geo ${part}: ${rows.join('; ')}`);
      for (const [k, ad, fd] of pairs) {
        expect(Math.abs(ad - fd), k).toBeLessThan(0.03 * Math.abs(fd) + 0.02 * largest);
        // Every term reaches this part of the code (a cut path would give 0).
        expect(Math.abs(fd), k).toBeGreaterThan(1e-4 * largest);
      }
    }, 300_000);
  }
});
