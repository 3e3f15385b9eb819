/**
 * Ray workers on Node: a pool of worker threads (piscina), each with its own tfjs backend and its
 * own copy of the model, that evaluate the chunks of a tracking step side by side. tfjs' wasm
 * backend runs one thread in Node, so this is how a tracking run uses every core.
 */
import { Piscina } from 'piscina';
import type { NphmModel } from '../nphm/model.ts';
import { paramsPayload, type ParamsPayload } from '../nphm/params-transfer.ts';
import type { ChunkGradients, RayChunk, RayChunkWorkers, SceneValues } from '../track/ray-chunk.ts';
import type { RayTask } from './ray-task.ts';

let nextKey = 1;

export class RayPool implements RayChunkWorkers {
  private readonly pool: Piscina<RayTask, Float32Array | ChunkGradients>;
  /** Each model's weights, read once and shared with every thread (never copied per step). */
  private readonly models = new WeakMap<NphmModel, Promise<{ key: number; payload: ParamsPayload }>>();

  constructor(readonly size: number, backend: string) {
    this.pool = new Piscina({
      filename: new URL('./ray-worker.mjs', import.meta.url).href,
      minThreads: size,
      maxThreads: size,
      // A thread's model and warmed-up kernels are what makes it fast: keep idle threads.
      idleTimeout: Number.POSITIVE_INFINITY,
      workerData: { backend },
    });
  }

  private model(m: NphmModel): Promise<{ key: number; payload: ParamsPayload }> {
    let entry = this.models.get(m);
    if (!entry) {
      entry = paramsPayload(m.params).then((payload) => ({ key: nextKey++, payload }));
      this.models.set(m, entry);
    }
    return entry;
  }

  async silhouettes(model: NphmModel, scene: SceneValues, chunks: readonly RayChunk[]): Promise<Float32Array[]> {
    const m = await this.model(model);
    return Promise.all(chunks.map((chunk) => this.pool.run({ model: m, kind: 'silhouette', scene, chunk }) as Promise<Float32Array>));
  }

  async gradients(model: NphmModel, scene: SceneValues, chunks: readonly RayChunk[]): Promise<ChunkGradients[]> {
    const m = await this.model(model);
    return Promise.all(chunks.map((chunk) => this.pool.run({ model: m, kind: 'gradients', scene, chunk }) as Promise<ChunkGradients>));
  }

  /** Tasks the threads have finished (for tests and benchmarks). */
  get completed(): number {
    return this.pool.completed;
  }

  close(): Promise<void> {
    return this.pool.destroy();
  }
}
