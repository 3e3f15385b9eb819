/**
 * Trainable MonoNPHM networks: one tf.Variable per original state-dict key, in the original units
 * (no β-scaling) so that AdamW sees the same parameters PyTorch trains. Linear weights are kept
 * transposed, [in, out], because the forward multiplies x·W; `toStateDicts` transposes back, so a
 * trained model is saved as a real MonoNPHM state dict (readable by `buildModel` and `nphm import`
 * consumers) and `fromStateDicts` resumes from one.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { NphmConfig } from '../nphm/config.ts';
import { expectedShapes, randomStateDicts, type DecoderStateDicts } from '../nphm/state-dict.ts';
import type { StateDict } from '../nphm/weights/state-dict.ts';

export type Group = 'id' | 'ex';

export interface TrainableNets {
  config: NphmConfig;
  /** `id:<key>` / `ex:<key>` → variable ([in, out] for `.weight`, [out] for `.bias`). */
  vars: Map<string, tf.Variable>;
}

export const varName = (g: Group, key: string) => `${g}:${key}`;

function transposeOut(data: Float32Array, out: number, inn: number): Float32Array {
  const r = new Float32Array(data.length);
  for (let o = 0; o < out; o++) for (let i = 0; i < inn; i++) r[i * out + o] = data[o * inn + i]!;
  return r;
}

/** Variables from state dicts (every key the forward pass needs; shapes checked). */
export function fromStateDicts(cfg: NphmConfig, sds: DecoderStateDicts): TrainableNets {
  const exp = expectedShapes(cfg);
  const vars = new Map<string, tf.Variable>();
  const add = (g: Group, m: Map<string, number[]>, sd: StateDict) => {
    for (const [key, shape] of m) {
      const t = sd.get(key);
      const where = g === 'id' ? 'id_decoder' : 'ex_decoder';
      if (!t) throw new Error(`${where}: missing key '${key}'`);
      if (t.shape.join(',') !== shape.join(',')) throw new Error(`${where}: '${key}' has shape [${t.shape}], expected [${shape}]`);
      const value = shape.length === 2 ? tf.tensor2d(transposeOut(t.data, shape[0]!, shape[1]!), [shape[1]!, shape[0]!]) : tf.tensor1d(t.data.slice());
      vars.set(varName(g, key), tf.variable(value, true));
      value.dispose();
    }
  };
  add('id', exp.idDecoder, sds.idDecoder);
  add('ex', exp.exDecoder, sds.exDecoder);
  return { config: cfg, vars };
}

/**
 * PyTorch default Linear initialisation (uniform ±1/√fan_in), deterministic for `seed`. With
 * `deformationAtIdentity` the deformation MLP's output layer starts at zero, so every code starts
 * with the identity deformation (a default-initialised output layer starts at ≈ 0.1 units, and a
 * short training run never removes that offset from the neutral face).
 */
export function initNets(cfg: NphmConfig, seed: number, opts: { deformationAtIdentity?: boolean } = {}): TrainableNets {
  const sds = randomStateDicts(cfg, seed);
  if (opts.deformationAtIdentity) {
    for (const part of ['weight', 'bias']) sds.exDecoder.get(`defDeepSDF.lin${cfg.decoder.ex.nlayers}.${part}`)!.data.fill(0);
  }
  return fromStateDicts(cfg, sds);
}

/** The current values as original state dicts ([out, in] weights). */
export async function toStateDicts(nets: TrainableNets): Promise<DecoderStateDicts> {
  const id: StateDict = new Map();
  const ex: StateDict = new Map();
  for (const [name, v] of nets.vars) {
    const [g, key] = [name.slice(0, 2) as Group, name.slice(3)];
    const data = (await v.data()) as Float32Array;
    const entry = v.rank === 2
      ? { shape: [v.shape[1]!, v.shape[0]!], data: transposeOut(data, v.shape[0]!, v.shape[1]!) }
      : { shape: [v.shape[0]!], data: Float32Array.from(data) };
    (g === 'id' ? id : ex).set(key, entry);
  }
  return { idDecoder: id, exDecoder: ex };
}

export function netVar(nets: TrainableNets, g: Group, key: string): tf.Variable {
  const v = nets.vars.get(varName(g, key));
  if (!v) throw new Error(`trainable nets: no variable for ${g === 'id' ? 'id_decoder' : 'ex_decoder'}.${key}`);
  return v;
}

export function countParams(nets: TrainableNets): number {
  let n = 0;
  for (const v of nets.vars.values()) n += v.size;
  return n;
}

export function disposeNets(nets: TrainableNets): void {
  for (const v of nets.vars.values()) v.dispose();
  nets.vars.clear();
}
