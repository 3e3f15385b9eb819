/** Drawing of preview payloads on 2-D canvases (no tfjs, no three). */
import type { Preview } from '../../nodes/preview.ts';
import { plotScale } from './plot-scale.ts';

const SERIES_COLORS = ['#5aa9e6', '#f2845c', '#8fd16a', '#e66fa3', '#f2d15c', '#a28bf2'];

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
  const rightAll = p.right ? p.right.series.flatMap((s) => s.values).filter(Number.isFinite) : [];
  const right = rightAll.length ? plotScale(rightAll, p.right!.log === undefined ? {} : { log: p.right!.log }) : undefined;
  ctx.font = '9px system-ui, sans-serif';
  const labelW = Math.max(...scale.ticks.map((t) => ctx.measureText(fmt(t)).width));
  const rightW = right ? Math.max(...right.ticks.map((t) => ctx.measureText(fmt(t)).width)) : 0;
  const pad = { l: Math.ceil(labelW) + 6, r: right ? Math.ceil(rightW) + 6 : 6, t: p.y || right ? 13 : 6, b: 14 };
  const n = Math.max(...p.series.map((s) => s.values.length), ...(p.right?.series.map((s) => s.values.length) ?? []));
  const X = (i: number) => pad.l + ((w - pad.l - pad.r) * i) / Math.max(1, n - 1);
  const Y = (v: number, sc = scale) => pad.t + (h - pad.t - pad.b) * (1 - sc.at(v));
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
  if (right) {
    ctx.textAlign = 'left';
    for (const t of right.ticks) ctx.fillText(fmt(t), w - pad.r + 3, Y(t, right));
  }
  ctx.textBaseline = 'alphabetic';
  for (const m of p.marks ?? []) {
    if (m.at <= 0 || m.at >= n) continue;
    ctx.strokeStyle = '#4a5160';
    ctx.setLineDash([2, 3]);
    ctx.beginPath();
    ctx.moveTo(X(m.at), pad.t);
    ctx.lineTo(X(m.at), h - pad.b);
    ctx.stroke();
    ctx.setLineDash([]);
    ctx.textAlign = 'left';
    ctx.fillText(m.label, X(m.at) + 2, pad.t + 8);
  }
  ctx.textAlign = 'left';
  ctx.fillText('0', pad.l, h - 3);
  ctx.textAlign = 'right';
  ctx.fillText(`${Math.max(0, n - 1)}${p.x ? ` ${p.x}` : ''}`, w - pad.r, h - 3);
  if (p.y) {
    ctx.textAlign = 'left';
    ctx.fillText(`${p.y}${scale.log ? ' (log)' : ''}`, 2, 9);
  }
  if (right) {
    ctx.textAlign = 'right';
    ctx.fillText(`${p.right!.y}${right.log ? ' (log)' : ''} (dashed)`, w - 2, 9);
  }
  const line = (values: readonly number[], color: string, sc: typeof scale, dashed: boolean) => {
    ctx.strokeStyle = color;
    ctx.lineWidth = 1.5;
    ctx.setLineDash(dashed ? [4, 3] : []);
    ctx.beginPath();
    let started = false;
    values.forEach((v, i) => {
      if (!Number.isFinite(v)) return;
      if (!started) ctx.moveTo(X(i), Y(v, sc));
      else ctx.lineTo(X(i), Y(v, sc));
      started = true;
    });
    ctx.stroke();
    ctx.setLineDash([]);
  };
  p.series.forEach((s, si) => line(s.values, seriesColor(si), scale, false));
  if (right) p.right!.series.forEach((s, si) => line(s.values, seriesColor(p.series.length + si), right, true));
}

/** The colour of series `i` of a plot (left-axis series first, then the right axis's). */
export function seriesColor(i: number): string {
  return SERIES_COLORS[i % SERIES_COLORS.length]!;
}

/**
 * Bars for a code vector (latents): positive up in amber, negative down in blue; with `bands`, each
 * element's expected range (the model's μ ± σ) as a grey box behind its bar, and bars outside it
 * in red, so a code far from what the model was trained on stands out.
 */
export function drawBars(canvas: HTMLCanvasElement, values: ArrayLike<number>, w: number, h: number, bands?: { lo: ArrayLike<number>; hi: ArrayLike<number> }): void {
  const ctx = setup(canvas, w, h);
  if (!ctx) return;
  ctx.fillStyle = '#14171c';
  ctx.fillRect(0, 0, w, h);
  const n = values.length;
  if (!n) return;
  let m = 0;
  for (let i = 0; i < n; i++) m = Math.max(m, Math.abs(values[i]!), bands ? Math.abs(bands.lo[i]!) : 0, bands ? Math.abs(bands.hi[i]!) : 0);
  m ||= 1;
  const mid = h / 2;
  const bw = w / n;
  if (bands) {
    ctx.fillStyle = '#343a45';
    for (let i = 0; i < n; i++) {
      const top = mid - (bands.hi[i]! / m) * (mid - 4), bottom = mid - (bands.lo[i]! / m) * (mid - 4);
      ctx.fillRect(i * bw, top, Math.max(1, bw), Math.max(1, bottom - top));
    }
  }
  for (let i = 0; i < n; i++) {
    const v = values[i]! / m;
    const outside = bands && (values[i]! < bands.lo[i]! || values[i]! > bands.hi[i]!);
    ctx.fillStyle = outside ? '#e0525a' : v >= 0 ? '#f2b35c' : '#5aa9e6';
    const bh = Math.abs(v) * (mid - 4);
    ctx.fillRect(i * bw, v >= 0 ? mid - bh : mid, Math.max(1, bw - (bw > 3 ? 1 : 0)), Math.max(0.5, bh));
  }
  ctx.strokeStyle = '#3a404b';
  ctx.beginPath();
  ctx.moveTo(0, mid);
  ctx.lineTo(w, mid);
  ctx.stroke();
}
