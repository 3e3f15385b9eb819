/**
 * Official MonoNPHM checkpoint (+ its config) → studio weights, in memory. The CLI's `nphm import`
 * wraps this with file I/O.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { monoNphmStateDictShapes } from './mononphm-shapes.ts';
import { checkFiniteStateDict } from './state-dict.ts';
import { readTorchCheckpoint } from './torch-checkpoint.ts';
import { writeStudioWeights, type StudioManifest } from './studio-format.ts';

export interface ConvertOptions {
  /** Name of the checkpoint file, recorded in the provenance. */
  source?: string;
  /** Recorded as `provenance.created` (ISO time); default now. */
  created?: string;
  converter?: string;
}

export function convertCheckpoint(
  checkpoint: Uint8Array,
  config: Record<string, unknown>,
  opts: ConvertOptions = {},
): { manifest: StudioManifest; json: string; bin: Uint8Array } {
  const ck = readTorchCheckpoint(checkpoint);
  const expected = monoNphmStateDictShapes(config);
  // Shapes are checked against the config before any storage is read.
  const id = ck.stateDict('id_decoder', { expected: expected.id, strict: true });
  const ex = ck.stateDict('ex_decoder', { expected: expected.ex, strict: true });
  checkFiniteStateDict(id, 'id_decoder');
  checkFiniteStateDict(ex, 'ex_decoder');
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
