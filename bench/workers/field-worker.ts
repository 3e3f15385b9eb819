/**
 * A worker thread of `nphm bench field --workers N`: its own wasm backend and a copy of the same
 * random paper model (same seed), evaluating the slice of the batch it is sent. This is how the
 * single-threaded tfjs wasm backend can use more than one core.
 */
import { parentPort, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import { initNodeTf, parseBackend } from '../../src/cli/tf-node.ts';
import { PAPER_CONFIG } from '../../src/nphm/config.ts';
import { buildModel, randomStateDicts } from '../../src/nphm/state-dict.ts';
import { MEAN_ANCHORS_65 } from '../../src/nphm/mean-anchors.ts';
import { disposeConditioning } from '../../src/nphm/conditioning.ts';
import { disposePlan } from '../../src/nphm/edge-plan.ts';
import { deformPoints } from '../../src/nphm/deform.ts';
import { installZeroCopyWasmIdentity } from '../../src/nphm/wasm-identity.ts';

export interface FieldJob {
  kind: 'nograd' | 'grad';
  pts: Float32Array;
  zGeo: Float32Array;
  zApp: Float32Array;
  zExp: Float32Array;
  chunk: number;
}

const { seed, backend } = workerData as { seed: number; backend: string };
await initNodeTf(parseBackend(backend));
installZeroCopyWasmIdentity();
const model = buildModel(PAPER_CONFIG, randomStateDicts(PAPER_CONFIG, seed), MEAN_ANCHORS_65);

async function run(job: FieldJob): Promise<Float32Array[]> {
  const n = job.pts.length / 3;
  const codes = { zGeo: tf.tensor1d(job.zGeo), zApp: tf.tensor1d(job.zApp), zExp: tf.tensor1d(job.zExp) };
  try {
    if (job.kind === 'nograd') {
      const r = await model.evaluate(job.pts, codes, { chunk: job.chunk });
      return [r.sdf, r.rgb!];
    }
    let acc: Float32Array[] | undefined;
    for (let start = 0; start < n; start += job.chunk) {
      const m = Math.min(job.chunk, n - start);
      const x = tf.tensor2d(job.pts.subarray(3 * start, 3 * (start + m)), [m, 3]);
      const cond0 = model.condition(codes);
      const xc = tf.tidy(() => deformPoints(model.params, cond0, x));
      const plan = await model.plan(xc, cond0);
      disposeConditioning(cond0);
      xc.dispose();
      const grads = tf.grads((zg: tf.Tensor, za: tf.Tensor, ze: tf.Tensor) => {
        const cond = model.condition({ zGeo: zg, zApp: za, zExp: ze });
        const r = model.fieldWithNormals(x, cond, { plan });
        const eik = tf.square(tf.sub(tf.norm(r.normals, 'euclidean', 1), 1));
        return tf.add(tf.add(tf.sum(tf.square(r.sdf)), tf.sum(tf.square(r.rgb!))), tf.sum(eik)) as tf.Scalar;
      })([codes.zGeo, codes.zApp, codes.zExp]);
      const g = await Promise.all(grads.map(async (t) => (await t.data()) as Float32Array));
      tf.dispose(grads);
      disposePlan(plan);
      x.dispose();
      acc = acc ? acc.map((a, i) => a.map((v, j) => v + g[i]![j]!)) : g;
    }
    return acc ?? [new Float32Array(job.zGeo.length), new Float32Array(job.zApp.length), new Float32Array(job.zExp.length)];
  } finally {
    tf.dispose([codes.zGeo, codes.zApp, codes.zExp]);
  }
}

parentPort!.on('message', async (job: FieldJob) => {
  const out = await run(job);
  parentPort!.postMessage(out, out.map((a) => a.buffer as ArrayBuffer));
});
parentPort!.postMessage('ready');
