/**
 * The hostile-input corpus (tests/hostile/corpus.ts) through the real CLI: each case is one
 * `node bin/nphm.mjs …` child with a V8 heap bound and a time limit, its peak RSS measured by a
 * preload (tests/hostile/peak-rss.mjs: getrusage at exit). Each must exit with its code, say what is wrong and where, print no stack trace
 * and no raw control character, never show a file from outside the allowed folders, and stay
 * under the memory bound.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { buildCorpus, SECRET, type Category, type HostileCase } from '../hostile/corpus.ts';

const BIN = fileURLToPath(new URL('../../bin/nphm.mjs', import.meta.url));
const PEAK_RSS = pathToFileURL(fileURLToPath(new URL('../hostile/peak-rss.mjs', import.meta.url))).href;
/** Peak resident memory of one command. A real run of these commands on the fixture takes ~150–300 MB. */
const PEAK_RSS_BOUND_MB = 640;
const HEAP_BOUND_MB = 512;
/** Per case: a FIFO or a bomb that is not caught would run into this, not hang the suite. */
const CASE_TIMEOUT_MS = 60_000;

// Built at collection time, so that each case is its own test.
const dir = mkdtempSync(join(tmpdir(), 'nphm-hostile-'));
const cases: HostileCase[] = buildCorpus(dir);
const peaks = new Map<Category, number[]>();

afterAll(() => {
  const lines = [...peaks].map(([c, mb]) => `${c}: ${mb.length} cases, peak RSS max ${Math.max(...mb).toFixed(0)} MB, median ${mb.sort((a, b) => a - b)[Math.floor(mb.length / 2)]!.toFixed(0)} MB`);
  console.log(`hostile corpus (${cases.length} cases, bound ${PEAK_RSS_BOUND_MB} MB):\n${lines.join('\n')}`);
  rmSync(dir, { recursive: true, force: true });
});

// Raw control characters other than newline and tab: an escape sequence reached the terminal.
const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

/** Every file under `root` (what a command wrote), to look for the secret in them. */
function filesUnder(root: string): string[] {
  if (!existsSync(root)) return [];
  if (!statSync(root).isDirectory()) return [root];
  return readdirSync(root).flatMap((f) => filesUnder(join(root, f)));
}

function run(c: HostileCase): { code: number | null; signal: string | null; output: string; peakMb: number } {
  const rssFile = join(dir, `rss-${Math.random().toString(36).slice(2)}.txt`);
  const r = spawnSync(process.execPath, ['--import', PEAK_RSS, `--max-old-space-size=${HEAP_BOUND_MB}`, BIN, ...c.args], {
    cwd: c.cwd ?? dir,
    encoding: 'utf8',
    timeout: CASE_TIMEOUT_MS,
    killSignal: 'SIGKILL',
    env: { ...process.env, NPHM_DEBUG: '', NO_COLOR: '1', NPHM_PEAK_RSS_FILE: rssFile },
    maxBuffer: 16 * 1024 * 1024,
  });
  const kb = existsSync(rssFile) ? Number(/(\d+)\s*$/.exec(readFileSync(rssFile, 'utf8'))?.[1] ?? NaN) : NaN;
  return { code: r.status, signal: r.signal, output: `${r.stdout}${r.stderr}`, peakMb: kb / 1024 };
}

describe('hostile corpus through the CLI', () => {
  it('has cases in every category', () => {
    const counts = new Map<Category, number>();
    for (const c of cases) counts.set(c.category, (counts.get(c.category) ?? 0) + 1);
    expect([...counts.keys()].sort()).toEqual(['assets', 'checkpoint', 'graph', 'output', 'weights']);
  });

  for (const c of cases) {
    it(`${c.category}: ${c.name}`, () => {
      const r = run(c);
      expect(r.signal, `killed (${r.signal}): timed out or out of memory\n${r.output}`).toBeNull();
      expect(r.code, r.output).toBe(c.exit);
      expect(r.output).toMatch(c.message);
      expect(r.output, 'a stack trace').not.toMatch(/\n\s+at [\w.<>]+ \(|\bat file:\/\/|node:internal/);
      expect(RAW_CONTROL.test(r.output), `raw control characters in ${JSON.stringify(r.output)}`).toBe(false);
      const outArg = c.args[c.args.indexOf('--out') + 1];
      if (c.secret) {
        expect(r.output).not.toContain(c.secret);
        for (const f of c.args.includes('--out') && outArg ? filesUnder(outArg) : []) expect(readFileSync(f, 'utf8'), f).not.toContain(SECRET);
      }
      c.after?.(r.output);
      expect(Number.isFinite(r.peakMb), 'peak RSS measured').toBe(true);
      (peaks.get(c.category) ?? peaks.set(c.category, []).get(c.category)!).push(r.peakMb);
      expect(r.peakMb, `peak RSS ${r.peakMb.toFixed(0)} MB`).toBeLessThan(PEAK_RSS_BOUND_MB);
    }, CASE_TIMEOUT_MS + 10_000);
  }
});
