import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { MAX_GRAPH_BYTES } from '../../src/graph/document.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const smoke = join(root, 'graphs/test/tensor-smoke.graph.json');
const badDir = join(root, 'tests/fixtures/graphs/bad');

let out: string[] = [];
let err: string[] = [];
beforeEach(() => {
  out = [];
  err = [];
  vi.spyOn(console, 'log').mockImplementation((...a) => void out.push(a.join(' ')));
  vi.spyOn(console, 'warn').mockImplementation((...a) => void err.push(a.join(' ')));
  vi.spyOn(console, 'error').mockImplementation((...a) => void err.push(a.join(' ')));
  vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
});
afterEach(() => vi.restoreAllMocks());

describe('nphm graph check', () => {
  it('exits 0 on a valid file', async () => {
    expect(await main(['graph', 'check', smoke])).toBe(0);
    expect(out[0]).toMatch(/tensor-smoke.graph.json: ok \(6 nodes, 5 edges, hash [0-9a-f]{12}\)/);
  });

  it('reports every bad fixture with its place and exits 2, never a stack trace', async () => {
    const expected: Record<string, RegExp> = {
      'cycle': /node 'act' at \$\.nodes\[3\]: cycle: act → act2 → act/,
      'duplicate-node-id': /node 'a' at \$\.nodes\[6\]\.id: duplicate node id 'a'/,
      'edge-to-missing-node': /edge 'e1' at \$\.edges\[0\]\.from\.node: edge starts at missing node 'ghost'/,
      'edge-to-missing-port': /edge 'e3' at \$\.edges\[2\]\.to\.port: node 'act' \(tensor\.unary\) has no input 'input'/,
      'incompatible-sockets': /edge 'bad' at \$\.edges\[4\]: incompatible sockets/,
      'invalid-json': /at \$: invalid JSON: .*\(line 2, column 1\)/,
      'newer-schema': /at \$\.schemaVersion: written by a newer NPHM Studio \(schema 4\)/,
      'param-out-of-range': /node 'a' at \$\.nodes\[0\]\.params\.shape: param 'shape': item 1 \(0\) is below the minimum 1/,
      'param-wrong-type': /node 'act' at \$\.nodes\[3\]\.params\.scale: param 'scale': expected a finite number/,
      'proto-key': /at \$\.nodes\[0\]\.params\.__proto__: the key '__proto__' is not allowed/,
    };
    const files = readdirSync(badDir).sort();
    expect(files.map((f) => f.replace('.graph.json', ''))).toEqual(Object.keys(expected).sort());
    for (const f of files) {
      err = [];
      expect(await main(['graph', 'check', join(badDir, f)]), f).toBe(2);
      expect(err, f).toHaveLength(1);
      expect(err[0], f).toMatch(expected[f.replace('.graph.json', '')]!);
      expect(err[0]).not.toMatch(/\n\s+at /);
    }
  });

  it('refuses an oversized file and a missing file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nphm-'));
    const big = join(dir, 'big.graph.json');
    writeFileSync(big, ' '.repeat(MAX_GRAPH_BYTES + 10));
    expect(await main(['graph', 'check', big, join(dir, 'nope.json')])).toBe(2);
    expect(err[0]).toMatch(/graph files are limited to/);
    expect(err[1]).toMatch(/no such file/);
  });
});

describe('nphm graph run', () => {
  it('runs headless, writes declared outputs and a run log, honours --set', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nphm-run-'));
    expect(await main(['graph', 'run', smoke, '--out', dir, '--backend', 'wasm'])).toBe(0);
    const v1 = JSON.parse(readFileSync(join(dir, 'total.json'), 'utf8')).value as number;
    const log = JSON.parse(readFileSync(join(dir, 'run-log.json'), 'utf8'));
    expect(log).toMatchObject({ backend: 'wasm', summary: { ok: true }, outputs: ['total.json'] });
    expect(log.graphHash).toMatch(/^[0-9a-f]{64}$/);
    expect(log.tensors.afterDispose).toBe(log.tensors.before);

    const dir2 = mkdtempSync(join(tmpdir(), 'nphm-run-'));
    expect(await main(['graph', 'run', smoke, '--out', dir2, '--set', 'act.scale=1'])).toBe(0);
    const v2 = JSON.parse(readFileSync(join(dir2, 'total.json'), 'utf8')).value as number;
    expect(v2).toBeCloseTo(2 * v1, 2);
    const log2 = JSON.parse(readFileSync(join(dir2, 'run-log.json'), 'utf8'));
    expect(log2).toMatchObject({ preset: null, sets: ['act.scale=1'] });
    expect(log2.graphHash).not.toBe(log.graphHash);
  });

  it('rejects a bad --set with exit 2', async () => {
    expect(await main(['graph', 'run', smoke, '--set', 'act.scale=oops'])).toBe(2);
    expect(err.join('\n')).toMatch(/--set act.scale=oops: param 'scale': expected a finite number/);
    err = [];
    expect(await main(['graph', 'run', smoke, '--set', 'nobody.x=1'])).toBe(2);
    expect(err.join('\n')).toMatch(/no node 'nobody'/);
  });

  it('exits 1 naming the failing node', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nphm-run-'));
    const g = JSON.parse(readFileSync(smoke, 'utf8'));
    // A shape mismatch only the run can find: a[32,48] · b[32,24].
    g.nodes.find((n: { id: string }) => n.id === 'b').params.shape = [32, 24];
    const file = join(dir, 'mismatch.graph.json');
    writeFileSync(file, JSON.stringify(g));
    expect(await main(['graph', 'run', file, '--out', dir])).toBe(1);
    expect(err.join('\n')).toMatch(/node 'ab' failed: inner sizes differ: \[32,48\] · \[32,24\]/);
    expect(err.join('\n')).toMatch(/blocked by failures upstream: act, total, save/);
  });

  it('works as the installed bin, as a user would call it', () => {
    const r = spawnSync(process.execPath, [join(root, 'bin/nphm.mjs'), 'graph', 'check', join(badDir, 'cycle.graph.json')], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/cycle: act → act2 → act/);
  });
});
