/**
 * Preview payloads: what a node card shows. Plain data with typed arrays only, so they can be
 * transferred from the worker without copying and drawn by the UI without tfjs.
 */
export type Preview =
  | { kind: 'image'; width: number; height: number; rgba: Uint8ClampedArray; caption?: string }
  | { kind: 'mesh'; positions: Float32Array; indices: Uint32Array; colors?: Float32Array; caption?: string }
  | { kind: 'plot'; series: { name: string; values: number[] }[]; caption?: string }
  | { kind: 'vector'; values: Float32Array; caption?: string }
  | { kind: 'text'; text: string }
  | { kind: 'tensor'; shape: number[]; dtype: string; min: number; max: number; mean: number; image?: { width: number; height: number; rgba: Uint8ClampedArray } };

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
