/** Cards pushed apart when previews grow them, and a Fit that keeps them readable. */
import { describe, expect, it } from 'vitest';
import { fitTransform, MIN_READABLE_ZOOM, pushApart } from '../../src/ui/state/layout.ts';

describe('pushApart', () => {
  it('moves a card covered by a grown card above it down, and what it then covers too', () => {
    const moves = pushApart([
      { id: 'render', x: 0, y: 0, w: 220, h: 400 },
      { id: 'mesh', x: 0, y: 300, w: 220, h: 200 },
      { id: 'viewer', x: 0, y: 560, w: 220, h: 100 },
      { id: 'beside', x: 300, y: 300, w: 220, h: 200 },
    ]);
    expect(moves).toEqual([
      { id: 'mesh', x: 0, y: 424 },
      { id: 'viewer', x: 0, y: 648 },
    ]);
  });

  it('leaves a layout without overlaps alone', () => {
    expect(pushApart([{ id: 'a', x: 0, y: 0, w: 10, h: 10 }, { id: 'b', x: 0, y: 40, w: 10, h: 10 }])).toEqual([]);
  });
});

describe('fitTransform', () => {
  it('fits a small graph, centred, at most at 1:1', () => {
    const t = fitTransform({ left: 0, top: 0, right: 400, bottom: 200 }, 1000, 800);
    expect(t.k).toBe(1);
    expect([t.x, t.y]).toEqual([300, 300]);
  });

  it('stops at the readable zoom for a wide graph and shows its left end', () => {
    // The tracking graph's eight columns: 8 × 300 px in a 1100-px canvas would need 0.43.
    const t = fitTransform({ left: 0, top: -100, right: 2400, bottom: 500 }, 1100, 800);
    expect(t.k).toBe(MIN_READABLE_ZOOM);
    expect(t.x).toBe(30);
    // 600 × 0.6 = 360 px high fits: centred vertically.
    expect(t.y).toBeCloseTo((800 - 360) / 2 + 100 * 0.6, 9);
  });
});
