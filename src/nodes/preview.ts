/**
 * Preview payloads: what a node card shows. Plain data with typed arrays only, so they can be
 * transferred from the worker without copying and drawn by the UI without tfjs.
 */
export type Preview =
  | { kind: 'image'; width: number; height: number; rgba: Uint8ClampedArray; caption?: string }
  /**
   * An image sequence the card plays, scrubs and steps: `count` frames of `width`×`height` packed
   * in one buffer (one transfer), `labels[i]` the frame number of frame i, `shown` the one to open on.
   */
  | { kind: 'frames'; width: number; height: number; count: number; rgba: Uint8ClampedArray; labels: number[]; fps: number; shown: number; caption?: string }
  | { kind: 'mesh'; positions: Float32Array; indices: Uint32Array; colors?: Float32Array; caption?: string }
  /**
   * Point sets in 3-D (orbitable like a mesh), each with a name and colour (0–1 RGB); `links` are
   * line segments, 6 numbers each (e.g. a canonical anchor to its posed position).
   */
  | { kind: 'points'; sets: { name: string; positions: Float32Array; color: [number, number, number] }[]; links?: Float32Array; caption?: string }
  /** Line plot; `x`/`y` name the axes (with units), `log` forces the value axis (else chosen from the data). */
  | {
      kind: 'plot';
      series: { name: string; values: number[] }[];
      x?: string;
      y?: string;
      log?: boolean;
      caption?: string;
      /** Series on a second value axis at the right (e.g. learning rates beside the losses). */
      right?: { y: string; series: { name: string; values: number[] }[]; log?: boolean };
      /** Vertical marks at x positions (frame and stage boundaries). */
      marks?: { at: number; label: string }[];
    }
  /** Bars; `bands` (same length) draw each element's expected range behind it (e.g. μ ± σ). */
  | { kind: 'vector'; values: Float32Array; bands?: { lo: Float32Array; hi: Float32Array }; caption?: string }
  | { kind: 'text'; text: string }
  | { kind: 'tensor'; shape: number[]; dtype: string; min: number; max: number; mean: number; image?: { width: number; height: number; rgba: Uint8ClampedArray } };

/** A sequence preview holds at most this many bytes: longer or larger videos are subsampled in space. */
export const FRAMES_PREVIEW_BYTES = 8 * 1024 * 1024;

interface Rgba {
  width: number;
  height: number;
  rgba: Uint8ClampedArray;
}

/**
 * The frames as a `frames` preview, every frame at one size (the first frame's, divided by the
 * smallest integer stride that keeps the whole within FRAMES_PREVIEW_BYTES; frames of another size
 * are sampled to it, nearest pixel).
 */
export function framesPreview(frames: readonly Rgba[], opts: { labels?: readonly number[]; fps?: number; shown?: number; caption?: string } = {}): Preview {
  const first = frames[0];
  if (!first) return { kind: 'text', text: 'no frames' };
  let stride = 1;
  while (frames.length * Math.ceil(first.width / stride) * Math.ceil(first.height / stride) * 4 > FRAMES_PREVIEW_BYTES) stride++;
  const w = Math.ceil(first.width / stride);
  const h = Math.ceil(first.height / stride);
  const rgba = new Uint8ClampedArray(frames.length * w * h * 4);
  frames.forEach((f, k) => {
    const base = k * w * h * 4;
    for (let y = 0; y < h; y++) {
      const sy = Math.min(f.height - 1, Math.floor((y * f.height) / h));
      for (let x = 0; x < w; x++) {
        const sx = Math.min(f.width - 1, Math.floor((x * f.width) / w));
        const s = (sy * f.width + sx) * 4;
        const d = base + (y * w + x) * 4;
        rgba[d] = f.rgba[s]!;
        rgba[d + 1] = f.rgba[s + 1]!;
        rgba[d + 2] = f.rgba[s + 2]!;
        rgba[d + 3] = f.rgba[s + 3]!;
      }
    }
  });
  const labels = opts.labels ? [...opts.labels] : frames.map((_, i) => i);
  return {
    kind: 'frames',
    width: w,
    height: h,
    count: frames.length,
    rgba,
    labels,
    fps: opts.fps ?? 25,
    shown: Math.max(0, Math.min(frames.length - 1, opts.shown ?? 0)),
    ...(opts.caption ? { caption: opts.caption } : {}),
  };
}

/** ArrayBuffers inside a preview, for zero-copy transfer with comlink. */
export function previewBuffers(p: unknown): ArrayBuffer[] {
  const out: ArrayBuffer[] = [];
  const visit = (v: unknown, depth: number) => {
    if (depth > 4 || v === null || typeof v !== 'object') return;
    if (ArrayBuffer.isView(v)) {
      if (v.buffer instanceof ArrayBuffer && !out.includes(v.buffer)) out.push(v.buffer);
      return;
    }
    for (const x of Object.values(v)) visit(x, depth + 1);
  };
  visit(p, 0);
  return out;
}

/** A diverging blue–white–red colour map for signed scalar fields (SDF slices, tensors). */
export function divergingRgba(values: ArrayLike<number>, width: number, height: number, absMax?: number): Uint8ClampedArray {
  let m = absMax ?? 0;
  if (absMax === undefined) for (let i = 0; i < values.length; i++) m = Math.max(m, Math.abs(values[i]!));
  m = m || 1;
  const rgba = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    const t = Math.max(-1, Math.min(1, (values[i] ?? 0) / m));
    const a = 1 - Math.abs(t);
    rgba[i * 4] = t > 0 ? 255 : 255 * a;
    rgba[i * 4 + 1] = 255 * a;
    rgba[i * 4 + 2] = t < 0 ? 255 : 255 * a;
    rgba[i * 4 + 3] = 255;
  }
  return rgba;
}
