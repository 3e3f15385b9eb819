/**
 * Long computations hand the event loop a turn every few tens of milliseconds. tfjs' wasm and cpu
 * backends resolve `data()` as microtasks, so a loop that only awaits reads never lets anything
 * else run: not Ctrl-C (Node delivers signals from the event loop), not the studio's Stop (a
 * worker message), not the engine's abort timer, not progress timers.
 *
 * One clock per thread: callers at every depth (ray chunks, grid layers, optimiser iterations)
 * share it, so nested loops yield no more often than the slice.
 */

/**
 * Longest stretch of work between two turns of the event loop (when the work's own steps allow).
 * `NPHM_BREATH_SLICE_MS` (Node) overrides it, for the benchmark of what yielding costs.
 */
export const BREATH_SLICE_MS = envNumber('NPHM_BREATH_SLICE_MS') ?? 40;

const clock = () => (typeof performance !== 'undefined' ? performance.now() : Date.now());
let lastTurn = clock();

/** A macrotask: setImmediate in Node; a MessageChannel elsewhere (setTimeout is clamped, and throttled in hidden tabs). */
function nextTurn(): Promise<void> {
  const immediate = (globalThis as { setImmediate?: (f: () => void) => unknown }).setImmediate;
  if (immediate) return new Promise((resolve) => void immediate(resolve));
  if (typeof MessageChannel !== 'undefined') {
    return new Promise((resolve) => {
      const ch = new MessageChannel();
      ch.port1.onmessage = () => {
        ch.port1.close();
        resolve();
      };
      ch.port2.postMessage(0);
    });
  }
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/**
 * Yields to the event loop when the slice is used up, then throws the signal's reason when it was
 * aborted (so a cancelled computation stops at its next step instead of running to its end).
 */
export async function breathe(signal?: AbortSignal): Promise<void> {
  if (clock() - lastTurn >= BREATH_SLICE_MS) {
    await nextTurn();
    lastTurn = clock();
  }
  signal?.throwIfAborted();
}

/**
 * How long one chunk of a time-sliced loop (ray chunks of renders, grid and vertex chunks of
 * meshes) aims to take. The studio waits 700 ms for a cooperative stop before it restarts the worker
 * and loses its cache, so a chunk must end well within that (with 800-ms chunks a Stop during the
 * interpolation render restarted the worker). Shorter costs throughput in the browser's worker
 * (SIMD wasm): its interpolation test took 80.9 s with fixed chunks, 99.1 s at 200 ms, 81.6 s at
 * 400 ms and 89.3 s at 800 ms (runs differ by ±10 %). `NPHM_CHUNK_TARGET_MS` (Node) overrides it.
 */
export const CHUNK_TARGET_MS = envNumber('NPHM_CHUNK_TARGET_MS') ?? 400;

function envNumber(name: string): number | undefined {
  const v = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.[name];
  return v !== undefined && Number(v) > 0 ? Number(v) : undefined;
}

/**
 * Ranges [start, end) covering `total` items, each sized from the time the previous one took so a
 * chunk lasts about `targetMs`: a fixed chunk that suits a GPU stalls a single-threaded wasm
 * backend for seconds (512 rays of the MonoNPHM field: 3.4 s here), and one that suits wasm wastes
 * a GPU. The caller's work between two ranges is what is timed. Callers whose results must not
 * depend on the chunking (all of them) make it so: bounds and jitter over the whole batch.
 */
export function* timedRanges(total: number, o: { first: number; max: number; targetMs?: number }): Generator<[number, number]> {
  const target = o.targetMs ?? CHUNK_TARGET_MS;
  let size = Math.max(1, Math.min(o.first, o.max));
  for (let s = 0; s < total; ) {
    const e = Math.min(total, s + size);
    const t0 = clock();
    yield [s, e];
    const ms = clock() - t0;
    // At most doubling per chunk: one fast chunk (a cache, a tiny tail) must not make the next huge.
    const scale = ms > 0 ? Math.min(2, Math.max(0.1, target / ms)) : 2;
    size = Math.max(1, Math.min(o.max, Math.round((e - s) * scale)));
    s = e;
  }
}
