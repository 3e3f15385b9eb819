import { renameSync, writeFileSync } from 'node:fs';

/**
 * Writes through a temporary file and a rename, so a file is never seen half written: not by a
 * reader while a long command checkpoints, not after a run stopped by a second Ctrl-C.
 */
export function writeAtomically(path: string, data: Uint8Array | string): void {
  const tmp = `${path}.partial-${process.pid}`;
  writeFileSync(tmp, data);
  renameSync(tmp, path);
}
