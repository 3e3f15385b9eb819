/**
 * Fits mean-head constants so that the 65 mean anchors lie on the neutral mean surface: Adam on
 * Σ sdf(anchor)² with central-difference gradients and a pull towards the hand-made start values
 * (without it the fit trades anatomy for residuals, e.g. lips pushed 4 cm forwards). `BASE` in
 * shape.ts holds the result of fitMeanHead(start, placementKeys, 300, 0.002, 3); kept so the fit can
 * be redone when primitives change.
 */
import { MEAN_ANCHORS } from './anchors-mean.ts';
import { NeutralHead } from './neutral.ts';
import { shapeFor, type BaseShape } from './shape.ts';

export interface FitResult {
  base: BaseShape;
  meanAbs: number;
  maxAbs: number;
}

export function anchorResiduals(base: BaseShape): Float64Array {
  const head = new NeutralHead(shapeFor({}, base));
  const r = new Float64Array(65);
  for (let i = 0; i < 65; i++) r[i] = head.sdf(MEAN_ANCHORS[3 * i]!, MEAN_ANCHORS[3 * i + 1]!, MEAN_ANCHORS[3 * i + 2]!);
  return r;
}

export function fitMeanHead(start: BaseShape, keys: readonly (keyof BaseShape)[], iters = 400, lr = 0.002, reg = 0.05): FitResult {
  const base = { ...start };
  const loss = (b: BaseShape): number => {
    const r = anchorResiduals(b);
    let l = 0;
    for (let i = 0; i < r.length; i++) l += r[i]! * r[i]!;
    l /= r.length;
    for (const k of keys) {
      const d = (b[k] - start[k]) / (Math.abs(start[k]) + 0.02);
      l += reg * 1e-4 * d * d;
    }
    return l;
  };
  const m = new Float64Array(keys.length), v = new Float64Array(keys.length);
  const h = 1e-4;
  for (let it = 1; it <= iters; it++) {
    const g = new Float64Array(keys.length);
    keys.forEach((k, j) => {
      const x0 = base[k];
      base[k] = x0 + h; const lp = loss(base);
      base[k] = x0 - h; const lm = loss(base);
      base[k] = x0;
      g[j] = (lp - lm) / (2 * h);
    });
    keys.forEach((k, j) => {
      m[j] = 0.9 * m[j]! + 0.1 * g[j]!;
      v[j] = 0.999 * v[j]! + 0.001 * g[j]! * g[j]!;
      const mh = m[j]! / (1 - 0.9 ** it), vh = v[j]! / (1 - 0.999 ** it);
      base[k] = base[k] - lr * mh / (Math.sqrt(vh) + 1e-12);
    });
  }
  const r = anchorResiduals(base);
  let s = 0, mx = 0;
  for (const x of r) { s += Math.abs(x); mx = Math.max(mx, Math.abs(x)); }
  return { base, meanAbs: s / r.length, maxAbs: mx };
}
