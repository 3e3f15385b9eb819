/**
 * A ray worker's task (runs in a worker thread): the silhouettes or the input gradients of one
 * chunk of a tracking step, on this thread's own tfjs backend and copy of the model.
 */
import * as tf from '@tensorflow/tfjs-core';
import { workerData } from 'node:worker_threads';
import { initNodeTf, parseBackend } from '../cli/tf-node.ts';
import type { NphmModel } from '../nphm/model.ts';
import { modelFromPayload, type ParamsPayload } from '../nphm/params-transfer.ts';
import { installZeroCopyWasmIdentity } from '../nphm/wasm-identity.ts';
import { chunkGradients, chunkSilhouette, sceneTensors, type ChunkGradients, type RayChunk, type SceneValues } from '../track/ray-chunk.ts';

export interface RayTask {
  model: { key: number; payload: ParamsPayload };
  kind: 'silhouette' | 'gradients';
  scene: SceneValues;
  chunk: RayChunk;
}

/** Models this thread has built, newest last; a tracking run needs one, a comparison two. */
const MAX_MODELS = 2;
const models = new Map<number, NphmModel>();

const ready = (async () => {
  await initNodeTf(parseBackend((workerData as { backend?: string } | undefined)?.backend ?? 'wasm'));
  installZeroCopyWasmIdentity();
})();

function modelFor(m: RayTask['model']): NphmModel {
  let model = models.get(m.key);
  if (model) {
    models.delete(m.key);
  } else {
    model = modelFromPayload(m.payload);
    for (const [k, old] of models) {
      if (models.size < MAX_MODELS) break;
      old.dispose();
      models.delete(k);
    }
  }
  models.set(m.key, model);
  return model;
}

export default async function rayTask(task: RayTask): Promise<Float32Array | ChunkGradients> {
  await ready;
  const model = modelFor(task.model);
  if (task.kind === 'gradients') return chunkGradients(model, task.scene, task.chunk);
  const scene = sceneTensors(task.scene);
  try {
    return await chunkSilhouette(model, scene, task.chunk);
  } finally {
    tf.dispose(Object.values(scene));
  }
}
