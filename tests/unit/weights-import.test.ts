import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { stringify } from 'yaml';
import { main } from '../../src/cli/main.ts';
import { readConfigFile } from '../../src/cli/commands/import.ts';
import { readStudioWeightsDir } from '../../src/cli/studio-weights.ts';
import { convertCheckpoint } from '../../src/nphm/weights/convert-checkpoint.ts';
import { monoNphmStateDictShapes } from '../../src/nphm/weights/mononphm-shapes.ts';
import { checkStateDict, getTensor } from '../../src/nphm/weights/state-dict.ts';
import { readTorchCheckpoint } from '../../src/nphm/weights/torch-checkpoint.ts';

const FIXTURE = new URL('../../../shared/fixtures/mononphm-small-a/', import.meta.url);
const fixturePath = (f: string) => new URL(f, FIXTURE).pathname;
const ckptBytes = new Uint8Array(readFileSync(fixturePath('checkpoint.tar')));
const config = JSON.parse(readFileSync(fixturePath('config.json'), 'utf8')) as { decoder: { id: Record<string, unknown>; ex: Record<string, unknown> } };
const readme = readFileSync(fixturePath('README.md'), 'utf8');
const tmp = mkdtempSync(join(tmpdir(), 'nphm-import-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

function readmeListing(name: string): string[] {
  const start = readme.indexOf(`### ${name} state_dict (full, in file order)`);
  const from = readme.indexOf('```', start) + 3;
  return readme
    .slice(from, readme.indexOf('```', from))
    .trim()
    .split('\n')
    .map((l) => {
      const [key, ...rest] = l.trim().split(' ');
      return `${key} ${rest.slice(0, -1).join(' ')}`;
    });
}

describe('MonoNPHM shapes from the config', () => {
  it('match the fixture README listing, keys in file order', () => {
    const e = monoNphmStateDictShapes(config);
    const fmt = (m: Map<string, number[]>) => [...m].map(([k, s]) => `${k} [${s.join(', ')}]`);
    expect(fmt(e.id)).toEqual(readmeListing('id_decoder'));
    expect(fmt(e.ex)).toEqual(readmeListing('ex_decoder'));
  });

  it('give the paper parameter counts of reference §1.8 (id 10 284 627, ex 937 557)', () => {
    const paper = clone(config);
    Object.assign(paper.decoder.id, { lat_dim_glob: 64, lat_dim_loc_geo: 32, lat_dim_loc_app: 32, gnn: { hidden_dim_geo: 200, hidden_dim_app: 200, nlayers_geo: 4, nlayers_app: 4 } });
    delete paper.decoder.id.pos_mlp_dim; // get_id_model's hard-coded 64
    Object.assign(paper.decoder.ex, { lat_dim_ex: 100, lat_dim_id: 16, hidden_dim: 400 });
    const e = monoNphmStateDictShapes(paper);
    const count = (m: Map<string, number[]>) => [...m.values()].reduce((a, s) => a + s.reduce((x, y) => x * y, 1), 0);
    expect(count(e.id)).toBe(36 * 141_201 + 36 * 143_803 + 3_488 + 20_995);
    expect(count(e.ex)).toBe(37_952 + 899_605);
    expect(e.ex.get('defDeepSDF.lin3.weight')).toEqual([400, 519]);
    expect(e.ex.get('compressor.0.weight')).toEqual([16, 2371]);
    expect(e.id.get('aggr_app.layers.0.layers.0.weight')).toEqual([200, 112]);
  });

  it('read from a configs.yaml laid out like the original training template (comments, extra sections)', () => {
    const dir = mkdtempSync(join(tmp, 'yaml-'));
    const path = join(dir, 'configs.yaml');
    writeFileSync(
      path,
      [
        'decoder:',
        '  decoder_nloc: 65 # anchors',
        '  ex:',
        '    hidden_dim: 400 # width',
        '    lat_dim_ex: 100',
        '    lat_dim_id: 16',
        '    mode: compress',
        '    nhyper: 2',
        '    nlayers: 6',
        '  id:',
        '    gnn: {hidden_dim_app: 200, hidden_dim_geo: 200, nfreq_bands_app: 0, nfreq_bands_geo: 0, nlayers_app: 4, nlayers_geo: 4}',
        '    head: {hidden_dim_app: 128, nlayers_geo: 2}',
        '    lat_dim_glob: 64',
        '    lat_dim_loc_app: 32',
        '    lat_dim_loc_geo: 32',
        '    nloc: 65',
        '    nneigh: 12',
        '    nsymm_pairs: 30',
        '    blend_std: 3.75',
        'training:',
        '  lambdas: {anchors: 7.5, reg_app_var: 0.0000003}',
        '  lr: 0.0005',
        '',
      ].join('\n'),
    );
    const cfg = readConfigFile(path);
    expect((cfg.training as { lambdas: { reg_app_var: number } }).lambdas.reg_app_var).toBe(3e-7);
    const e = monoNphmStateDictShapes(cfg);
    expect(e.id.get('mlp_pos.0.weight')).toEqual([64, 64]);
    expect(e.id.get('deepSDFensemble.layers.35.layers.0.weight')).toEqual([200, 101]);
    expect(e.ex.get('defDeepSDF.lin6.weight')).toEqual([5, 400]);
  });

  it('name a missing config key', () => {
    const c = clone(config);
    delete c.decoder.id.lat_dim_glob;
    expect(() => monoNphmStateDictShapes(c)).toThrow("config: 'decoder.id.lat_dim_glob' must be a positive integer, got nothing");
    expect(() => monoNphmStateDictShapes({ training: {} })).toThrow("config: 'decoder' is missing or not a mapping");
  });
});

describe('checkpoint vs config errors', () => {
  it('shape mismatch names the key with expected and actual shapes', () => {
    const c = clone(config);
    c.decoder.ex.hidden_dim = 65;
    expect(() => convertCheckpoint(ckptBytes, c)).toThrow(/^ex_decoder: 13 shape mismatch\(es\): defDeepSDF\.lin0\.weight: expected \[65, 27\], got \[64, 27\]; defDeepSDF\.lin0\.bias: expected \[65\], got \[64\];/);
  });

  it('missing and unexpected keys are listed', () => {
    const c = clone(config);
    (c.decoder.id.gnn as { nlayers_geo: number }).nlayers_geo = 5;
    expect(() => convertCheckpoint(ckptBytes, c)).toThrow(/^id_decoder: 72 missing key\(s\): deepSDFensemble\.layers\.0\.layers\.10\.weight \[1, 32\];.*72 shape mismatch\(es\): deepSDFensemble\.layers\.0\.layers\.8\.weight: expected \[32, 32\], got \[1, 32\]/);
    const sd = readTorchCheckpoint(ckptBytes).stateDict('ex_decoder');
    const partial = new Map(sd);
    partial.delete('defDeepSDF.lin6.bias');
    partial.set('extra.weight', { shape: [1], data: new Float32Array(1) });
    expect(() => checkStateDict(partial, monoNphmStateDictShapes(config).ex, { where: 'ex_decoder' })).toThrow(
      'ex_decoder: 1 missing key(s): defDeepSDF.lin6.bias [5]; 1 unexpected key(s): extra.weight',
    );
    expect(() => getTensor(partial, 'defDeepSDF.lin6.bias', [5], 'ex_decoder')).toThrow("ex_decoder: missing key 'defDeepSDF.lin6.bias' (expected shape [5])");
    expect(() => getTensor(sd, 'defDeepSDF.lin6.bias', [6], 'ex_decoder')).toThrow("ex_decoder: shape mismatch for 'defDeepSDF.lin6.bias': expected [6], got [5]");
  });

  it('non-finite weights are refused', () => {
    const bytes = ckptBytes.slice();
    // checkpoint/data/1 starts at local header offset 313936 (python zipfile); its data follows the
    // 30-byte header, the name and the 64-byte-aligned extra field torch writes.
    const ck = readTorchCheckpoint(bytes);
    const b = ck.stateDict('id_decoder').get('deepSDFensemble.layers.0.layers.0.bias')!.data;
    const first = new Uint8Array(b.buffer, b.byteOffset, 4);
    const at = Buffer.from(bytes).indexOf(Buffer.from(first), 313936);
    new DataView(bytes.buffer).setFloat32(at, NaN, true);
    expect(() => convertCheckpoint(bytes, config)).toThrow("id_decoder: 'deepSDFensemble.layers.0.layers.0.bias' has a non-finite value (NaN) at flat index 0");
  });
});

describe('nphm import', () => {
  const run = async (...argv: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const log = vi.spyOn(console, 'log').mockImplementation((...a) => void out.push(a.join(' ')));
    const error = vi.spyOn(console, 'error').mockImplementation((...a) => void err.push(a.join(' ')));
    try {
      const code = await main(['import', ...argv]);
      return { code, out: out.join('\n'), err: err.join('\n') };
    } finally {
      log.mockRestore();
      error.mockRestore();
    }
  };

  it('converts the fixture with a YAML config and with the JSON config to the same weights', async () => {
    const yamlPath = join(tmp, 'configs.yaml');
    writeFileSync(yamlPath, stringify(config));
    const a = await run(fixturePath('checkpoint.tar'), '--config', yamlPath, '--out', join(tmp, 'a'));
    expect(a.code, a.err).toBe(0);
    expect(a.out).toMatch(/746 tensors, id 0\.319 M \+ ex 0\.031 M parameters, 1\.4 MB \(from checkpoint\.tar, folder 'checkpoint', epoch 0\)/);
    const b = await run(fixturePath('checkpoint.tar'), '--config', fixturePath('config.json'), '--out', join(tmp, 'b'));
    expect(b.code, b.err).toBe(0);
    expect(readFileSync(join(tmp, 'a', 'weights.bin')).equals(readFileSync(join(tmp, 'b', 'weights.bin')))).toBe(true);
    const w = readStudioWeightsDir(join(tmp, 'a'));
    expect(w.config).toEqual(config);
    expect(w.manifest.provenance.source).toBe('checkpoint.tar');
    const ref = readTorchCheckpoint(ckptBytes).stateDict('id_decoder').get('mlp_pos.4.weight')!;
    expect(w.id.get('mlp_pos.4.weight')!.data).toEqual(ref.data);
  });

  it('refuses to overwrite without --force; usage errors exit 2; bad input exits 1 with one line', async () => {
    const again = await run(fixturePath('checkpoint.tar'), '--config', fixturePath('config.json'), '--out', join(tmp, 'b'));
    expect(again.code).toBe(1);
    expect(again.err).toMatch(/model\.json exists; pass --force to overwrite/);
    expect((await run(fixturePath('checkpoint.tar'), '--config', fixturePath('config.json'), '--out', join(tmp, 'b'), '--force')).code).toBe(0);
    expect((await run(fixturePath('checkpoint.tar'), '--out', join(tmp, 'c'))).code).toBe(2);
    expect((await run(fixturePath('checkpoint.tar'), '--config', fixturePath('README.md'), '--out', join(tmp, 'c'))).code).toBe(2);
    const hostile = new URL('../fixtures/weights/hostile-nested.tar', import.meta.url).pathname;
    const h = await run(hostile, '--config', fixturePath('config.json'), '--out', join(tmp, 'h'));
    expect(h.code).toBe(1);
    expect(h.err).toBe(`nphm import: ${hostile}: refused pickle global 'os.system' at byte 321 of checkpoint_epoch_666/data.pkl`);
    expect(existsSync(join(tmp, 'h'))).toBe(false);
    expect(existsSync('/tmp/nphm-hostile-nested.marker')).toBe(false);
  });
});
