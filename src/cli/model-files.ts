/**
 * Loading a MonoNPHM model and codes files from the command line (`--model DIR` or
 * `--checkpoint FILE --config FILE`, `--anchors FILE`), shared by `nphm eval` and `nphm mesh`.
 */
import { existsSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { flag, UsageError, type ParsedArgs } from './args.ts';
import { validateConfig, type NphmConfig } from '../nphm/config.ts';
import { codeDims, parseLatentStats, type CodeSizes, type LatentStats } from '../nphm/latent-stats.ts';
import { MEAN_ANCHORS_65 } from '../nphm/mean-anchors.ts';
import { expectedShapes, type DecoderStateDicts, type MeanAnchors } from '../nphm/state-dict.ts';
import { readTorchCheckpoint } from '../nphm/weights/torch-checkpoint.ts';
import { readStudioWeightsDir } from './studio-weights.ts';
import { readLocalFile, readLocalText } from './local-files.ts';
import { MAX_ASSET_BYTES } from '../graph/asset-limits.ts';
import { readConfigFile } from './commands/import.ts';
import { parseJsonText } from '../graph/json-text.ts';
import { validateTrainConfig, type TrainConfig } from '../train/config.ts';
import { escapeControlChars } from '../graph/safe-text.ts';

export type Json = Record<string, unknown>;

export function readJsonFile(path: string, what: string): unknown {
  return parseJsonText(readLocalText(path, what), `${what} ${escapeControlChars(path)}`);
}

/** A file's training config (`train-config.json`, `--config`), validated; errors name the file. */
export function readTrainConfigFile(path: string): TrainConfig {
  const raw = readJsonFile(path, 'training config');
  try {
    return validateTrainConfig(raw);
  } catch (e) {
    throw new Error(`${path}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** A [dim] or [1, dim] numeric array as Float32Array; zeros when absent and `optional`. */
export function codeFromJson(obj: Json, key: string, dim: number, file: string, optional = false): Float32Array {
  const v = obj[key];
  if (optional && (v === undefined || v === null)) return new Float32Array(dim);
  const flat = Array.isArray(v) && v.length === 1 && Array.isArray(v[0]) ? (v[0] as unknown[]) : v;
  if (!Array.isArray(flat) || flat.length !== dim || !flat.every((x) => typeof x === 'number' && Number.isFinite(x))) {
    throw new Error(`${file}: '${key}' must be ${dim} finite numbers as [${dim}] or [1, ${dim}], got ${Array.isArray(flat) ? `${flat.length} entries` : typeof v}`);
  }
  return Float32Array.from(flat as number[]);
}

/** A model folder's latent-stats.json, checked against the model's code sizes; null when the folder has none. */
export function readModelStats(modelDir: string, sizes: CodeSizes): LatentStats | null {
  const path = join(modelDir, 'latent-stats.json');
  if (!existsSync(path)) return null;
  return parseLatentStats(readJsonFile(path, 'latent statistics'), codeDims(sizes), path);
}

export interface CliModelSource {
  config: NphmConfig;
  stateDicts: DecoderStateDicts;
  meanAnchors: MeanAnchors;
  /** Provenance of the weights (recorded in outputs). */
  info: Json;
}

/** Reads the weights named by --model or --checkpoint/--config, and the mean anchors. */
export function readCliModel(args: ParsedArgs): CliModelSource {
  const modelDir = flag(args, 'model');
  const checkpoint = flag(args, 'checkpoint');
  if ((modelDir === undefined) === (checkpoint === undefined)) throw new UsageError('give exactly one of --model DIR or --checkpoint FILE');
  const configPath = flag(args, 'config');
  if (checkpoint !== undefined && configPath === undefined) throw new UsageError('--checkpoint needs --config FILE');
  let config: NphmConfig;
  const validConfig = (raw: unknown, from: string) => {
    try {
      return validateConfig(raw);
    } catch (e) {
      throw new Error(`${from}: ${e instanceof Error ? e.message : String(e)}`);
    }
  };
  let stateDicts: DecoderStateDicts;
  let info: Json;
  if (modelDir !== undefined) {
    const w = readStudioWeightsDir(modelDir);
    config = validConfig(configPath !== undefined ? readConfigFile(configPath) : w.config, configPath ?? modelDir);
    stateDicts = { idDecoder: w.id, exDecoder: w.ex };
    info = { format: 'studio', dir: basename(resolve(modelDir)), weightsSha256: w.manifest.weights.sha256, source: w.manifest.provenance.source ?? null };
  } else {
    // The config first: its shapes bound what the checkpoint may make us read.
    config = validConfig(readConfigFile(configPath!), configPath!);
    const bytes = readLocalFile(checkpoint!, 'checkpoint', MAX_ASSET_BYTES);
    try {
      const ck = readTorchCheckpoint(bytes);
      const exp = expectedShapes(config);
      stateDicts = { idDecoder: ck.stateDict('id_decoder', { expected: exp.idDecoder }), exDecoder: ck.stateDict('ex_decoder', { expected: exp.exDecoder }) };
    } catch (e) {
      throw new Error(`${checkpoint}: ${e instanceof Error ? e.message : String(e)}`);
    }
    info = { format: 'torch-checkpoint', file: basename(checkpoint!), sha256: bytesToHex(sha256(bytes)) };
  }
  const anchorsPath = flag(args, 'anchors');
  const meanAnchors = anchorsPath !== undefined ? (readJsonFile(anchorsPath, 'anchors') as number[][]) : MEAN_ANCHORS_65;
  if (anchorsPath === undefined && config.decoder.id.nloc !== MEAN_ANCHORS_65.length) {
    throw new UsageError(`the config has nloc = ${config.decoder.id.nloc}; the built-in mean anchors are for 65: pass --anchors FILE`);
  }
  return { config, stateDicts, meanAnchors, info };
}
