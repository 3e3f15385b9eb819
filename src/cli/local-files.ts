/**
 * Reading one local file with its size known before any byte is read: only regular files (a FIFO
 * would block forever, `/dev/zero` never ends, a directory is not data), at most `maxBytes`, and
 * errors that name the file and the problem but never show its contents.
 */
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { MAX_ASSET_TEXT_BYTES } from '../graph/asset-limits.ts';
import { escapeControlChars } from '../graph/safe-text.ts';

/** `problem` is the message without the file's name (for callers that name it themselves). */
export class LocalFileError extends Error {
  constructor(
    shown: string,
    readonly problem: string,
    readonly size?: number,
  ) {
    super(`${shown}: ${problem}`);
  }
}

const describeMode = (mode: number): string => {
  const t = mode & constants.S_IFMT;
  if (t === constants.S_IFDIR) return 'a directory';
  if (t === constants.S_IFIFO) return 'a FIFO (named pipe)';
  if (t === constants.S_IFCHR) return 'a character device';
  if (t === constants.S_IFBLK) return 'a block device';
  if (t === constants.S_IFSOCK) return 'a socket';
  return 'not a regular file';
};

/** Why a stat's file may not be read, or undefined when it may. */
export function regularFileProblem(stat: { mode: number; size: number; isFile(): boolean }, maxBytes: number): string | undefined {
  if (!stat.isFile()) return `${describeMode(stat.mode)}, not a regular file`;
  if (stat.size > maxBytes) return `${stat.size} bytes; at most ${maxBytes} are read`;
  return undefined;
}

/**
 * The bytes of `path`. `what` names the file in errors ('checkpoint', 'codes', …). The open does
 * not block on a FIFO, and the type and size are checked on the open descriptor, so the file
 * cannot be swapped between the check and the read.
 */
export function readLocalFile(path: string, what: string, maxBytes: number): Uint8Array {
  return readRegularFile(path, maxBytes, `${what} ${escapeControlChars(path)}`);
}

/** `readLocalFile` with the name for messages given (`shown`) and extra open flags. */
export function readRegularFile(path: string, maxBytes: number, shown: string, extraFlags = 0): Uint8Array {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | extraFlags);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new LocalFileError(shown, code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'a directory, not a regular file' : `cannot open (${code ?? 'error'})`);
  }
  try {
    const stat = fstatSync(fd);
    const problem = regularFileProblem(stat, maxBytes);
    if (problem) throw new LocalFileError(shown, problem, stat.size);
    const out = new Uint8Array(stat.size);
    let filled = 0;
    // A file that grows while it is read is read up to the size it had when opened.
    while (filled < out.length) {
      const n = readSync(fd, out, filled, out.length - filled, filled);
      if (n === 0) break;
      filled += n;
    }
    return filled === out.length ? out : out.subarray(0, filled);
  } catch (e) {
    if (e instanceof LocalFileError) throw e;
    throw new LocalFileError(shown, `cannot read (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  } finally {
    closeSync(fd);
  }
}

export function readLocalText(path: string, what: string, maxBytes = MAX_ASSET_TEXT_BYTES): string {
  return new TextDecoder().decode(readLocalFile(path, what, maxBytes));
}
