/** Shared loading of the `mononphm-small-a` fixture (original PyTorch outputs) for the nphm tests. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { readTorchCheckpoint } from '../../src/nphm/weights/torch-checkpoint.ts';
import { validateConfig, type NphmConfig } from '../../src/nphm/config.ts';
import { buildModel, type DecoderStateDicts } from '../../src/nphm/state-dict.ts';
import type { NphmModel } from '../../src/nphm/model.ts';
import type { NphmCodes } from '../../src/nphm/conditioning.ts';

export const FIXTURE_DIR = fileURLToPath(new URL('../../../shared/fixtures/mononphm-small-a/', import.meta.url));
export const ANCHORS_FILE = fileURLToPath(new URL('../../../shared/fixtures/anchors_65.json', import.meta.url));
export const LANDMARK_PAIRS_FILE = fileURLToPath(new URL('../../../shared/fixtures/landmark_pairs.json', import.meta.url));

const json = (path: string) => JSON.parse(readFileSync(path, 'utf8'));

export interface Fixture {
  config: NphmConfig;
  stateDicts: DecoderStateDicts;
  meanAnchors: number[][];
  inputs: { z_geo: number[][]; z_app: number[][]; z_exp: number[][]; points: number[][] };
  expected: Record<string, unknown> & {
    anchors_canonical: number[][];
    c_id: number[];
    offsets: number[][];
    hyper: number[][];
    queries_can: number[][];
    sdf: number[];
    rgb: number[][];
    gradient: number[][];
    edge_anchor: number[][];
    edge_type: number[][];
    edge_weight: number[][];
    edge_sdf: number[][];
    edge_rgb: number[][][];
    jac_at_canonical_anchors: number[][][];
    posed_anchors: number[][];
    broyden_residual_norm: number[];
    broyden_valid: boolean[];
  };
}

let cached: Fixture | undefined;

export function loadFixture(): Fixture {
  if (cached) return cached;
  const buf = readFileSync(FIXTURE_DIR + 'checkpoint.tar');
  const ck = readTorchCheckpoint(new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength));
  cached = {
    config: validateConfig(json(FIXTURE_DIR + 'config.json')),
    stateDicts: { idDecoder: ck.stateDict('id_decoder'), exDecoder: ck.stateDict('ex_decoder') },
    meanAnchors: json(ANCHORS_FILE),
    inputs: json(FIXTURE_DIR + 'inputs.json'),
    expected: json(FIXTURE_DIR + 'expected.json'),
  };
  return cached;
}

export function fixtureModel(): NphmModel {
  const f = loadFixture();
  return buildModel(f.config, f.stateDicts, f.meanAnchors);
}

export function fixtureCodes(): NphmCodes {
  const f = loadFixture();
  return { zGeo: tf.tensor2d(f.inputs.z_geo), zApp: tf.tensor2d(f.inputs.z_app), zExp: tf.tensor2d(f.inputs.z_exp) };
}

export function flat(v: unknown): number[] {
  return (Array.isArray(v) ? (v as unknown[]).flat(4) : [v]) as number[];
}

/** max |a − b| over all entries (shapes must agree in size). */
export function maxAbs(a: ArrayLike<number>, b: unknown): number {
  const e = flat(b);
  if (a.length !== e.length) throw new Error(`size mismatch: ${a.length} vs ${e.length}`);
  let m = 0;
  for (let i = 0; i < e.length; i++) m = Math.max(m, Math.abs(a[i]! - e[i]!));
  return m;
}

/** Entries violating |a − b| ≤ abs + rel·|b| (element-wise), as a count. */
export function violations(a: ArrayLike<number>, b: unknown, abs: number, rel = 0): number {
  const e = flat(b);
  let bad = 0;
  for (let i = 0; i < e.length; i++) if (!(Math.abs(a[i]! - e[i]!) <= abs + rel * Math.abs(e[i]!))) bad++;
  return bad;
}

/** Rows of 3 violating the gradient tolerance: |g − e| ≤ 1e-3 abs or ≤ 1e-3 · |e| (per row norm). */
export function gradientViolations(a: ArrayLike<number>, rows: number[][], tol = 1e-3): number {
  let bad = 0;
  rows.forEach((r, i) => {
    const d = Math.hypot(a[3 * i]! - r[0]!, a[3 * i + 1]! - r[1]!, a[3 * i + 2]! - r[2]!);
    if (!(d <= tol || d <= tol * Math.hypot(r[0]!, r[1]!, r[2]!))) bad++;
  });
  return bad;
}
