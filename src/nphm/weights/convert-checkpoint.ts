/**
 * Official MonoNPHM checkpoint (+ its config) → studio weights, in memory. The CLI's `nphm import`
 * wraps this with file I/O.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { monoNphmStateDictShapes } from './mononphm-shapes.ts';
import { checkStateDict, type StateDict } from './state-dict.ts';
import { readTorchCheckpoint } from './torch-checkpoint.ts';
import { writeStudioWeights, type StudioManifest } from './studio-format.ts';

export interface ConvertOptions {
  /** Name of the checkpoint file, recorded in the provenance. */
  source?: string;
  /** Recorded as `provenance.created` (ISO time); default now. */
  created?: string;
  converter?: string;
}

function checkFinite(sd: StateDict, where: string): void {
  for (const [key, t] of sd) {
    for (let i = 0; i < t.data.length; i++) {
      if (!Number.isFinite(t.data[i]!)) throw new Error(`${where}: '${key}' has a non-finite value (${t.data[i]}) at flat index ${i}`);
    }
  }
}

export function convertCheckpoint(
  checkpoint: Uint8Array,
  config: Record<string, unknown>,
  opts: ConvertOptions = {},
): { manifest: StudioManifest; json: string; bin: Uint8Array } {
  const ck = readTorchCheckpoint(checkpoint);
  const expected = monoNphmStateDictShapes(config);
  const id = ck.stateDict('id_decoder');
  const ex = ck.stateDict('ex_decoder');
  checkStateDict(id, expected.id, { where: 'id_decoder', strict: true });
  checkStateDict(ex, expected.ex, { where: 'ex_decoder', strict: true });
  checkFinite(id, 'id_decoder');
  checkFinite(ex, 'ex_decoder');
  const epoch = ck.entries.get('epoch');
  return writeStudioWeights({ id, ex }, config, {
    source: opts.source,
    sourceSha256: bytesToHex(sha256(checkpoint)),
    sourcePrefix: ck.prefix,
    epoch: epoch?.kind === 'value' && typeof epoch.value === 'number' ? epoch.value : undefined,
    converter: opts.converter ?? 'nphm import',
    created: opts.created ?? new Date().toISOString(),
  });
}
