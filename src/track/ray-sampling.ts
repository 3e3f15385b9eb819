/**
 * Which pixels a tracking iteration renders (reference §4.1): a pool of random pixels away from
 * the border, then a fraction of the rays from foreground pixels and the rest uniformly.
 */
import { Rng } from '../graph/rng.ts';
import { SEG } from './losses.ts';

const BORDER = 2;
const POOL = 10_000;

/** A uniform [0, 1) stream for a seed, so a seed reproduces a tracking run exactly. */
export function seededRandom(seed: number): () => number {
  const rng = new Rng(seed);
  return () => rng.next();
}

export function isForeground(label: number): boolean {
  return label !== SEG.background && label !== SEG.cloth;
}

/** Pixel indices (v·W + u) of `count` rays. */
export function sampleRayPixels(width: number, height: number, labels: ArrayLike<number>, count: number, foregroundFraction: number, random: () => number): Int32Array {
  const inner = (W: number, H: number) => {
    const u = BORDER + Math.floor(random() * Math.max(1, W - 2 * BORDER));
    const v = BORDER + Math.floor(random() * Math.max(1, H - 2 * BORDER));
    return Math.min(v, H - 1) * W + Math.min(u, W - 1);
  };
  const pool = Math.max(POOL, count);
  const fg: number[] = [];
  const any: number[] = [];
  for (let i = 0; i < pool; i++) {
    const p = inner(width, height);
    any.push(p);
    if (isForeground(labels[p]!)) fg.push(p);
  }
  const nFg = Math.min(fg.length, Math.round(count * foregroundFraction));
  const out = new Int32Array(count);
  for (let i = 0; i < nFg; i++) out[i] = fg[Math.floor(random() * fg.length)]!;
  for (let i = nFg; i < count; i++) out[i] = any[Math.floor(random() * any.length)]!;
  return out;
}
