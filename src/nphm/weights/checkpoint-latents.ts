/**
 * Latent statistics from an official checkpoint's training codes: MonoNPHM's trainer saves its
 * code book (`latent_codes`, a module with one embedding per code kind: `codebook.geo.weight`
 * [identities, z_geo], `codebook.app.weight`, `codebook.exp.weight` [expressions, z_exp]). The
 * per-element mean and spread of those rows are what tracking needs to step codes in units of the
 * model's own spread (src/track/code-space.ts), so an imported checkpoint tracks with the same
 * schedule as the default model.
 */
import type { LatentStats, CodeStats } from '../latent-stats.ts';
import type { StateDict } from './state-dict.ts';
import type { TorchCheckpoint } from './torch-checkpoint.ts';

export type LatentStatsResult = { stats: LatentStats } | { stats: null; reason: string };

function rowStats(data: Float32Array, rows: number, cols: number): CodeStats {
  const mean = new Float64Array(cols), sq = new Float64Array(cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) {
    const v = data[r * cols + c]!;
    mean[c] = mean[c]! + v / rows;
    sq[c] = sq[c]! + (v * v) / rows;
  }
  return { mean: Float32Array.from(mean), std: Float32Array.from(mean, (m, c) => Math.sqrt(Math.max(0, sq[c]! - m * m))) };
}

/** Statistics of a code book state dict with `…geo.weight`, `…app.weight` and `…exp.weight` rows. */
export function latentStatsFromCodebook(sd: StateDict, sizes: { zGeoDim: number; zAppDim: number; zExpDim: number }): LatentStatsResult {
  const find = (kind: string, dim: number): CodeStats | string => {
    const key = [...sd.keys()].find((k) => k === `${kind}.weight` || k.endsWith(`.${kind}.weight`));
    if (!key) return `no '${kind}.weight' embedding`;
    const t = sd.get(key)!;
    if (t.shape.length !== 2 || t.shape[1] !== dim) return `'${key}' has shape [${t.shape.join(', ')}], the model's ${kind} code has ${dim} values`;
    if (t.shape[0]! < 2) return `'${key}' has ${t.shape[0]} row: a spread needs two codes or more`;
    const bad = t.data.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) return `'${key}' has a non-finite value (${t.data[bad]}) at flat index ${bad}`;
    return rowStats(t.data, t.shape[0]!, dim);
  };
  const geo = find('geo', sizes.zGeoDim), app = find('app', sizes.zAppDim), exp = find('exp', sizes.zExpDim);
  const problems = [geo, app, exp].filter((x): x is string => typeof x === 'string');
  if (problems.length) return { stats: null, reason: `latent_codes: ${problems.join('; ')}` };
  return { stats: { geo: geo as CodeStats, app: app as CodeStats, exp: exp as CodeStats } };
}

/** The checkpoint's training-code statistics, or why there are none. */
export function latentStatsFromCheckpoint(ckpt: TorchCheckpoint, sizes: { zGeoDim: number; zAppDim: number; zExpDim: number }): LatentStatsResult {
  const e = ckpt.entries.get('latent_codes');
  if (!e) return { stats: null, reason: 'the checkpoint has no latent_codes (training codes)' };
  if (e.kind !== 'state_dict') return { stats: null, reason: 'latent_codes is not a state_dict' };
  return latentStatsFromCodebook(ckpt.stateDict('latent_codes'), sizes);
}

/** latent-stats.json text of statistics (as `nphm train` writes it). */
export function latentStatsJson(stats: LatentStats, note: string): string {
  const part = (s: CodeStats) => ({ mean: Array.from(s.mean, (v) => Math.round(v * 1e6) / 1e6), std: Array.from(s.std, (v) => Math.round(v * 1e6) / 1e6) });
  return `${JSON.stringify({ note, scale: 0.85, geo: part(stats.geo), app: part(stats.app), exp: part(stats.exp) })}\n`;
}
