/**
 * The value axis of a line plot: linear, or logarithmic for curves that span decades (a loss that
 * falls from 100 to 0.1 is a flat line at the bottom of a linear axis). Ticks at round values.
 */
export interface PlotScale {
  log: boolean;
  lo: number;
  hi: number;
  /** Tick values, low to high. */
  ticks: number[];
  /** Position of a value on the axis, 0 at `lo`, 1 at `hi` (clamped). */
  at(v: number): number;
}

/** Log scale when every value is positive and they span more than a factor of 30. */
export function plotScale(values: readonly number[], opts: { log?: boolean } = {}): PlotScale {
  let finite = values.filter(Number.isFinite);
  let lo = finite.length ? Math.min(...finite) : 0;
  let hi = finite.length ? Math.max(...finite) : 1;
  const log = opts.log ?? (lo > 0 && hi / lo > 30);
  // A log axis asked for data with zeros (a frozen learning rate): the positive values set it.
  if (log && lo <= 0) {
    finite = finite.filter((v) => v > 0);
    lo = finite.length ? Math.min(...finite) : 1;
    hi = finite.length ? Math.max(...finite) : 10;
  }
  if (log) {
    const a = Math.floor(Math.log10(lo));
    const b = Math.ceil(Math.log10(hi));
    const ticks: number[] = [];
    const every = Math.max(1, Math.ceil((b - a) / 4));
    for (let e = a; e <= b; e += every) ticks.push(10 ** e);
    const [l, h] = [a, Math.max(b, a + 1)];
    return { log, lo: 10 ** l, hi: 10 ** h, ticks, at: (v) => clamp((Math.log10(Math.max(v, 1e-300)) - l) / (h - l)) };
  }
  if (hi === lo) [lo, hi] = [lo - 1, hi + 1];
  const step = niceStep((hi - lo) / 3);
  const [l, h] = [Math.floor(lo / step) * step, Math.ceil(hi / step) * step];
  const ticks: number[] = [];
  for (let t = l; t <= h + step / 2; t += step) ticks.push(Number(t.toPrecision(12)));
  return { log, lo: l, hi: h, ticks, at: (v) => clamp((v - l) / (h - l)) };
}

/** 1, 2 or 5 times a power of ten, at least `raw`. */
function niceStep(raw: number): number {
  const p = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 5, 10]) if (m * p >= raw) return m * p;
  return 10 * p;
}

const clamp = (x: number) => Math.max(0, Math.min(1, x));
