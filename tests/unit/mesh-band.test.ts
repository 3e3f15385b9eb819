/**
 * Narrow-band grid evaluation: the same mesh as the full grid (bit for bit) with far fewer field
 * evaluations, on analytic fields evaluated through tfjs.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initNodeTf } from '../../src/cli/tf-node.ts';
import { meshSdf, meshStats, sdfGridBanded } from '../../src/render/mesh.ts';

beforeAll(async () => {
  await initNodeTf('wasm');
});

const shapes: Record<string, (x: tf.Tensor2D) => tf.Tensor> = {
  // A sphere and a small separate sphere (a thin feature the coarse grid alone would see only barely).
  spheres: (x) => {
    const a = tf.sub(tf.norm(tf.sub(x, tf.tensor2d([[0.05, 0.1, -0.3]])), 'euclidean', 1), 0.35);
    const b = tf.sub(tf.norm(tf.sub(x, tf.tensor2d([[-0.35, 0.5, 0.1]])), 'euclidean', 1), 0.06);
    return tf.minimum(a, b);
  },
  torus: (x) => {
    const [px, py, pz] = tf.unstack(x, 1) as [tf.Tensor, tf.Tensor, tf.Tensor];
    const ring = tf.sub(tf.sqrt(tf.add(tf.square(px), tf.square(tf.add(pz, 0.3)))), 0.3);
    return tf.sub(tf.sqrt(tf.add(tf.square(ring), tf.square(tf.sub(py, 0.1)))), 0.1);
  },
};

describe('narrow-band meshing', () => {
  for (const [name, f] of Object.entries(shapes)) {
    it(`${name}: identical mesh to the full grid with fewer evaluations`, async () => {
      const opts = { resolution: 61 };
      const full = await meshSdf(f, opts);
      const band = await meshSdf(f, { ...opts, band: { stride: 4, margin: 1.5 } });
      expect(meshStats(full).triangles).toBeGreaterThan(500);
      expect(band.indices).toEqual(full.indices);
      expect(band.positions).toEqual(full.positions);
      const { evaluated } = await sdfGridBanded(f, { ...opts, band: { stride: 4, margin: 1.5 } });
      expect(evaluated).toBeLessThan(0.7 * 61 ** 3);
    });
  }
});
