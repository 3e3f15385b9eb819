/** Pixel helpers shared by the MonoNPHM nodes' runs and previews. */
import type { ImageValue } from './values.ts';

/** [N·3] colour in [−1, 1] (the model's range) → RGBA8; `alpha` [N] in [0, 1] optional. */
export function rgbSignedToImage(rgb: Float32Array, width: number, height: number, alpha?: Float32Array): ImageValue {
  const rgba = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    for (let c = 0; c < 3; c++) rgba[4 * i + c] = ((rgb[3 * i + c]! + 1) / 2) * 255;
    rgba[4 * i + 3] = alpha ? alpha[i]! * 255 : 255;
  }
  return { width, height, rgba };
}

/** RGBA8 → [N·3] colour in [−1, 1]. */
export function imageToRgbSigned(img: ImageValue): Float32Array {
  const n = img.width * img.height;
  const out = new Float32Array(3 * n);
  for (let i = 0; i < n; i++) for (let c = 0; c < 3; c++) out[3 * i + c] = (img.rgba[4 * i + c]! / 255) * 2 - 1;
  return out;
}

/** Alpha-blends `top` (with its alpha scaled by `opacity`) over `base`. */
export function overlay(base: ImageValue, top: ImageValue, opacity: number): ImageValue {
  if (base.width !== top.width || base.height !== top.height) throw new Error(`overlay: ${top.width}×${top.height} over ${base.width}×${base.height}`);
  const rgba = new Uint8ClampedArray(base.rgba);
  for (let i = 0; i < base.width * base.height; i++) {
    const a = (top.rgba[4 * i + 3]! / 255) * opacity;
    for (let c = 0; c < 3; c++) rgba[4 * i + c] = rgba[4 * i + c]! * (1 - a) + top.rgba[4 * i + c]! * a;
  }
  return { width: base.width, height: base.height, rgba };
}

/** Draws small crosses at pixel positions (NaN skipped). */
export function drawPoints(img: ImageValue, xy: ArrayLike<number>, color: [number, number, number], radius = 1): ImageValue {
  const rgba = new Uint8ClampedArray(img.rgba);
  for (let k = 0; k < xy.length / 2; k++) {
    const u = Math.round(xy[2 * k]!), v = Math.round(xy[2 * k + 1]!);
    if (!Number.isFinite(u) || !Number.isFinite(v)) continue;
    for (let d = -radius; d <= radius; d++)
      for (const [x, y] of [[u + d, v], [u, v + d]] as const) {
        if (x < 0 || y < 0 || x >= img.width || y >= img.height) continue;
        const o = 4 * (y * img.width + x);
        rgba[o] = color[0];
        rgba[o + 1] = color[1];
        rgba[o + 2] = color[2];
        rgba[o + 3] = 255;
      }
  }
  return { width: img.width, height: img.height, rgba };
}

/** Nearest-neighbour resize (previews, and label maps where interpolation would invent classes). */
export function resizeNearest<T extends Uint8ClampedArray | Uint8Array>(src: T, w: number, h: number, channels: number, W: number, H: number): T {
  const out = new (src.constructor as new (n: number) => T)(W * H * channels);
  for (let y = 0; y < H; y++) {
    const sy = Math.min(h - 1, Math.floor(((y + 0.5) * h) / H));
    for (let x = 0; x < W; x++) {
      const sx = Math.min(w - 1, Math.floor(((x + 0.5) * w) / W));
      for (let c = 0; c < channels; c++) out[(y * W + x) * channels + c] = src[(sy * w + sx) * channels + c]!;
    }
  }
  return out;
}

/** Area-averaging downscale of RGBA8 by an integer-free factor (box filter over source pixels). */
export function downscaleImage(img: ImageValue, W: number, H: number): ImageValue {
  if (W === img.width && H === img.height) return img;
  const rgba = new Uint8ClampedArray(W * H * 4);
  const sx = img.width / W, sy = img.height / H;
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) {
      const acc = [0, 0, 0, 0];
      let n = 0;
      for (let yy = Math.floor(y * sy); yy < Math.min(img.height, Math.ceil((y + 1) * sy)); yy++)
        for (let xx = Math.floor(x * sx); xx < Math.min(img.width, Math.ceil((x + 1) * sx)); xx++) {
          for (let c = 0; c < 4; c++) acc[c]! += img.rgba[4 * (yy * img.width + xx) + c]!;
          n++;
        }
      for (let c = 0; c < 4; c++) rgba[4 * (y * W + x) + c] = acc[c]! / n;
    }
  return { width: W, height: H, rgba };
}

/** A fixed palette for segmentation classes (0 = background, transparent). */
export function labelsToImage(labels: Uint8Array, width: number, height: number): ImageValue {
  const rgba = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    const c = labels[i]!;
    if (!c) continue;
    const h = (c * 0.618033988749895) % 1;
    const [r, g, b] = hsvToRgb(h, 0.65, 0.95);
    rgba.set([r, g, b, 255], 4 * i);
  }
  return { width, height, rgba };
}

function hsvToRgb(h: number, s: number, v: number): [number, number, number] {
  const i = Math.floor(h * 6), f = h * 6 - i;
  const p = v * (1 - s), q = v * (1 - f * s), t = v * (1 - (1 - f) * s);
  const [r, g, b] = [[v, t, p], [q, v, p], [p, v, t], [p, q, v], [t, p, v], [v, p, q]][i % 6]!;
  return [r! * 255, g! * 255, b! * 255];
}
