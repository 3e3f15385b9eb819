/** Drawing of preview payloads on 2-D canvases (no tfjs, no three). */
import type { Preview } from '../../nodes/preview.ts';
import { plotScale } from './plot-scale.ts';

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

/**
 * Line chart of one or more series (loss curves) with a value axis (ticks, log over decades), an
 * iteration axis and their names; the legend is the caller's (HTML below the canvas, so it fits).
 */
export function drawPlot(canvas: HTMLCanvasElement, p: Extract<Preview, { kind: 'plot' }>, w: number, h: number): void {
  const ctx = setup(canvas, w, h);
  if (!ctx) return;
  ctx.fillStyle = '#14171c';
  ctx.fillRect(0, 0, w, h);
  const all = p.series.flatMap((s) => s.values).filter(Number.isFinite);
  if (!all.length) return;
  const scale = plotScale(all, p.log === undefined ? {} : { log: p.log });
  ctx.font = '9px system-ui, sans-serif';
  const labelW = Math.max(...scale.ticks.map((t) => ctx.measureText(fmt(t)).width));
  const pad = { l: Math.ceil(labelW) + 6, r: 6, t: p.y ? 13 : 6, b: 14 };
  const n = Math.max(...p.series.map((s) => s.values.length));
  const X = (i: number) => pad.l + ((w - pad.l - pad.r) * i) / Math.max(1, n - 1);
  const Y = (v: number) => pad.t + (h - pad.t - pad.b) * (1 - scale.at(v));
  ctx.lineWidth = 1;
  ctx.fillStyle = '#7d8696';
  ctx.textAlign = 'right';
  ctx.textBaseline = 'middle';
  for (const t of scale.ticks) {
    ctx.strokeStyle = '#2a2f38';
    ctx.beginPath();
    ctx.moveTo(pad.l, Y(t));
    ctx.lineTo(w - pad.r, Y(t));
    ctx.stroke();
    ctx.fillText(fmt(t), pad.l - 3, Y(t));
  }
  ctx.textBaseline = 'alphabetic';
  ctx.textAlign = 'left';
  ctx.fillText('0', pad.l, h - 3);
  ctx.textAlign = 'right';
  ctx.fillText(`${Math.max(0, n - 1)}${p.x ? ` ${p.x}` : ''}`, w - pad.r, h - 3);
  if (p.y) {
    ctx.textAlign = 'left';
    ctx.fillText(`${p.y}${scale.log ? ' (log)' : ''}`, 2, 9);
  }
  p.series.forEach((s, si) => {
    ctx.strokeStyle = SERIES_COLORS[si % SERIES_COLORS.length]!;
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    let started = false;
    s.values.forEach((v, i) => {
      if (!Number.isFinite(v)) return;
      if (!started) ctx.moveTo(X(i), Y(v));
      else ctx.lineTo(X(i), Y(v));
      started = true;
    });
    ctx.stroke();
  });
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
