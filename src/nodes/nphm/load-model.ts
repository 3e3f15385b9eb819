/**
 * Loads a head model through the engine's asset reader, in the worker and in Node alike: the
 * studio's weight format (model.json + weights.bin) or an official PyTorch checkpoint with its
 * configs.yaml / JSON (read by the restricted unpickler: nothing in the file is executed).
 */
import { parse as parseYaml } from 'yaml';
import type { AssetReader } from '../../graph/runtime-types.ts';
import { validateConfig } from '../../nphm/config.ts';
import { MEAN_ANCHORS_65 } from '../../nphm/mean-anchors.ts';
import { buildModel, expectedShapes } from '../../nphm/state-dict.ts';
import { readStudioWeights, validateManifest } from '../../nphm/weights/studio-format.ts';
import { readTorchCheckpoint } from '../../nphm/weights/torch-checkpoint.ts';
import { latentStatsFromCheckpoint } from '../../nphm/weights/checkpoint-latents.ts';
import { codeDims, parseLatentStats } from '../../nphm/latent-stats.ts';
import type { ModelValue } from './values.ts';
import { parseJsonText } from '../../graph/json-text.ts';
import { escapeControlChars, quoteForMessage } from '../../graph/safe-text.ts';

/** `dir/file` for a URI `dir/model.json` (plain string joining keeps URIs portable). */
export function siblingUri(uri: string, file: string): string {
  const slash = uri.lastIndexOf('/');
  return slash < 0 ? file : `${uri.slice(0, slash + 1)}${file}`;
}

const parseJson = (text: string, uri: string): unknown => parseJsonText(text, quoteForMessage(uri));

export function parseConfigText(text: string, uri: string): unknown {
  if (/\.ya?ml$/i.test(uri)) {
    try {
      return parseYaml(text, { maxAliasCount: 0 });
    } catch (e) {
      // The YAML parser's message quotes the text: only its first line (line and column) is kept.
      throw new Error(`${quoteForMessage(uri)} is not valid YAML: ${escapeControlChars((e instanceof Error ? e.message : String(e)).split('\n')[0]!.replace(/:\s*$/, ''))}`);
    }
  }
  return parseJson(text, uri);
}

export async function loadStudioModel(assets: AssetReader, uri: string, statsUri?: string): Promise<ModelValue> {
  const manifest = validateManifest(parseJson(await assets.readText(uri), uri));
  // The manifest says how large the binary is: nothing larger is read.
  const bin = await assets.read(siblingUri(uri, manifest.weights.file), { maxBytes: manifest.weights.byteLength });
  const w = readStudioWeights(manifest, bin);
  const config = validateConfig(w.config);
  const model = buildModel(config, { idDecoder: w.id, exDecoder: w.ex }, MEAN_ANCHORS_65);
  const value: ModelValue = { model, name: manifest.provenance.source ?? uri, dispose: () => model.dispose() };
  const statsPath = statsUri || siblingUri(uri, 'latent-stats.json');
  try {
    const text = await assets.readText(statsPath);
    value.stats = parseLatentStats(parseJson(text, statsPath), codeDims(model.sizes), statsPath);
  } catch (e) {
    // Statistics are optional next to a model; an explicitly named file must load.
    if (statsUri) {
      model.dispose();
      throw e;
    }
  }
  return value;
}

export async function loadCheckpointModel(assets: AssetReader, uri: string, configUri: string): Promise<ModelValue> {
  if (!configUri) throw new Error('an official checkpoint needs its configs.yaml (or JSON): set the config param');
  const config = validateConfig(parseConfigText(await assets.readText(configUri), configUri));
  const ckpt = readTorchCheckpoint(await assets.read(uri));
  // The config's shapes are checked before any storage of the checkpoint is read.
  const exp = expectedShapes(config);
  const sds = { idDecoder: ckpt.stateDict('id_decoder', { expected: exp.idDecoder }), exDecoder: ckpt.stateDict('ex_decoder', { expected: exp.exDecoder }) };
  const model = buildModel(config, sds, MEAN_ANCHORS_65);
  const value: ModelValue = { model, name: uri, dispose: () => model.dispose() };
  try {
    const latents = latentStatsFromCheckpoint(ckpt, model.sizes);
    if (latents.stats) value.stats = latents.stats;
  } catch (e) {
    model.dispose();
    throw e;
  }
  return value;
}
