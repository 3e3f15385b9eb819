/** Sequence previews: every frame kept, subsampled in space only when the whole would be too large. */
import { describe, expect, it } from 'vitest';
import { FRAMES_PREVIEW_BYTES, framesPreview } from '../../src/nodes/preview.ts';

/** A frame whose red channel is its x, green its y and blue its frame number. */
const frame = (w: number, h: number, k: number) => {
  const rgba = new Uint8ClampedArray(w * h * 4);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) rgba.set([x % 256, y % 256, k, 255], (y * w + x) * 4);
  return { width: w, height: h, rgba };
};

describe('framesPreview', () => {
  it('packs small frames unchanged, in order, with their labels', () => {
    const p = framesPreview([frame(8, 6, 0), frame(8, 6, 1), frame(8, 6, 2)], { labels: [4, 7, 10], shown: 1 });
    if (p.kind !== 'frames') throw new Error(p.kind);
    expect([p.count, p.width, p.height, p.labels, p.shown]).toEqual([3, 8, 6, [4, 7, 10], 1]);
    expect(Array.from(p.rgba.subarray(2 * 8 * 6 * 4, 2 * 8 * 6 * 4 + 8))).toEqual([0, 0, 2, 255, 1, 0, 2, 255]);
  });

  it('subsamples large sequences by the smallest stride that fits the budget', () => {
    const frames = Array.from({ length: 40 }, (_, k) => frame(512, 512, k));
    const p = framesPreview(frames);
    if (p.kind !== 'frames') throw new Error(p.kind);
    // 40 × 512² × 4 = 42 MB; stride 2 is still 10.5 MB, stride 3 gives 171² per frame.
    expect([p.width, p.height, p.count]).toEqual([171, 171, 40]);
    expect(p.rgba.length).toBeLessThanOrEqual(FRAMES_PREVIEW_BYTES);
    const at = (k: number, x: number, y: number) => Array.from(p.rgba.subarray((k * 171 * 171 + y * 171 + x) * 4, (k * 171 * 171 + y * 171 + x) * 4 + 3));
    // Pixel (10, 20) of the preview samples source pixel (⌊10·512/171⌋, ⌊20·512/171⌋) = (29, 59).
    expect(at(39, 10, 20)).toEqual([29, 59, 39]);
  });

  it('keeps the frame to open on inside the sequence', () => {
    const p = framesPreview([frame(4, 4, 0), frame(4, 4, 1)], { shown: 9 });
    expect(p.kind === 'frames' && p.shown).toBe(1);
    expect(framesPreview([]).kind).toBe('text');
  });
});
