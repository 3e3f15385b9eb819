/** `--threads` / NPHM_THREADS: how many threads a headless run computes on. */
import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/cli/args.ts';
import { threadCount, withRayThreads } from '../../src/cli/threads.ts';
import { installedRayWorkers } from '../../src/track/ray-workers.ts';

describe('thread count', () => {
  it('takes the flag over the environment, and every core when neither is set', () => {
    expect(threadCount('3', '5')).toBe(3);
    expect(threadCount(undefined, '5')).toBe(5);
    expect(threadCount(undefined, undefined)).toBe(availableParallelism());
    expect(threadCount(undefined, '')).toBe(availableParallelism());
  });

  it('refuses what is not a whole number from 1 to 256, naming the value', () => {
    for (const bad of ['0', '-2', '1.5', 'many', '1000']) {
      expect(() => threadCount(bad, undefined)).toThrow(UsageError);
      expect(() => threadCount(bad, undefined)).toThrow(`'${bad}'`);
    }
  });

  it('installs ray workers only for more than one thread, and removes them afterwards', async () => {
    expect(await withRayThreads(1, 'wasm', async () => installedRayWorkers())).toBeUndefined();
    const size = await withRayThreads(2, 'wasm', async () => installedRayWorkers()?.size);
    expect(size).toBe(2);
    expect(installedRayWorkers()).toBeUndefined();
  });
});
