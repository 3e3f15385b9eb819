/** The value axis of the studio's plots (loss curves): linear with round ticks, or log over decades. */
import { describe, expect, it } from 'vitest';
import { plotScale } from '../../src/ui/previews/plot-scale.ts';

describe('plotScale', () => {
  it('takes a log axis for a loss over decades, ticks at powers of ten', () => {
    const s = plotScale([120, 30, 4, 0.3]);
    expect(s.log).toBe(true);
    expect([s.lo, s.hi]).toEqual([0.1, 1000]);
    expect(s.ticks).toEqual([0.1, 1, 10, 100, 1000]);
    expect(s.at(10)).toBeCloseTo(0.5, 9);
  });

  it('takes a linear axis with round ticks covering the values otherwise', () => {
    const s = plotScale([0.23, 0.71, -0.4]);
    expect(s.log).toBe(false);
    // Range 1.11 in three steps: 0.37, rounded up to 0.5.
    expect(s.ticks).toEqual([-0.5, 0, 0.5, 1]);
    expect(s.at(-0.5)).toBe(0);
    expect(s.at(1)).toBe(1);
    expect(s.at(0.25)).toBeCloseTo(0.5, 9);
    // A constant series still gets an axis around it; negative values never go log.
    expect(plotScale([2, 2]).ticks.length).toBeGreaterThan(1);
    expect(plotScale([-100, -0.1]).log).toBe(false);
  });

  it('a forced log axis ignores zeros and negatives (a frozen learning rate) instead of breaking', () => {
    const s = plotScale([0, 1e-4, 5e-3, -1], { log: true });
    expect(s.log).toBe(true);
    expect(s.ticks.every(Number.isFinite)).toBe(true);
    expect(s.lo).toBeLessThanOrEqual(1e-4);
    expect(s.hi).toBeGreaterThanOrEqual(5e-3);
    expect(s.at(0)).toBe(0);
  });
});
