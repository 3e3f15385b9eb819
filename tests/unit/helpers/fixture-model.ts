import { readFileSync } from 'node:fs';
import { readTorchCheckpoint } from '../../../src/nphm/weights/torch-checkpoint.ts';
import { validateConfig } from '../../../src/nphm/config.ts';
import { buildModel } from '../../../src/nphm/state-dict.ts';
import type { NphmModel } from '../../../src/nphm/model.ts';

export const FIXTURES = new URL('../../../../shared/fixtures/', import.meta.url);

export function readFixtureJson<T = unknown>(path: string): T {
  return JSON.parse(readFileSync(new URL(path, FIXTURES), 'utf8')) as T;
}

/** The original code's small MonoNPHM (`mononphm-small-a`) as a studio model. */
export function loadFixtureModel(): NphmModel {
  const ckpt = readTorchCheckpoint(new Uint8Array(readFileSync(new URL('mononphm-small-a/checkpoint.tar', FIXTURES))));
  const cfg = validateConfig(readFixtureJson('mononphm-small-a/config.json'));
  return buildModel(cfg, { idDecoder: ckpt.stateDict('id_decoder'), exDecoder: ckpt.stateDict('ex_decoder') }, readFixtureJson<number[][]>('anchors_65.json'));
}
