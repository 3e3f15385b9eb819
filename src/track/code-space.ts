/**
 * The space the optimiser steps the latent codes in. With `raw` steps the variables are the codes
 * (the original). With `spread` steps the variables are u = (z − μ)/σ, per element, with the
 * model's latent statistics: Adam moves every element by about its learning rate per step, so a
 * rate in u is a fraction of the spread of the model's own training codes, whatever their scale
 * (the default model's local z_geo elements spread ≈ 0.005, its global ones ≈ 0.016).
 */
import type { LatentStats } from '../nphm/latent-stats.ts';
import type { CodeSteps } from './schedules.ts';

export interface CodeAxis {
  /** Per element: z = centre + scale · u. */
  centre: Float32Array;
  scale: Float32Array;
}

export interface CodeSpace {
  steps: CodeSteps;
  geo: CodeAxis;
  app: CodeAxis;
  exp: CodeAxis;
}

/** Spreads below this fraction of the code's median spread are raised to it (a dimension training never used). */
const MIN_RELATIVE_SPREAD = 0.05;

/**
 * Identity and appearance are centred on the mean of the training codes; expression on zero, the
 * neutral face (the default model pins it there), with the spread of its codes about zero.
 */
function axis(n: number, stats: LatentStats[keyof LatentStats] | undefined, spread: boolean, aboutZero: boolean): CodeAxis {
  if (!spread || !stats) return { centre: new Float32Array(n), scale: new Float32Array(n).fill(1) };
  const spreadOf = Float32Array.from(stats.std, (s, i) => (aboutZero ? Math.hypot(s, stats.mean[i]!) : s));
  const sorted = Float32Array.from(spreadOf).sort();
  const floor = MIN_RELATIVE_SPREAD * (sorted[sorted.length >> 1] ?? 0);
  if (!(floor > 0)) throw new Error('latent statistics: the code spreads are all zero');
  return { centre: aboutZero ? new Float32Array(n) : Float32Array.from(stats.mean), scale: Float32Array.from(spreadOf, (s) => Math.max(s, floor)) };
}

/**
 * The code space of a run. `spread` needs latent statistics: a model without them (an official
 * checkpoint without its training codes) is refused with the reason, so a schedule never runs in
 * units it was not written for.
 */
export function codeSpace(steps: CodeSteps, sizes: { zGeoDim: number; zAppDim: number; zExpDim: number }, stats?: LatentStats): CodeSpace {
  if (steps === 'spread' && !stats) {
    throw new Error('this schedule steps the codes in units of the model\'s code spread, but the model has no latent statistics (latent-stats.json; `nphm import` writes it from a checkpoint\'s training codes): choose code steps "raw"');
  }
  const spread = steps === 'spread';
  return { steps, geo: axis(sizes.zGeoDim, stats?.geo, spread, false), app: axis(sizes.zAppDim, stats?.app, spread, false), exp: axis(sizes.zExpDim, stats?.exp, spread, true) };
}

/** u of a code z. */
export function toSteps(a: CodeAxis, z: Float32Array): Float32Array {
  return Float32Array.from(z, (v, i) => (v - a.centre[i]!) / a.scale[i]!);
}

/** z of u. */
export function fromSteps(a: CodeAxis, u: Float32Array): Float32Array {
  return Float32Array.from(u, (v, i) => a.centre[i]! + a.scale[i]! * v);
}
