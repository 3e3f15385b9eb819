/**
 * How many threads a headless run computes on: `--threads N`, else NPHM_THREADS, else every core.
 * With more than one, tracking steps, whole-image renders and meshes spread their chunks over that
 * many worker threads (src/parallel).
 */
import { availableParallelism } from 'node:os';
import { UsageError } from './args.ts';
import { installRayWorkers } from '../track/ray-workers.ts';

export const THREADS_USAGE = '--threads N: worker threads for tracking, renders and meshes (default: NPHM_THREADS, else every core; 1: this thread only)';

/** `env` is NPHM_THREADS' value as the caller read it. */
export function threadCount(flagValue: string | undefined, env: string | undefined): number {
  const given = flagValue ?? env;
  if (given === undefined || given === '') return availableParallelism();
  const n = Number(given);
  if (!Number.isInteger(n) || n < 1 || n > 256) throw new UsageError(`--threads: a whole number from 1 to 256, got '${given}'`);
  return n;
}

/** Runs `f` with `threads` ray workers installed for the process (none for 1), then closes them. */
export async function withRayThreads<T>(threads: number, backend: string, f: () => Promise<T>): Promise<T> {
  if (threads <= 1) return f();
  const { RayPool } = await import('../parallel/ray-pool.ts');
  const pool = new RayPool(threads, backend);
  installRayWorkers(pool);
  try {
    return await f();
  } finally {
    installRayWorkers(undefined);
    await pool.close();
  }
}
