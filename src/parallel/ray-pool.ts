/**
 * Ray workers on Node: a pool of worker threads (piscina), each with its own tfjs backend and its
 * own copy of the model, that evaluate the chunks of a tracking step side by side. tfjs' wasm
 * backend runs one thread in Node, so this is how a tracking run uses every core.
 */
import { Piscina } from 'piscina';
import type { NphmModel } from '../nphm/model.ts';
import { paramsPayload, type ParamsPayload } from '../nphm/params-transfer.ts';
import { abandonBarrier, type ChunkGradients, type RayChunk, type RayChunkWorkers, type PointsChunk, type RenderChunk, type RenderedChunk, type RenderScene, type SceneValues } from '../track/ray-chunk.ts';
import type { ModelRef, RayTask } from './ray-task.ts';

let nextKey = 1;

export class RayPool implements RayChunkWorkers {
  private readonly pool: Piscina<RayTask, Float32Array | ChunkGradients | RenderedChunk>;
  /** Each model's weights, read once and shared with every thread (never copied per step). */
  private readonly models = new WeakMap<NphmModel, Promise<ModelRef>>();
  /**
   * One call at a time: the chunks of a step that meet at a mask barrier must all hold a thread at
   * once, which another call's tasks in the queue could prevent.
   */
  private turn: Promise<unknown> = Promise.resolve();

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

  private model(m: NphmModel): Promise<ModelRef> {
    let entry = this.models.get(m);
    if (!entry) {
      entry = paramsPayload(m.params).then((payload) => ({ key: nextKey++, payload }));
      this.models.set(m, entry);
    }
    return entry;
  }

  private exclusive<T>(f: () => Promise<T>): Promise<T> {
    const result = this.turn.then(f);
    this.turn = result.catch(() => undefined);
    return result;
  }

  /** Runs one task per chunk (`task` makes it), in chunk order; `onDone` hears each as it finishes. */
  private runAll<C, R>(model: NphmModel, chunks: readonly C[], task: (m: ModelRef, chunk: C) => RayTask, opts: { signal?: AbortSignal; onDone?: (i: number, r: R) => void } = {}): Promise<R[]> {
    return this.exclusive(async () => {
      const m = await this.model(model);
      return Promise.all(
        chunks.map(async (chunk, i) => {
          const r = (await this.pool.run(task(m, chunk), opts.signal ? { signal: opts.signal } : {})) as R;
          opts.onDone?.(i, r);
          return r;
        }),
      );
    });
  }

  silhouettes(model: NphmModel, scene: SceneValues, chunks: readonly RayChunk[]): Promise<Float32Array[]> {
    return this.runAll(model, chunks, (m, chunk) => ({ model: m, kind: 'silhouette', scene, chunk }));
  }

  async gradients(model: NphmModel, scene: SceneValues, chunks: readonly RayChunk[]): Promise<ChunkGradients[]> {
    const barrier = chunks[0]?.barrier;
    if (barrier && chunks.length > this.size) throw new Error(`ray pool: ${chunks.length} chunks cannot meet at a barrier on ${this.size} threads`);
    try {
      return await this.runAll(model, chunks, (m, chunk) => ({ model: m, kind: 'gradients', scene, chunk }));
    } catch (e) {
      // The chunks still waiting for the failed one would wait until their timeout.
      if (barrier) abandonBarrier(barrier);
      throw e;
    }
  }

  points(model: NphmModel, scene: RenderScene, chunks: readonly PointsChunk[], opts: { signal?: AbortSignal } = {}): Promise<Float32Array[]> {
    return this.runAll(model, chunks, (m, chunk) => ({ model: m, kind: 'points', scene, chunk }), opts);
  }

  render(model: NphmModel, scene: RenderScene, chunks: readonly RenderChunk[], opts: { signal?: AbortSignal; onChunk?: (index: number, r: RenderedChunk) => void } = {}): Promise<RenderedChunk[]> {
    return this.runAll(model, chunks, (m, chunk) => ({ model: m, kind: 'render', scene, chunk }), { ...(opts.signal ? { signal: opts.signal } : {}), ...(opts.onChunk ? { onDone: opts.onChunk } : {}) });
  }

  /** Tasks the threads have finished (for tests and benchmarks). */
  get completed(): number {
    return this.pool.completed;
  }

  close(): Promise<void> {
    return this.pool.destroy();
  }
}
