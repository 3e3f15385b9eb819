/**
 * Training configuration: the model config (original configs.yaml keys), the data set, the batch,
 * the loss weights (reference §7 names) and the optimiser. JSON on disk; `validateTrainConfig`
 * names the offending key.
 */
import { validateConfig, type NphmConfig } from '../nphm/config.ts';
import type { DataConfig } from './dataset.ts';

export interface LossWeights {
  surf_sdf: number;
  normals: number;
  eikonal: number;
  space_sdf: number;
  anchors: number;
  color: number;
  corresp: number;
  hyper: number;
  reg_shape: number;
  reg_expr: number;
  reg_app: number;
  symm_geo: number;
  symm_app: number;
  loss_reg_zero: number;
  neutral_zero: number;
}

export interface BatchConfig {
  /** Scans per step. */
  scans: number;
  face: number;
  nonFace: number;
  near: number;
  space: number;
  corresp: number;
}

export interface OptimConfig {
  lrNet: number;
  weightDecay: number;
  lrId: number;
  lrExp: number;
  /** Steps at which every lr is halved (the original halves at epochs 350, 700, 1050, 1300 + k·250). */
  decaySteps: number[];
  /** Step after which λ_corresp is ×0.25 (the original: epoch 750). */
  correspDecayStep: number;
  maxNorm: number;
  /**
   * Keep z_exp of neutral scans at exactly 0 (they never move), so z_exp = 0 *is* the neutral
   * expression and, with loss_reg_zero, the deformation at z_exp = 0 is the identity. Without it the
   * neutral codes drift and the canonical space need not be the neutral face: posed anchors at
   * z_exp = 0 then miss the face, and tracking's landmark loss pulls the pose the wrong way.
   */
  pinNeutralExpression: boolean;
  /** Start the deformation MLP's output layer at zero (identity deformation for every code). */
  initDeformationAtIdentity: boolean;
}

export interface TrainConfig {
  seed: number;
  steps: number;
  logEvery: number;
  checkpointEvery: number;
  model: NphmConfig;
  data: DataConfig;
  batch: BatchConfig;
  lambda: LossWeights;
  optim: OptimConfig;
  notes?: string[];
}

/** λ as in MonoNPHM's mononphm.yaml (reference §7). */
export const ORIGINAL_LAMBDA: LossWeights = {
  surf_sdf: 1, normals: 0.3, eikonal: 0.15, space_sdf: 0.01, anchors: 7.5, color: 1, corresp: 1000, hyper: 0.05,
  reg_shape: 0.01, reg_expr: 0.05, reg_app: 0.005, symm_geo: 0.01, symm_app: 1e-4, loss_reg_zero: 0.0025, neutral_zero: 0.001,
};

function fail(key: string, msg: string): never {
  throw new Error(`train config: '${key}' ${msg}`);
}

function section(o: Record<string, unknown>, key: string): Record<string, unknown> {
  const v = o[key];
  if (v === null || typeof v !== 'object' || Array.isArray(v)) fail(key, 'must be an object');
  return v as Record<string, unknown>;
}

function numberAt(o: Record<string, unknown>, key: string, path: string, opts: { int?: boolean; min?: number } = {}): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isFinite(v)) fail(`${path}.${key}`.replace(/^\./, ''), `must be a number, got ${JSON.stringify(v)}`);
  if (opts.int && !Number.isInteger(v)) fail(`${path}.${key}`.replace(/^\./, ''), `must be an integer, got ${v}`);
  if (opts.min !== undefined && v < opts.min) fail(`${path}.${key}`.replace(/^\./, ''), `must be ≥ ${opts.min}, got ${v}`);
  return v;
}

function booleanAt(o: Record<string, unknown>, key: string, path: string, fallback: boolean): boolean {
  const v = o[key];
  if (v === undefined) return fallback;
  if (typeof v !== 'boolean') fail(`${path}.${key}`, `must be true or false, got ${JSON.stringify(v)}`);
  return v;
}

export function validateTrainConfig(raw: unknown): TrainConfig {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) fail('(root)', 'must be an object');
  const r = raw as Record<string, unknown>;
  const model = validateConfig(section(r, 'model'));
  const d = section(r, 'data');
  const pool = section(d, 'pool');
  const b = section(r, 'batch');
  const l = section(r, 'lambda');
  const o = section(r, 'optim');
  const lambda = {} as LossWeights;
  for (const k of Object.keys(ORIGINAL_LAMBDA) as (keyof LossWeights)[]) lambda[k] = numberAt(l, k, 'lambda', { min: 0 });
  const decay = o.decaySteps;
  if (!Array.isArray(decay) || decay.some((s) => typeof s !== 'number' || !Number.isInteger(s) || s < 0)) fail('optim.decaySteps', 'must be an array of step numbers');
  return {
    seed: numberAt(r, 'seed', '', { int: true, min: 0 }),
    steps: numberAt(r, 'steps', '', { int: true, min: 1 }),
    logEvery: numberAt(r, 'logEvery', '', { int: true, min: 1 }),
    checkpointEvery: numberAt(r, 'checkpointEvery', '', { int: true, min: 1 }),
    model,
    data: {
      identities: numberAt(d, 'identities', 'data', { int: true, min: 1 }),
      expressionsPerIdentity: numberAt(d, 'expressionsPerIdentity', 'data', { int: true, min: 1 }),
      identitySpread: numberAt(d, 'identitySpread', 'data', { min: 0 }),
      expressionProb: numberAt(d, 'expressionProb', 'data', { min: 0 }),
      pool: {
        face: numberAt(pool, 'face', 'data.pool', { int: true, min: 1 }),
        nonFace: numberAt(pool, 'nonFace', 'data.pool', { int: true, min: 1 }),
        offSurface: numberAt(pool, 'offSurface', 'data.pool', { int: true, min: 2 }),
        space: numberAt(pool, 'space', 'data.pool', { int: true, min: 1 }),
        correspondences: numberAt(pool, 'correspondences', 'data.pool', { int: true, min: 1 }),
      },
    },
    batch: {
      scans: numberAt(b, 'scans', 'batch', { int: true, min: 1 }),
      face: numberAt(b, 'face', 'batch', { int: true, min: 1 }),
      nonFace: numberAt(b, 'nonFace', 'batch', { int: true, min: 0 }),
      near: numberAt(b, 'near', 'batch', { int: true, min: 0 }),
      space: numberAt(b, 'space', 'batch', { int: true, min: 0 }),
      corresp: numberAt(b, 'corresp', 'batch', { int: true, min: 0 }),
    },
    lambda,
    optim: {
      lrNet: numberAt(o, 'lrNet', 'optim', { min: 0 }),
      weightDecay: numberAt(o, 'weightDecay', 'optim', { min: 0 }),
      lrId: numberAt(o, 'lrId', 'optim', { min: 0 }),
      lrExp: numberAt(o, 'lrExp', 'optim', { min: 0 }),
      decaySteps: decay as number[],
      correspDecayStep: numberAt(o, 'correspDecayStep', 'optim', { int: true, min: 0 }),
      maxNorm: numberAt(o, 'maxNorm', 'optim', { min: 0 }),
      pinNeutralExpression: booleanAt(o, 'pinNeutralExpression', 'optim', false),
      initDeformationAtIdentity: booleanAt(o, 'initDeformationAtIdentity', 'optim', false),
    },
    ...(Array.isArray(r.notes) ? { notes: r.notes.map(String) } : {}),
  };
}

/** lr multiplier at `step` (×0.5 per passed decay step). */
export function lrFactor(cfg: TrainConfig, step: number): number {
  return Math.pow(0.5, cfg.optim.decaySteps.filter((s) => step >= s).length);
}
