import { execFile } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '..');

/**
 * Commands that browser tests call on the Node side (vitest browser `commands`): run a graph with
 * the real `nphm` CLI on wasm, so the browser's result can be compared with Node's in one test.
 */
export const browserCommands = {
  async runGraphInNode(_ctx: unknown, graphPath: string, backend = 'wasm') {
    const out = await mkdtemp(join(tmpdir(), 'nphm-browser-cmd-'));
    try {
      await run(process.execPath, [join(root, 'bin/nphm.mjs'), 'graph', 'run', resolve(root, graphPath), '--out', out, '--backend', backend], { cwd: root });
      const files: Record<string, string> = {};
      for (const f of await readdir(out)) files[f] = await readFile(join(out, f), 'utf8');
      return files;
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  },
};
