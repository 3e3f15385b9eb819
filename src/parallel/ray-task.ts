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
import { disposeConditioning } from '../nphm/conditioning.ts';
import type { Conditioning } from '../nphm/model.ts';
import { chunkGradients, chunkPoints, chunkRender, chunkSilhouette, renderConditioning, type PointsChunk, sceneTensors, type ChunkGradients, type RayChunk, type RenderChunk, type RenderedChunk, type RenderScene, type SceneValues } from '../track/ray-chunk.ts';

export type ModelRef = { key: number; payload: ParamsPayload };

export type RayTask =
  | { model: ModelRef; kind: 'silhouette' | 'gradients'; scene: SceneValues; chunk: RayChunk }
  | { model: ModelRef; kind: 'render'; scene: RenderScene; chunk: RenderChunk }
  | { model: ModelRef; kind: 'points'; scene: RenderScene; chunk: PointsChunk };

/** Models this thread has built, newest last; a tracking run needs one, a comparison two. */
const MAX_MODELS = 2;
const models = new Map<number, NphmModel>();

const ready = (async () => {
  await initNodeTf(parseBackend((workerData as { backend?: string } | undefined)?.backend ?? 'wasm'));
  installZeroCopyWasmIdentity();
})();

/**
 * The conditioning of the last rendered codes: an image's (or a mesh's) chunks share their codes, and the
 * conditioning (anchors, per-anchor latent biases) is the same for every one of them.
 */
let lastRender: { key: number; scene: RenderScene; cond: Conditioning } | undefined;

function sameValues(a: Float32Array, b: Float32Array): boolean {
  return a.length === b.length && a.every((v, i) => Object.is(v, b[i]));
}

function renderCondFor(key: number, model: NphmModel, scene: RenderScene): Conditioning {
  const last = lastRender;
  if (last?.key === key && sameValues(last.scene.zGeo, scene.zGeo) && sameValues(last.scene.zApp, scene.zApp) && sameValues(last.scene.zExp, scene.zExp)) return last.cond;
  if (last) disposeConditioning(last.cond);
  lastRender = { key, scene, cond: renderConditioning(model, scene) };
  return lastRender.cond;
}

function modelFor(m: ModelRef): NphmModel {
  let model = models.get(m.key);
  if (model) {
    models.delete(m.key);
  } else {
    model = modelFromPayload(m.payload);
    for (const [k, old] of models) {
      if (models.size < MAX_MODELS) break;
      if (lastRender?.key === k) {
        disposeConditioning(lastRender.cond);
        lastRender = undefined;
      }
      old.dispose();
      models.delete(k);
    }
  }
  models.set(m.key, model);
  return model;
}

export default async function rayTask(task: RayTask): Promise<Float32Array | ChunkGradients | RenderedChunk> {
  await ready;
  const model = modelFor(task.model);
  if (task.kind === 'render') return chunkRender(model, renderCondFor(task.model.key, model, task.scene), task.scene, task.chunk);
  if (task.kind === 'points') return chunkPoints(model, renderCondFor(task.model.key, model, task.scene), task.chunk);
  if (task.kind === 'gradients') return chunkGradients(model, task.scene, task.chunk);
  const scene = sceneTensors(task.scene);
  try {
    return await chunkSilhouette(model, scene, task.chunk);
  } finally {
    tf.dispose(Object.values(scene));
  }
}
