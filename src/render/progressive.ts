/**
 * Progressive image renders: the pixels are rendered coarse to fine (every 8th pixel of every 8th
 * row first, then the pixels of the 4-, 2- and 1-pixel grids), so an image of the whole head can be
 * shown after 1/64 of the work and sharpens as the rest arrives. The order only permutes the rays:
 * the finished render is the same as a row-by-row one.
 */
import type { ImageRender } from './render.ts';

export const COARSEST_STEP = 8;

/** The grid step a pixel first belongs to: 8, 4, 2 or 1. */
function levelOf(x: number, y: number): number {
  let s = COARSEST_STEP;
  while (s > 1 && (x % s !== 0 || y % s !== 0)) s >>= 1;
  return s;
}

/** Pixel indices (y·W + x) in coarse-to-fine order; row-major within each level. */
export function coarseToFineOrder(width: number, height: number): Int32Array {
  const order = new Int32Array(width * height);
  let k = 0;
  for (let s = COARSEST_STEP; s >= 1; s >>= 1)
    for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) if (levelOf(x, y) === s) order[k++] = y * width + x;
  return order;
}

/**
 * The render in pixel order from the first `done` rays of a render made in `order`: pixels not
 * rendered yet take the value of the nearest rendered grid point above-left of them (blocks).
 */
export function progressiveImage(partial: ImageRender, order: Int32Array, done: number, width: number, height: number): ImageRender {
  const n = width * height;
  const rgb = new Float32Array(3 * n);
  const weightsSum = new Float32Array(n);
  const depth = new Float32Array(n);
  const known = new Uint8Array(n);
  for (let i = 0; i < done; i++) {
    const p = order[i]!;
    known[p] = 1;
    rgb[3 * p] = partial.rgb[3 * i]!;
    rgb[3 * p + 1] = partial.rgb[3 * i + 1]!;
    rgb[3 * p + 2] = partial.rgb[3 * i + 2]!;
    weightsSum[p] = partial.weightsSum[i]!;
    depth[p] = partial.depth[i]!;
  }
  if (done < n) {
    for (let y = 0; y < height; y++)
      for (let x = 0; x < width; x++) {
        const p = y * width + x;
        if (known[p]) continue;
        for (let s = 2; s <= COARSEST_STEP; s <<= 1) {
          const q = (y - (y % s)) * width + (x - (x % s));
          if (!known[q]) continue;
          rgb[3 * p] = rgb[3 * q]!;
          rgb[3 * p + 1] = rgb[3 * q + 1]!;
          rgb[3 * p + 2] = rgb[3 * q + 2]!;
          weightsSum[p] = weightsSum[q]!;
          depth[p] = depth[q]!;
          break;
        }
      }
  }
  return { count: n, rgb, weightsSum, depth };
}
