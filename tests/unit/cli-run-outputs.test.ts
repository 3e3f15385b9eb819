/** The headless run's output files (src/cli/run-outputs.ts): names, clashes, and a write that fails. */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RunOutputs } from '../../src/cli/run-outputs.ts';

const dir = mkdtempSync(join(tmpdir(), 'nphm-outputs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const text = (name: string, data: string) => ({ name, mime: 'text/plain', data });

describe('RunOutputs', () => {
  it('writes each file whole, keeps a clash of two nodes beside each other, refuses the run log\'s name', () => {
    const o = new RunOutputs(dir);
    o.write('a', text('x.txt', 'first'));
    o.write('b', text('x.txt', 'second'));
    o.write('a', text('x.txt', 'again'));
    o.write('c', text('run-log.json', '{}'));
    expect(o.written).toEqual(['x.txt', 'b-x.txt']);
    expect(readFileSync(join(dir, 'x.txt'), 'utf8')).toBe('again');
    expect(readFileSync(join(dir, 'b-x.txt'), 'utf8')).toBe('second');
    expect(o.refused).toEqual([expect.stringMatching(/node 'c': output 'run-log\.json' not written/)]);
    expect(readdirSync(dir).sort()).toEqual(['b-x.txt', 'x.txt']);
  });

  it('reports a write that fails instead of losing it', () => {
    const o = new RunOutputs(join(dir, 'gone', 'deeper'));
    o.write('n', text('y.txt', 'data'));
    expect(o.written).toEqual([]);
    expect(o.refused).toEqual([expect.stringMatching(/node 'n': output 'y\.txt' not written: ENOENT/)]);
  });
});
