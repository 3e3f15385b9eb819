/**
 * The training forward (src/train/forward.ts, trainable weights, heads batched) against the model
 * the studio runs (NphmModel built from the exported state dicts): same SDF, colour and normals.
 * This also checks the params → state-dict inverse mapping (toStateDicts), since the model is built
 * from what training would save.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initNodeTf } from '../../src/cli/tf-node.ts';
import { validateConfig } from '../../src/nphm/config.ts';
import { buildModel } from '../../src/nphm/state-dict.ts';
import { MEAN_ANCHORS_65 } from '../../src/nphm/mean-anchors.ts';
import { initNets, toStateDicts, disposeNets } from '../../src/train/trainable.ts';
import { batchPlan, canonicalOf, headOneHot, trainCondition, trainDeform, trainField, trainWeights } from '../../src/train/forward.ts';
import { knnIndices } from '../../src/nphm/edge-plan.ts';

const CFG = validateConfig({
  decoder: {
    id: { lat_dim_glob: 8, lat_dim_loc_geo: 4, lat_dim_loc_app: 4, nloc: 65, nsymm_pairs: 30, nneigh: 12, blend_std: 3.75, pos_mlp_dim: 8, gnn: { hidden_dim_geo: 16, hidden_dim_app: 8, nlayers_geo: 4, nlayers_app: 4 } },
    ex: { mode: 'compress', lat_dim_ex: 6, lat_dim_id: 4, hidden_dim: 16, nlayers: 6, nhyper: 2 },
  },
});

function lcg(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296) * 2 - 1;
}

describe('train forward = NphmModel on the exported weights', () => {
  beforeAll(async () => {
    await initNodeTf('wasm');
  });

  it('sdf, colour and normals agree for two heads batched together', async () => {
    const nets = initNets(CFG, 7);
    const sds = await toStateDicts(nets);
    const model = buildModel(CFG, sds, MEAN_ANCHORS_65 as unknown as number[][]);
    const s = model.sizes;
    const r = lcg(3);
    const code = (n: number, scale: number) => Float32Array.from({ length: n }, () => scale * r());
    const heads = [0, 1].map(() => ({ zGeo: code(s.zGeoDim, 0.1), zApp: code(s.zAppDim, 0.1), zExp: code(s.zExpDim, 0.2) }));
    const n = 40;
    const pts = Float32Array.from({ length: 3 * n * 2 }, () => 0.35 * r());
    const headIdx = new Int32Array(2 * n);
    headIdx.fill(1, n);

    const mean = tf.tensor2d(MEAN_ANCHORS_65.flat(), [65, 3]);
    const ours = await (async () => {
      const W = trainWeights(nets, mean);
      const zG = tf.tensor2d([...heads[0]!.zGeo, ...heads[1]!.zGeo], [2, s.zGeoDim]);
      const zA = tf.tensor2d([...heads[0]!.zApp, ...heads[1]!.zApp], [2, s.zAppDim]);
      const zE = tf.tensor2d([...heads[0]!.zExp, ...heads[1]!.zExp], [2, s.zExpDim]);
      const c = trainCondition(W, zG, zA, zE);
      const x = tf.tensor2d(pts, [2 * n, 3]);
      const oh = headOneHot(headIdx, 2);
      const xc = canonicalOf(x, trainDeform(W, c, x, oh));
      const knn = new Int32Array(2 * n * 12);
      for (let h = 0; h < 2; h++) {
        const idx = knnIndices(tf.slice(xc, [h * n, 0], [n, 5]) as tf.Tensor2D, tf.reshape(tf.slice(c.anchors, [h, 0, 0], [1, 65, 3]), [65, 3]) as tf.Tensor2D, 12);
        knn.set((await idx.data()) as Int32Array, h * n * 12);
      }
      const plan = batchPlan(CFG, knn, headIdx, 2);
      const f = trainField(W, c, x, oh, plan, { rgb: true, grad: true });
      return { sdf: await f.sdf.data(), rgb: await f.rgb!.data(), grad: await f.grad!.data() };
    })();
    for (let h = 0; h < 2; h++) {
      const ref = await model.evaluate(pts.subarray(3 * n * h, 3 * n * (h + 1)), { zGeo: tf.tensor1d(heads[h]!.zGeo), zApp: tf.tensor1d(heads[h]!.zApp), zExp: tf.tensor1d(heads[h]!.zExp) }, { normals: true });
      for (let i = 0; i < n; i++) {
        expect(ours.sdf[h * n + i]).toBeCloseTo(ref.sdf[i]!, 4);
        for (let k = 0; k < 3; k++) {
          expect(ours.rgb[3 * (h * n + i) + k]).toBeCloseTo(ref.rgb![3 * i + k]!, 4);
          expect(ours.grad[3 * (h * n + i) + k]).toBeCloseTo(ref.normals![3 * i + k]!, 3);
        }
      }
    }
    model.dispose();
    disposeNets(nets);
    mean.dispose();
  }, 60_000);
});
