import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readStudioWeightsDir, writeStudioWeightsDir } from '../../src/cli/studio-weights.ts';
import { convertCheckpoint } from '../../src/nphm/weights/convert-checkpoint.ts';
import { fetchStudioWeights } from '../../src/nphm/weights/studio-fetch.ts';
import { readStudioWeights, STUDIO_ALIGNMENT, validateManifest, writeStudioWeights, type StudioManifest } from '../../src/nphm/weights/studio-format.ts';
import { readTorchCheckpoint } from '../../src/nphm/weights/torch-checkpoint.ts';
import type { StateDict } from '../../src/nphm/weights/state-dict.ts';

const FIXTURE = new URL('../../../shared/fixtures/mononphm-small-a/', import.meta.url);
const ckptBytes = new Uint8Array(readFileSync(new URL('checkpoint.tar', FIXTURE)));
const config = JSON.parse(readFileSync(new URL('config.json', FIXTURE), 'utf8')) as Record<string, unknown>;
const ck = readTorchCheckpoint(ckptBytes);
const id = ck.stateDict('id_decoder');
const ex = ck.stateDict('ex_decoder');
const tmp = mkdtempSync(join(tmpdir(), 'nphm-studio-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const written = writeStudioWeights({ id, ex }, config, { source: 'checkpoint.tar', created: '2026-01-01T00:00:00.000Z' });
const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

function expectSameStateDict(a: StateDict, b: StateDict) {
  expect([...a.keys()]).toEqual([...b.keys()]);
  for (const [k, t] of a) {
    expect(b.get(k)!.shape, k).toEqual(t.shape);
    expect(Buffer.from(b.get(k)!.data.buffer, b.get(k)!.data.byteOffset, b.get(k)!.data.byteLength).equals(Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength)), k).toBe(true);
  }
}

describe('studio weight format', () => {
  it('lays tensors out 16-byte aligned, in state_dict order', () => {
    const m = written.manifest;
    expect(m.tensors.length).toBe(id.size + ex.size);
    expect(m.tensors[0]!.name).toBe('id_decoder.deepSDFensemble.layers.0.layers.0.weight');
    expect(m.tensors.at(-1)!.name).toBe('ex_decoder.defDeepSDF.lin6.bias');
    for (const t of m.tensors) expect(t.offset % STUDIO_ALIGNMENT).toBe(0);
    expect(m.weights.byteLength).toBe(written.bin.length);
    expect(m.weights.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('round trip: write → read → write gives identical bytes and identical values', () => {
    const r = readStudioWeights(written.json, written.bin);
    expectSameStateDict(id, r.id);
    expectSameStateDict(ex, r.ex);
    expect(r.config).toEqual(config);
    const again = writeStudioWeights({ id: r.id, ex: r.ex }, r.config, r.manifest.provenance);
    expect(again.json).toBe(written.json);
    expect(Buffer.from(again.bin).equals(Buffer.from(written.bin))).toBe(true);
  });

  it('tensors are zero-copy views of the binary', () => {
    const r = readStudioWeights(written.manifest, written.bin);
    const t = r.id.get('mlp_pos.4.weight')!;
    expect(t.data.buffer).toBe(written.bin.buffer);
  });

  it('reads a binary at an unaligned byteOffset (copied once)', () => {
    const shifted = new Uint8Array(written.bin.length + 1).subarray(1);
    shifted.set(written.bin);
    const r = readStudioWeights(written.manifest, shifted);
    expectSameStateDict(ex, r.ex);
  });

  it('Node directory writer/reader and the fetch loader give the same weights', async () => {
    const dir = join(tmp, 'model');
    writeStudioWeightsDir(dir, written);
    const fromDir = readStudioWeightsDir(dir);
    expectSameStateDict(id, fromDir.id);
    const files: Record<string, Uint8Array<ArrayBuffer>> = {
      'https://example.test/models/small/model.json': new Uint8Array(readFileSync(join(dir, 'model.json'))),
      'https://example.test/models/small/weights.bin': new Uint8Array(readFileSync(join(dir, 'weights.bin'))),
    };
    const fakeFetch = (async (u: URL | RequestInfo) => {
      const body = files[String(u)];
      return body ? new Response(body) : new Response('no', { status: 404, statusText: 'Not Found' });
    }) as typeof fetch;
    const fetched = await fetchStudioWeights('https://example.test/models/small/', { fetch: fakeFetch });
    expectSameStateDict(ex, fetched.ex);
    await expect(fetchStudioWeights('https://example.test/models/other/', { fetch: fakeFetch })).rejects.toThrow(
      'GET https://example.test/models/other/model.json failed: 404 Not Found',
    );
  });

  it('convertCheckpoint records provenance and checks the config', () => {
    const c = convertCheckpoint(ckptBytes, config, { source: 'checkpoint.tar', created: 'x' });
    expect(c.manifest.provenance).toMatchObject({ source: 'checkpoint.tar', sourcePrefix: 'checkpoint', epoch: 0, created: 'x' });
    expect(c.manifest.provenance.sourceSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(Buffer.from(c.bin).equals(Buffer.from(written.bin))).toBe(true);
  });
});

describe('manifest validation', () => {
  const bad = (edit: (m: StudioManifest) => void) => {
    const m = clone(written.manifest);
    edit(m);
    return () => readStudioWeights(m, written.bin);
  };

  it('unknown format or version', () => {
    expect(bad((m) => ((m as { version: number }).version = 2))).toThrow('studio weights: unsupported format version 2 (this build reads version 1)');
    expect(bad((m) => ((m as { format: string }).format = 'safetensors'))).toThrow(`manifest format is "safetensors", expected 'nphm-studio-weights'`);
    expect(() => validateManifest([])).toThrow('manifest is not a JSON object');
    expect(() => readStudioWeights('{"format":', written.bin)).toThrow(/manifest is not valid JSON/);
  });

  it('offset out of range, misaligned, overlapping', () => {
    expect(bad((m) => (m.tensors.at(-1)!.offset = m.weights.byteLength))).toThrow(
      `tensor 'ex_decoder.defDeepSDF.lin6.bias': bytes ${written.manifest.weights.byteLength}..${written.manifest.weights.byteLength + 20} are out of range (the binary has ${written.manifest.weights.byteLength} bytes)`,
    );
    expect(bad((m) => (m.tensors[3]!.offset += 4))).toThrow(/offset \d+ is not a multiple of 16/);
    expect(bad((m) => (m.tensors[1]!.offset = m.tensors[0]!.offset))).toThrow(
      "tensors 'id_decoder.deepSDFensemble.layers.0.layers.0.weight' and 'id_decoder.deepSDFensemble.layers.0.layers.0.bias' overlap",
    );
  });

  it('bad shapes and lengths', () => {
    expect(bad((m) => (m.tensors[0]!.shape = [32, -29]))).toThrow("tensor 'id_decoder.deepSDFensemble.layers.0.layers.0.weight': bad shape [32,-29]");
    expect(bad((m) => (m.tensors[0]!.shape = [32, 29.5]))).toThrow(/bad shape \[32,29.5\]/);
    expect(bad((m) => ((m.tensors[0] as { shape: unknown }).shape = 'big'))).toThrow(/bad shape "big"/);
    expect(bad((m) => (m.tensors[0]!.shape = [32, 30]))).toThrow('length 928 does not match shape [32, 30] (960 elements)');
    expect(bad((m) => (m.tensors[0]!.length = Number.POSITIVE_INFINITY))).toThrow(/length null does not match/);
  });

  it('names, duplicates, binary size and hash', () => {
    expect(bad((m) => (m.tensors[0]!.name = 'os.system'))).toThrow(`manifest.tensors[0].name "os.system" is not '<id_decoder|ex_decoder>.<key>'`);
    expect(bad((m) => (m.tensors[1]!.name = m.tensors[0]!.name))).toThrow('is listed twice');
    expect(bad((m) => (m.weights.file = '../etc/passwd'))).toThrow('manifest.weights.file "../etc/passwd" is not a plain file name');
    expect(() => readStudioWeights(written.manifest, written.bin.subarray(16))).toThrow(`weights.bin has ${written.bin.length - 16} bytes, the manifest says ${written.bin.length}`);
    const flipped = written.bin.slice();
    flipped[1000] = flipped[1000]! ^ 1;
    expect(() => readStudioWeights(written.manifest, flipped)).toThrow(/weights.bin sha256 is [0-9a-f]{64}, the manifest says/);
    expect(() => readStudioWeights(written.manifest, flipped, { verifyHash: false })).not.toThrow();
  });

  it('the Node reader names the manifest file on bad JSON', () => {
    const dir = join(tmp, 'broken');
    writeStudioWeightsDir(dir, written);
    writeFileSync(join(dir, 'model.json'), '{ nope');
    expect(() => readStudioWeightsDir(dir)).toThrow(`studio weights: ${join(dir, 'model.json')}:`);
  });
});
