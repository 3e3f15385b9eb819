/** Drawing of preview payloads on 2-D canvases (no tfjs, no three). */
import type { Preview } from '../../nodes/preview.ts';

export const SERIES_COLORS = ['#5aa9e6', '#f2845c', '#8fd16a', '#e66fa3', '#f2d15c', '#a28bf2'];

/** Draws RGBA pixels at their own size; CSS scales the canvas (pixelated for small images). */
export function drawRgba(canvas: HTMLCanvasElement, width: number, height: number, rgba: Uint8ClampedArray): void {
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext('2d');
  if (!ctx || rgba.length < width * height * 4) return;
  ctx.putImageData(new ImageData(new Uint8ClampedArray(rgba.buffer as ArrayBuffer, rgba.byteOffset, width * height * 4), width, height), 0, 0);
}

function setup(canvas: HTMLCanvasElement, cssWidth: number, cssHeight: number): CanvasRenderingContext2D | null {
  const dpr = Math.min(2, globalThis.devicePixelRatio || 1);
  canvas.width = Math.round(cssWidth * dpr);
  canvas.height = Math.round(cssHeight * dpr);
  const ctx = canvas.getContext('2d');
  ctx?.setTransform(dpr, 0, 0, dpr, 0, 0);
  return ctx;
}

export function fmt(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e5)) return v.toExponential(2);
  return String(Number(v.toPrecision(4)));
}

/** Line chart of one or more series (loss curves) with the last value and range labelled. */
export function drawPlot(canvas: HTMLCanvasElement, p: Extract<Preview, { kind: 'plot' }>, w: number, h: number): void {
  const ctx = setup(canvas, w, h);
  if (!ctx) return;
  ctx.fillStyle = '#14171c';
  ctx.fillRect(0, 0, w, h);
  const all = p.series.flatMap((s) => s.values).filter(Number.isFinite);
  if (!all.length) return;
  let lo = Math.min(...all), hi = Math.max(...all);
  if (hi === lo) [lo, hi] = [lo - 1, hi + 1];
  const pad = { l: 6, r: 6, t: 14, b: 6 };
  const n = Math.max(...p.series.map((s) => s.values.length));
  ctx.strokeStyle = '#2a2f38';
  ctx.lineWidth = 1;
  for (let i = 0; i <= 2; i++) {
    const y = pad.t + ((h - pad.t - pad.b) * i) / 2;
    ctx.beginPath();
    ctx.moveTo(pad.l, y);
    ctx.lineTo(w - pad.r, y);
    ctx.stroke();
  }
  p.series.forEach((s, si) => {
    ctx.strokeStyle = SERIES_COLORS[si % SERIES_COLORS.length]!;
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    s.values.forEach((v, i) => {
      const x = pad.l + ((w - pad.l - pad.r) * i) / Math.max(1, n - 1);
      const y = pad.t + (h - pad.t - pad.b) * (1 - (v - lo) / (hi - lo));
      if (i === 0) ctx.moveTo(x, y);
      else ctx.lineTo(x, y);
    });
    ctx.stroke();
  });
  ctx.fillStyle = '#9aa3b2';
  ctx.font = '10px system-ui, sans-serif';
  ctx.fillText(`${fmt(hi)}`, pad.l, 10);
  const legend = p.series.map((s) => `${s.name} ${fmt(s.values.at(-1) ?? NaN)}`).join('  ');
  ctx.textAlign = 'right';
  ctx.fillText(legend, w - pad.r, 10);
}

/** Bars for a code vector (latents): positive up in amber, negative down in blue. */
export function drawBars(canvas: HTMLCanvasElement, values: ArrayLike<number>, w: number, h: number): void {
  const ctx = setup(canvas, w, h);
  if (!ctx) return;
  ctx.fillStyle = '#14171c';
  ctx.fillRect(0, 0, w, h);
  const n = values.length;
  if (!n) return;
  let m = 0;
  for (let i = 0; i < n; i++) m = Math.max(m, Math.abs(values[i]!));
  m ||= 1;
  const mid = h / 2;
  const bw = w / n;
  for (let i = 0; i < n; i++) {
    const v = values[i]! / m;
    ctx.fillStyle = v >= 0 ? '#f2b35c' : '#5aa9e6';
    const bh = Math.abs(v) * (mid - 4);
    ctx.fillRect(i * bw, v >= 0 ? mid - bh : mid, Math.max(1, bw - (bw > 3 ? 1 : 0)), Math.max(0.5, bh));
  }
  ctx.strokeStyle = '#3a404b';
  ctx.beginPath();
  ctx.moveTo(0, mid);
  ctx.lineTo(w, mid);
  ctx.stroke();
}
