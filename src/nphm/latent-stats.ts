/**
 * Latent statistics of a model: per-element mean and spread (standard deviation) of its training
 * codes, for z_geo, z_app and z_exp. They place random and mean codes (NPHM samples
 * z = μ + 0.85·σ·ε) and give tracking the scale of each code element (track/code-space.ts).
 * Written by `nphm train` and `nphm import` (from a checkpoint's training codes) as latent-stats.json.
 */

export interface CodeStats {
  mean: Float32Array;
  std: Float32Array;
}

export interface LatentStats {
  geo: CodeStats;
  app: CodeStats;
  exp: CodeStats;
}

export type CodeKind = keyof LatentStats;

function floats(v: unknown, what: string): Float32Array {
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'number' && Number.isFinite(x))) throw new Error(`${what} must be a list of finite numbers`);
  return Float32Array.from(v as number[]);
}

/** The code sizes of a model (`NphmModel.sizes`). */
export interface CodeSizes {
  zGeoDim: number;
  zAppDim: number;
  zExpDim: number;
}

/** The per-kind sizes `parseLatentStats` checks against, from a model's code sizes. */
export const codeDims = (s: CodeSizes): { geo: number; app: number; exp: number } => ({ geo: s.zGeoDim, app: s.zAppDim, exp: s.zExpDim });

/** A latent-stats.json value {geo|app|exp: {mean: number[], std: number[]}}, checked against the code sizes. */
export function parseLatentStats(raw: unknown, dims: { geo: number; app: number; exp: number }, uri: string): LatentStats {
  const o = (raw !== null && typeof raw === 'object' ? raw : {}) as Record<string, { mean?: unknown; std?: unknown } | undefined>;
  const part = (k: CodeKind): CodeStats => {
    const entry = Object.prototype.hasOwnProperty.call(o, k) ? o[k] : undefined;
    const mean = floats(entry?.mean, `${uri}: ${k}.mean`);
    const std = floats(entry?.std, `${uri}: ${k}.std`);
    if (mean.length !== dims[k] || std.length !== dims[k]) throw new Error(`${uri}: ${k} statistics have ${mean.length}/${std.length} values, the model's ${k} code has ${dims[k]}`);
    if (std.some((s) => s < 0)) throw new Error(`${uri}: ${k}.std has a negative entry`);
    return { mean, std };
  };
  return { geo: part('geo'), app: part('app'), exp: part('exp') };
}
