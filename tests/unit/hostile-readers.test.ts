/**
 * The shared readers under hostile input, in process (the CLI corpus in hostile-cli.test.ts runs
 * the same files through `nphm`): checkpoints cut at many offsets, memo DAGs and cycles, opcode
 * and memory budgets, prototype names in every table lookup, the worker's fetch reader caps, and
 * the message helpers.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unzipSync } from 'fflate';
import { describe, expect, it, vi } from 'vitest';
import { readTorchCheckpoint, TorchCheckpointError, isAllowedTorchGlobal } from '../../src/nphm/weights/torch-checkpoint.ts';
import { PickleError, unpickle, type UnpicklerHooks } from '../../src/nphm/weights/pickle.ts';
import { monoNphmStateDictShapes } from '../../src/nphm/weights/mononphm-shapes.ts';
import { zipEntries, zipEntryData } from '../../src/nphm/weights/zip-entries.ts';
import { escapeControlChars, jsonSafeText, quoteForMessage, terminalText } from '../../src/graph/safe-text.ts';
import { jsonSyntaxMessage } from '../../src/graph/json-text.ts';
import { loadGraphText } from '../../src/graph/load.ts';
import { formatProblem } from '../../src/graph/problems.ts';
import { artifactNameProblem } from '../../src/graph/artifact-name.ts';
import { builtinRegistry } from '../../src/nodes/registry.ts';
import { applySets } from '../../src/cli/graph-overrides.ts';
import { fetchAssetReader } from '../../src/workers/assets-fetch.ts';
import { nodeAssetReader } from '../../src/cli/assets-node.ts';
import { fetchStudioWeights } from '../../src/nphm/weights/studio-fetch.ts';
import { convertCheckpoint } from '../../src/nphm/weights/convert-checkpoint.ts';
import { checkpointPickle, PickleBuilder, type TensorSpec } from '../hostile/pickle-builder.ts';
import { deflatedZeros, floats, rezip, torchZip, zipWithDeflatedEntry } from '../hostile/torch-zip.ts';
import { ESCAPES, FIXTURE_DIR } from '../hostile/corpus.ts';

const fixture = new Uint8Array(readFileSync(`${FIXTURE_DIR}checkpoint.tar`));
const config = JSON.parse(readFileSync(`${FIXTURE_DIR}config.json`, 'utf8')) as Record<string, unknown>;
const expected = monoNphmStateDictShapes(config);

/** Reads what import reads; returns the error (or undefined when the file reads). */
function readAsImport(bytes: Uint8Array): unknown {
  try {
    const ck = readTorchCheckpoint(bytes);
    ck.stateDict('id_decoder', { expected: expected.id, strict: true });
    ck.stateDict('ex_decoder', { expected: expected.ex, strict: true });
    return undefined;
  } catch (e) {
    return e;
  }
}

describe('checkpoints cut short', () => {
  it('the file cut at 48 offsets: each refused with a TorchCheckpointError', () => {
    const offsets = [1, 2, 3, 4, 21, 22, 30, 64, 100, 1000, 4096];
    for (let i = 1; i <= 30; i++) offsets.push(Math.floor((fixture.length * i) / 31));
    for (let k = 1; k <= 7; k++) offsets.push(fixture.length - k * 11);
    expect(offsets).toHaveLength(48);
    for (const n of offsets) {
      const e = readAsImport(fixture.subarray(0, n));
      expect(e, `cut at ${n}`).toBeInstanceOf(TorchCheckpointError);
    }
  });

  it('data.pkl cut at 40 offsets inside an intact zip: a truncated-pickle message naming the byte', () => {
    const pkl = unzipSync(fixture)['checkpoint/data.pkl']!;
    for (let i = 0; i < 40; i++) {
      const n = Math.floor((pkl.length * i) / 40);
      const e = readAsImport(rezip(fixture, (f) => (f['checkpoint/data.pkl'] = pkl.slice(0, n))));
      expect(e, `data.pkl cut at ${n}`).toBeInstanceOf(TorchCheckpointError);
      expect((e as Error).message, `data.pkl cut at ${n}`).toMatch(/truncated pickle checkpoint\/data\.pkl|corrupt pickle checkpoint\/data\.pkl at byte \d+|unsupported pickle protocol/);
    }
  });

  it('a storage cut at 12 lengths: refused from the declared size, naming entry and sizes', () => {
    const s0 = unzipSync(fixture)['checkpoint/data/0']!;
    for (let i = 0; i < 12; i++) {
      const n = Math.floor((s0.length * i) / 12);
      const e = readAsImport(rezip(fixture, (f) => (f['checkpoint/data/0'] = s0.slice(0, n))));
      expect((e as Error).message).toBe(`checkpoint storage 'checkpoint/data/0' ('id_decoder') is truncated: ${n} bytes, expected ${s0.length} (${s0.length / 4} × float32)`);
    }
  });

  it('the fixture itself still reads', () => {
    expect(readAsImport(fixture)).toBeUndefined();
  });
});

describe('the pickle memo: DAGs and cycles', () => {
  /** {'dag': L0} with L_k = [L_{k+1}, L_{k+1}]: 2^levels paths through `levels + 1` lists. */
  function dagCheckpoint(levels: number): Uint8Array {
    const p = new PickleBuilder().emptyDict().str('dag');
    p.emptyList();
    let last = p.put();
    for (let k = 0; k < levels; k++) {
      p.pop().emptyList().mark().get(last).get(last).appends();
      last = p.put();
    }
    // The dict's value is the last list; SETITEM takes key and value off the stack.
    return torchZip(p.raw(0x73).bytes(), {});
  }

  it('load() of a 60-level memo DAG (2^60 paths) returns the shared structure', () => {
    // Before: collect/convert walked every path and never returned.
    const v = readTorchCheckpoint(dagCheckpoint(60)).load('dag') as unknown[];
    let node = v;
    for (let k = 0; k < 60; k++) {
      expect(node).toHaveLength(2);
      expect(node[0]).toBe(node[1]);
      node = node[0] as unknown[];
    }
    expect(node).toEqual([]);
  });

  it('load() of a list that contains itself is refused', () => {
    const p = new PickleBuilder().emptyDict().str('loop').emptyList();
    const i = p.put();
    p.get(i).raw(0x61); // APPEND: the list into itself
    const ck = readTorchCheckpoint(torchZip(p.raw(0x73).bytes(), {}));
    expect(() => ck.load('loop')).toThrow("checkpoint entry 'loop' contains itself");
  });

  it('a pickle running more opcodes than allowed is refused', () => {
    const p = new PickleBuilder().emptyList().mark();
    for (let i = 0; i < 100; i++) p.int(i);
    const hooks: UnpicklerHooks = { allowGlobal: () => false, call: () => null, persistentLoad: () => null, build: (o) => o };
    expect(() => unpickle(p.appends().bytes(), hooks, 'x', 50)).toThrow(PickleError);
    expect(() => unpickle(p.bytes(), hooks, 'x', 50)).toThrow('pickle x runs more than 50 opcodes');
  });
});

describe('memory budgets', () => {
  it('many strided views of one storage stop at the tensor budget', () => {
    const views: Record<string, TensorSpec> = {};
    for (let i = 0; i < 40; i++) views[`t${i}`] = { key: '0', numel: 10_000, shape: [100, 100], stride: [1, 100] };
    const zip = torchZip(checkpointPickle({ sd: views }), { '0': floats(new Float32Array(10_000)) });
    const ck = readTorchCheckpoint(zip, { maxTensorBytes: 400_000 });
    expect(() => ck.stateDict('sd')).toThrow(/a strided view of 'checkpoint\/data\/0' needs 40000 more bytes of memory than the 400000 allowed/);
  });

  it('a deflated entry that inflates past its declared size stops at once', () => {
    const zip = zipWithDeflatedEntry({}, 'x', deflatedZeros(8 << 20), 4096);
    const [entry] = zipEntries(zip);
    expect(entry).toMatchObject({ name: 'x', method: 8, size: 4096 });
    expect(() => zipEntryData(zip, entry!, 1 << 30)).toThrow("zip entry 'x' inflates to more than its declared 4096 bytes");
    expect(() => zipEntryData(zip, { ...entry!, size: 1 << 30 }, 1 << 20)).toThrow("zip entry 'x' declares 1073741824 bytes; at most 1048576 are allowed here");
  });

  it('tensors the config does not name are left unread', () => {
    const pkl = checkpointPickle({ sd: { a: { key: '0', numel: 2, shape: [2] }, extra: { key: '1', numel: 16 << 20, shape: [16 << 20] } } });
    const files = unzipSync(torchZip(pkl, { '0': floats([1, 2]) }));
    const zip = zipWithDeflatedEntry(files, 'checkpoint/data/1', deflatedZeros(1 << 20), 64 << 20);
    const ck = readTorchCheckpoint(zip, { maxTensorBytes: 1 << 20 });
    const sd = ck.stateDict('sd', { expected: new Map([['a', [2]]]) });
    expect([...sd.keys()]).toEqual(['a']);
    expect([...sd.get('a')!.data]).toEqual([1, 2]);
    expect(() => ck.stateDict('sd')).toThrow(/reading 'checkpoint\/data\/1' needs 67108864 more bytes of memory/);
  });

  it('shapes are checked against the config before any storage is read', () => {
    // A storage entry that claims 64 MiB: never inflated, the shape is wrong for the config.
    const pkl = checkpointPickle({ id_decoder: { 'mlp_pos.0.weight': { key: '0', numel: 16 << 20, shape: [4096, 4096] } }, ex_decoder: {} });
    const zip = zipWithDeflatedEntry(unzipSync(torchZip(pkl, {})), 'checkpoint/data/0', deflatedZeros(1 << 20), 64 << 20);
    const ck = readTorchCheckpoint(zip, { maxTensorBytes: 1 << 20 });
    expect(() => ck.stateDict('id_decoder', { expected: expected.id })).toThrow(/shape mismatch\(es\): mlp_pos\.0\.weight: expected \[\d+, \d+\], got \[4096, 4096\]/);
  });
});

describe('names from files are looked up as own properties only', () => {
  const PROTO = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf', 'isPrototypeOf'];

  it('storage types', () => {
    for (const n of PROTO) expect(isAllowedTorchGlobal('torch', n), n).toBe(false);
  });

  it('params in a graph file and in --set', () => {
    const registry = builtinRegistry();
    for (const n of PROTO.filter((x) => x !== 'constructor' && x !== '__proto__')) {
      const text = JSON.stringify({ format: 'nphm-studio/graph', schemaVersion: 2, nodes: [{ id: 'r', type: 'tensor.random', params: { [n]: 1 } }], edges: [] });
      const r = loadGraphText(text, registry);
      expect(r.problems.map(formatProblem), n).toContain(`warning: node 'r' at $.nodes[0].params.${n}: 'tensor.random' has no param '${n}': kept but unused`);
      const problems = applySets(r.graph!, [`r.${n}=2`], registry);
      expect(problems.map((p) => p.message), n).toEqual([`node 'r' (tensor.random) has no param '${n}'`]);
    }
  });

  it('node types, enum values and presets are escaped in every formatted problem', () => {
    const text = JSON.stringify({
      format: 'nphm-studio/graph',
      schemaVersion: 2,
      nodes: [
        { id: 'a', type: `x${ESCAPES}`, params: {} },
        { id: 'b', type: 'tensor.random', params: { distribution: ESCAPES } },
      ],
      edges: [],
    });
    const lines = loadGraphText(text, builtinRegistry()).problems.map(formatProblem);
    expect(lines).toHaveLength(2);
    for (const l of lines) expect(escapeControlChars(l)).toBe(l);
  });
});

describe('the Node asset reader', () => {
  it('follows symlinks that stay inside the allowed folders, and a symlinked root', async () => {
    const base = mkdtempSync(join(tmpdir(), 'nphm-assets-'));
    mkdirSync(join(base, 'root', 'a'), { recursive: true });
    writeFileSync(join(base, 'root', 'a', 'x.json'), '{"ok": true}');
    symlinkSync(join(base, 'root', 'a'), join(base, 'root', 'b'));
    symlinkSync(join(base, 'root'), join(base, 'link-to-root'));
    writeFileSync(join(base, 'outside.json'), 'secret');
    symlinkSync(join(base, 'outside.json'), join(base, 'root', 'out.json'));
    const reader = nodeAssetReader([join(base, 'link-to-root')]);
    expect(await reader.readText('b/x.json')).toBe('{"ok": true}');
    expect(await reader.readText(join(base, 'root', 'a', 'x.json'))).toBe('{"ok": true}');
    await expect(reader.readText('out.json')).rejects.toThrow("asset 'out.json' resolves outside the allowed folders");
    await expect(reader.read('a/x.json', { maxBytes: 4 })).rejects.toThrow("asset 'a/x.json': 12 bytes; at most 4 are read");
    await expect(reader.read(`a/${ESCAPES}.json`)).rejects.toThrow(/asset 'a\/\\x1b\]0;pwned/);
    rmSync(base, { recursive: true, force: true });
  });
});

describe('the worker reader has the same caps', () => {
  it('refuses a dropped file, a declared length and an endless body over the cap', async () => {
    const dropped = new Map([['dropped/big.tar', new Blob([new Uint8Array(2000)])]]);
    const reader = fetchAssetReader('http://studio.test/', dropped);
    await expect(reader.read('dropped/big.tar', { maxBytes: 1000 })).rejects.toThrow("asset 'dropped/big.tar' is 2000 bytes; at most 1000 are read");
    const endless = new ReadableStream<Uint8Array>({ pull: (c) => c.enqueue(new Uint8Array(64 * 1024)) });
    const fetchMock = vi.fn(async (u: URL | string) =>
      String(u).endsWith('declared.bin') ? new Response('x'.repeat(10), { headers: { 'content-length': '999999' } }) : new Response(endless),
    );
    vi.stubGlobal('fetch', fetchMock);
    try {
      await expect(reader.read('declared.bin', { maxBytes: 1000 })).rejects.toThrow("asset 'declared.bin' is 999999 bytes; at most 1000 are read");
      await expect(reader.read('endless.bin', { maxBytes: 1 << 20 })).rejects.toThrow("asset 'endless.bin' is more than 1048576 bytes; at most 1048576 are read");
    } finally {
      vi.unstubAllGlobals();
    }
  });

  it('the studio weight loader reads no more of the binary than its manifest declares', async () => {
    const w = convertCheckpoint(fixture, config, { source: 'fixture', created: '2026-01-01T00:00:00Z' });
    const endless = new ReadableStream<Uint8Array>({ pull: (c) => c.enqueue(new Uint8Array(1 << 20)) });
    const get = (async (u: URL | string) => (String(u).endsWith('model.json') ? new Response(w.json) : new Response(endless))) as typeof fetch;
    await expect(fetchStudioWeights('http://studio.test/m/', { fetch: get })).rejects.toThrow(`studio weights: http://studio.test/m/weights.bin is more than ${w.bin.length} bytes; at most ${w.bin.length} are read`);
  });
});

describe('messages', () => {
  it('escape control characters and bidi overrides, keep our own newlines', () => {
    expect(escapeControlChars('a\u001b[2Kb\u0007\r\u202e')).toBe('a\\x1b[2Kb\\x07\\x0d\\u202e');
    expect(quoteForMessage(`n${'x'.repeat(300)}`, 3)).toBe("'nxx…'");
    expect(terminalText('line 1\nline\u001b 2')).toBe('line 1\nline\\x1b 2');
    expect(JSON.stringify(jsonSafeText('a\u009b\u202e\n'))).toBe('"a\\\\x9b\\\\u202e\\n"');
  });

  it('JSON syntax errors never quote the text', () => {
    for (const text of ['root:x:0:0:root:/root:/bin/bash\n', '{"a": secret}', '[1] secret', `{"a":\u0007}`]) {
      let err: unknown;
      try {
        JSON.parse(text);
      } catch (e) {
        err = e;
      }
      const m = jsonSyntaxMessage(err, text);
      expect(m).not.toMatch(/root|secret|\u0007/);
    }
  });

  it('artifact names: plain names only, never dots or the run log', () => {
    expect(artifactNameProblem('total.json')).toBeUndefined();
    for (const n of ['..', '.', '...', 'run-log.json', 'RUN-LOG.JSON', 'a/b', '', 'x'.repeat(201)]) expect(artifactNameProblem(n), n).toBeDefined();
  });
});
