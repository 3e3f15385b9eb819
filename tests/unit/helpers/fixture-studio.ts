import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { convertCheckpoint } from '../../../src/nphm/weights/convert-checkpoint.ts';
import { writeStudioWeightsDir } from '../../../src/cli/studio-weights.ts';
import { FIXTURES, readFixtureJson } from './fixture-model.ts';

/** The fixture checkpoint converted to the studio format in a temporary folder; returns the folder. */
export function fixtureStudioDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'nphm-fixture-model-'));
  const ckpt = new Uint8Array(readFileSync(new URL('mononphm-small-a/checkpoint.tar', FIXTURES)));
  writeStudioWeightsDir(dir, convertCheckpoint(ckpt, readFixtureJson('mononphm-small-a/config.json'), { source: 'mononphm-small-a', created: '2026-01-01T00:00:00Z' }));
  return dir;
}
