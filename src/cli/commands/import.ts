import { existsSync, writeFileSync } from 'node:fs';
import { basename, extname, join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { Command } from '../command.ts';
import { flag, parseArgs, requiredFlag, UsageError } from '../args.ts';
import { convertCheckpoint } from '../../nphm/weights/convert-checkpoint.ts';
import { STUDIO_MANIFEST_FILE } from '../../nphm/weights/studio-format.ts';
import { writeStudioWeightsDir } from '../studio-weights.ts';
import { readLocalFile, readLocalText } from '../local-files.ts';
import { MAX_ASSET_BYTES } from '../../graph/asset-limits.ts';
import { jsonSyntaxMessage } from '../../graph/json-text.ts';
import { escapeControlChars, quoteForMessage } from '../../graph/safe-text.ts';

const usage = `usage:
  nphm import CHECKPOINT --config CONFIG --out DIR [--force]
      convert an official MonoNPHM checkpoint (checkpoint_epoch_*.tar, a torch.save zip) and its
      configs.yaml (or the same as .json) into the studio weight format: DIR/model.json + DIR/weights.bin.
      The checkpoint is read by a restricted unpickler: nothing in it is executed.
      --force   overwrite an existing DIR/model.json`;

/** configs.yaml or .json → a plain JSON object (YAML anchors/dates are not expected in these files). */
export function readConfigFile(path: string): Record<string, unknown> {
  const text = readLocalText(path, 'config');
  const ext = extname(path).toLowerCase();
  let v: unknown;
  const yaml = ext === '.yaml' || ext === '.yml';
  try {
    v = yaml ? parseYaml(text) : JSON.parse(text);
  } catch (e) {
    // Neither parser's message may quote the file: YAML's first line has no text of it, JSON's is rewritten.
    const why = yaml ? (e instanceof Error ? e.message.split('\n')[0]!.replace(/:\s*$/, '') : String(e)) : `not valid JSON: ${jsonSyntaxMessage(e, text)}`;
    throw new Error(`${escapeControlChars(path)}: ${escapeControlChars(why)}`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error(`${path}: the config is not a mapping`);
  // Keeps only JSON-representable values, as they will be stored in model.json.
  return JSON.parse(JSON.stringify(v)) as Record<string, unknown>;
}

export const command: Command = {
  name: 'import',
  summary: 'convert an official MonoNPHM checkpoint to the studio weight format',
  usage,
  async run(argv) {
    const args = parseArgs(argv, ['force']);
    const [checkpoint, ...extra] = args.positionals;
    if (!checkpoint || extra.length) throw new UsageError('give exactly one CHECKPOINT file');
    const configPath = requiredFlag(args, 'config');
    const out = resolve(requiredFlag(args, 'out'));
    if (!/\.(ya?ml|json)$/i.test(configPath)) throw new UsageError(`--config must be a .yaml, .yml or .json file, got '${configPath}'`);
    if (existsSync(join(out, STUDIO_MANIFEST_FILE)) && flag(args, 'force') !== 'true') {
      throw new Error(`${join(out, STUDIO_MANIFEST_FILE)} exists; pass --force to overwrite`);
    }
    const config = readConfigFile(configPath);
    const bytes = readLocalFile(checkpoint, 'checkpoint', MAX_ASSET_BYTES);
    let written;
    try {
      written = convertCheckpoint(bytes, config, { source: basename(checkpoint) });
    } catch (e) {
      throw new Error(`${checkpoint}: ${e instanceof Error ? e.message : String(e)}`);
    }
    writeStudioWeightsDir(out, written);
    // The training codes' statistics: tracking steps codes in units of their spread.
    const { readTorchCheckpoint } = await import('../../nphm/weights/torch-checkpoint.ts');
    const { latentStatsFromCheckpoint, latentStatsJson } = await import('../../nphm/weights/checkpoint-latents.ts');
    const { derivedSizes, validateConfig } = await import('../../nphm/config.ts');
    const latents = latentStatsFromCheckpoint(readTorchCheckpoint(bytes), derivedSizes(validateConfig(config)));
    if (latents.stats) writeFileSync(join(out, 'latent-stats.json'), latentStatsJson(latents.stats, `Per-element mean and std of the training codes of ${basename(checkpoint)} (latent_codes); sample z = mean + 0.85·std·ε (as NPHM).`));
    else console.warn(`no latent-stats.json: ${escapeControlChars(latents.reason)}; tracking needs code steps "raw" with this model`);
    const m = written.manifest;
    const count = (p: string) => m.tensors.filter((t) => t.name.startsWith(p)).reduce((a, t) => a + t.length, 0);
    const mp = (n: number) => `${(n / 1e6).toFixed(n < 1e6 ? 3 : 2)} M`;
    console.log(
      `${join(out, STUDIO_MANIFEST_FILE)} + ${m.weights.file}: ${m.tensors.length} tensors, id ${mp(count('id_decoder.'))} + ex ${mp(count('ex_decoder.'))} parameters, ` +
        `${(m.weights.byteLength / 1e6).toFixed(1)} MB (from ${basename(checkpoint)}, folder ${quoteForMessage(m.provenance.sourcePrefix ?? '')}, epoch ${m.provenance.epoch ?? '?'})`,
    );
    return 0;
  },
};
