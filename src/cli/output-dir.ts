/**
 * The folder a command writes its outputs to, made and proven writable before any compute: a run
 * of minutes must not find out at the end that it cannot keep its results. Node's recursive mkdir
 * loops forever under /proc (it retries ENOENT), so folders are made one level at a time.
 */
import { closeSync, constants, mkdirSync, openSync, statSync, unlinkSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { escapeControlChars } from '../graph/safe-text.ts';

export class OutputDirError extends Error {}

/** Makes `dir` (and missing parents) and checks a file can be created in it; returns its absolute path. */
export function ensureWritableDir(dir: string, what = '--out'): string {
  if (dir.trim() === '') throw new OutputDirError(`${what} is empty; give a folder`);
  const abs = resolve(dir);
  const shown = `${what} ${escapeControlChars(abs)}`;
  const missing: string[] = [];
  for (let p = abs; ; p = dirname(p)) {
    let isDir: boolean;
    try {
      isDir = statSync(p).isDirectory();
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT') throw new OutputDirError(`${shown}: cannot inspect ${escapeControlChars(p)} (${code ?? 'error'})`);
      if (dirname(p) === p) throw new OutputDirError(`${shown}: no existing parent folder`);
      missing.unshift(p);
      continue;
    }
    if (!isDir) throw new OutputDirError(`${shown}: ${escapeControlChars(p)} is not a folder`);
    break;
  }
  for (const p of missing) {
    try {
      mkdirSync(p);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'EEXIST') throw new OutputDirError(`${shown}: cannot create the folder ${escapeControlChars(p)} (${code ?? 'error'})`);
    }
  }
  const probe = resolve(abs, `.nphm-write-check-${process.pid}`);
  try {
    closeSync(openSync(probe, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600));
    unlinkSync(probe);
  } catch (e) {
    throw new OutputDirError(`${shown}: the folder is not writable (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  return abs;
}
