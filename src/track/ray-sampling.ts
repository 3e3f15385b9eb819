/**
 * Which pixels a tracking iteration renders (reference §4.1): a pool of random pixels away from
 * the border, then a fraction of the rays from foreground pixels and the rest uniformly.
 */
import { SEG } from './losses.ts';

const BORDER = 2;
const POOL = 10_000;

/** mulberry32: a tiny deterministic stream, so a seed reproduces a tracking run exactly. */
export function seededRandom(seed: number): () => number {
  let s = (Math.floor(seed) >>> 0) ^ 0x9e3779b9;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
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
