/**
 * Cooperative time slicing (src/graph/breathe.ts): a loop that awaits only microtasks (as every
 * tfjs wasm read does) must still let timers, signals and cancels run when it breathes, and
 * time-sized chunks must cover their range exactly and settle near their target duration.
 */
import { describe, expect, it } from 'vitest';
import { BREATH_SLICE_MS, breathe, timedRanges } from '../../src/graph/breathe.ts';

const busy = (ms: number) => {
  const end = performance.now() + ms;
  while (performance.now() < end);
};

describe('breathe', () => {
  it('lets a timer run inside a microtask-only loop, and throws once the signal is aborted', async () => {
    const ac = new AbortController();
    const started = performance.now();
    setTimeout(() => ac.abort(new Error('stop')), 10);
    let iterations = 0;
    let stoppedBy: unknown;
    try {
      for (;;) {
        busy(2);
        await Promise.resolve(); // what a wasm `data()` gives: no turn of the event loop
        iterations++;
        await breathe(ac.signal);
        if (performance.now() - started > 5000) break;
      }
    } catch (e) {
      stoppedBy = e;
    }
    expect((stoppedBy as Error | undefined)?.message).toBe('stop');
    // The timer fires at the first turn after its 10 ms; the loop ends within a slice or two of it.
    expect(performance.now() - started).toBeLessThan(10 + 4 * BREATH_SLICE_MS + 100);
    expect(iterations).toBeGreaterThan(2);
  });

  it('does not yield before the slice is used up (cheap to call in every loop step)', async () => {
    await new Promise((r) => setTimeout(r, BREATH_SLICE_MS + 5));
    await breathe(); // the slice was used up: this one yields, and the slice starts again
    let fired = false;
    setTimeout(() => (fired = true), 0);
    // Well within the new slice: no turn of the event loop, so the timer cannot run yet.
    for (let i = 0; i < 100; i++) await breathe();
    expect(fired).toBe(false);
  });
});

describe('timedRanges', () => {
  it('covers [0, total) contiguously, within the maximum size', () => {
    const ranges = [...timedRanges(10_007, { first: 3, max: 500 })];
    expect(ranges[0]).toEqual([0, 3]);
    for (let k = 1; k < ranges.length; k++) expect(ranges[k]![0]).toBe(ranges[k - 1]![1]);
    expect(ranges.at(-1)![1]).toBe(10_007);
    for (const [s, e] of ranges) {
      expect(e - s).toBeGreaterThan(0);
      expect(e - s).toBeLessThanOrEqual(500);
    }
  });

  it('sizes chunks so each takes about the target time', () => {
    // Work costs 0.05 ms per item: the target of 20 ms is 400 items.
    const sizes: number[] = [];
    for (const [s, e] of timedRanges(20_000, { first: 8, max: 100_000, targetMs: 20 })) {
      busy((e - s) * 0.05);
      sizes.push(e - s);
    }
    const settled = sizes.slice(8, -1);
    expect(settled.length).toBeGreaterThan(5);
    const median = settled.sort((a, b) => a - b)[Math.floor(settled.length / 2)]!;
    expect(median).toBeGreaterThan(250);
    expect(median).toBeLessThan(600);
  });
});
