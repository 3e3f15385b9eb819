/** The status bar's progress and time left, from measured times (src/ui/state/run-estimate.ts). */
import { describe, expect, it } from 'vitest';
import { estimateRun, type RunNode } from '../../src/ui/state/run-estimate.ts';

const done = (id: string, ms: number): RunNode => ({ id, state: { status: 'done', ms } });

describe('estimateRun', () => {
  it('weighs a long node by its own rate, not by the number of nodes', () => {
    // Ten instant nodes done, the optimiser 25 s into a run at 5 % progress: 475 s left, not 35 s.
    const nodes: RunNode[] = [...Array.from({ length: 10 }, (_, i) => done(`n${i}`, 5)), { id: 'opt', state: { status: 'running', progress: 0.05 }, runningSince: 1000 }];
    const e = estimateRun(nodes, 26_000);
    expect(e.remainingMs).toBeCloseTo(475_000, -2);
    expect(e.fraction).toBeCloseTo(25_050 / 500_050, 3);
    expect(e.lowerBound).toBe(false);
  });

  it('adds the last measured time of nodes still queued, and says when some are unknown', () => {
    const nodes: RunNode[] = [done('a', 1000), { id: 'b', state: { status: 'queued' }, lastMs: 3000 }, { id: 'c', state: { status: 'queued' } }];
    const e = estimateRun(nodes, 0);
    expect(e.remainingMs).toBe(3000);
    expect(e.fraction).toBeCloseTo(0.25, 6);
    expect(e.lowerBound).toBe(true);
  });

  it('uses the last time of a running node until it reports progress', () => {
    const e = estimateRun([{ id: 'r', state: { status: 'running', progress: 0 }, lastMs: 10_000, runningSince: 0 }], 4000);
    expect(e.remainingMs).toBe(6000);
    expect(e.fraction).toBeCloseTo(0.4, 6);
  });

  it('says nothing about time when nothing was measured, and counts nodes for the bar', () => {
    const e = estimateRun([{ id: 'a', state: { status: 'done', cached: true } }, { id: 'b', state: { status: 'running' }, runningSince: 0 }], 500);
    expect(e.remainingMs).toBeNull();
    expect(e.fraction).toBe(0.5);
    expect(estimateRun([done('a', 3)], 10).fraction).toBe(1);
  });
});
