/**
 * Latent statistics: from a checkpoint's code book (per-element mean and spread of the training
 * codes, which tracking steps codes in units of), and the latent-stats.json reader.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { latentStatsFromCheckpoint, latentStatsFromCodebook, latentStatsJson } from '../../src/nphm/weights/checkpoint-latents.ts';
import { parseLatentStats } from '../../src/nphm/latent-stats.ts';
import { readTorchCheckpoint } from '../../src/nphm/weights/torch-checkpoint.ts';
import { FIXTURES } from './helpers/fixture-model.ts';

const sizes = { zGeoDim: 3, zAppDim: 2, zExpDim: 2 };
const book = (geo: number[][], app: number[][], exp: number[][]) =>
  new Map([
    ['codebook.geo.weight', { shape: [geo.length, 3], data: Float32Array.from(geo.flat()) }],
    ['codebook.app.weight', { shape: [app.length, 2], data: Float32Array.from(app.flat()) }],
    ['codebook.exp.weight', { shape: [exp.length, 2], data: Float32Array.from(exp.flat()) }],
  ]);

describe('latent statistics of a code book', () => {
  it('are the per-element mean and (population) standard deviation of the rows', () => {
    const r = latentStatsFromCodebook(book([[1, 0, -2], [3, 0, 2]], [[0, 1], [0, 3], [0, 5]], [[1, 1], [-1, -1]]), sizes);
    expect(r.stats).not.toBeNull();
    const s = r.stats!;
    expect(Array.from(s.geo.mean)).toEqual([2, 0, 0]);
    expect(Array.from(s.geo.std)).toEqual([1, 0, 2]);
    expect(Array.from(s.app.mean)).toEqual([0, 3]);
    expect(s.app.std[1]).toBeCloseTo(Math.sqrt(8 / 3), 6);
    expect(Array.from(s.exp.std)).toEqual([1, 1]);
    // Round trip through the file format the models ship.
    const back = parseLatentStats(JSON.parse(latentStatsJson(s, 'test')), { geo: 3, app: 2, exp: 2 }, 'test');
    expect(Array.from(back.geo.std)).toEqual([1, 0, 2]);
  });

  it('name what is missing or of the wrong size', () => {
    const r = latentStatsFromCodebook(new Map([['codebook.geo.weight', { shape: [2, 4], data: new Float32Array(8) }]]), sizes);
    expect(r.stats).toBeNull();
    expect((r as { reason: string }).reason).toBe("latent_codes: 'codebook.geo.weight' has shape [2, 4], the model's geo code has 3 values; no 'app.weight' embedding; no 'exp.weight' embedding");
  });

  it('the fixture checkpoint (a plain embedding, no code book) gives none, with the reason', () => {
    const ckpt = readTorchCheckpoint(new Uint8Array(readFileSync(new URL('mononphm-small-a/checkpoint.tar', FIXTURES))));
    const r = latentStatsFromCheckpoint(ckpt, { zGeoDim: 544, zAppDim: 544, zExpDim: 16 });
    expect(r.stats).toBeNull();
    expect((r as { reason: string }).reason).toMatch(/no 'geo\.weight' embedding/);
  });

  it('latent-stats.json: prototype names and negative spreads are refused', () => {
    const ok = { geo: { mean: [0], std: [1] }, app: { mean: [0], std: [1] }, exp: { mean: [0], std: [1] } };
    const dims = { geo: 1, app: 1, exp: 1 };
    expect(() => parseLatentStats({ ...ok, geo: undefined, ['constructor']: ok.geo }, dims, 'f.json')).toThrow(/f\.json: geo\.mean must be a list/);
    expect(() => parseLatentStats({ ...ok, exp: { mean: [0], std: [-1] } }, dims, 'f.json')).toThrow(/exp\.std has a negative entry/);
    expect(() => parseLatentStats({ ...ok, app: { mean: [0, 1], std: [1, 1] } }, dims, 'f.json')).toThrow(/app statistics have 2\/2 values, the model's app code has 1/);
  });
});
