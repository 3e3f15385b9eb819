import { constants, realpathSync } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AssetReader } from '../graph/runtime-types.ts';
import { quoteForMessage } from '../graph/safe-text.ts';
import { readRegularFile } from './local-files.ts';
import { MAX_ASSET_BYTES, MAX_ASSET_TEXT_BYTES } from '../graph/asset-limits.ts';

/** The studio's `public/` folder: where `models/default/…` and `samples/…` live. */
export const PUBLIC_DIR = fileURLToPath(new URL('../../public/', import.meta.url));

export interface NodeAssetLimits {
  /** Largest file `read` returns (weights, checkpoints, videos). */
  maxBytes?: number;
  /** Largest file `readText` returns (manifests, configs, codes). */
  maxTextBytes?: number;
}

class AssetError extends Error {}

const isInside = (root: string, p: string): boolean => {
  const rel = relative(root, p);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
};

/**
 * Assets for headless runs. A URI is looked up in each root in turn (the graph file's folder and
 * the studio's public folder, plus folders the user named; the working directory is not one).
 * Candidates and roots are compared after resolving symlinks, so a link in a graph's folder cannot
 * reach the rest of the machine; only regular files up to a size cap are read (a FIFO would hang the run,
 * `/dev/zero` would fill the memory), and errors name the URI and the problem, never the contents.
 */
export function nodeAssetReader(roots: readonly string[], limits: NodeAssetLimits = {}): AssetReader {
  const realRoots: string[] = [];
  for (const r of roots) {
    try {
      const real = realpathSync(resolve(r));
      if (!realRoots.includes(real)) realRoots.push(real);
    } catch {
      // A root that does not exist holds no assets.
    }
  }
  const allowed = (real: string) => realRoots.some((r) => isInside(r, real));
  const maxBytes = limits.maxBytes ?? MAX_ASSET_BYTES;
  const maxText = limits.maxTextBytes ?? MAX_ASSET_TEXT_BYTES;

  const candidates = (uri: string): string[] => {
    const shown = quoteForMessage(uri);
    if (/^[a-z][a-z0-9+.-]*:/i.test(uri) && !/^[a-z]:[\\/]/i.test(uri)) throw new AssetError(`asset ${shown}: only local paths are supported headless`);
    if (uri.includes('\0')) throw new AssetError(`asset ${shown}: the path holds a NUL character`);
    if (uri === '') throw new AssetError('asset URI is empty');
    return isAbsolute(uri) ? [resolve(uri)] : realRoots.map((r) => resolve(r, uri));
  };

  const read = (uri: string, cap: number): Uint8Array => {
    const shown = quoteForMessage(uri);
    const tried: string[] = [];
    let outside = false;
    for (const c of candidates(uri)) {
      let real: string;
      try {
        real = realpathSync(c);
      } catch (e) {
        tried.push((e as NodeJS.ErrnoException).code ?? 'error');
        continue;
      }
      if (!allowed(real)) {
        outside = true;
        continue;
      }
      return readRegularFile(real, cap, `asset ${shown}`, constants.O_NOFOLLOW ?? 0);
    }
    if (outside) throw new AssetError(`asset ${shown} resolves outside the allowed folders (${realRoots.map((r) => quoteForMessage(r)).join(', ')})`);
    if (isAbsolute(uri)) throw new AssetError(`asset ${shown} is outside the allowed folders (${realRoots.map((r) => quoteForMessage(r)).join(', ')})`);
    throw new AssetError(`asset ${shown} not found in ${realRoots.map((r) => quoteForMessage(r)).join(', ')}${tried.some((t) => t !== 'ENOENT') ? ` (${[...new Set(tried)].join(', ')})` : ''}`);
  };

  return {
    read: async (uri, opts) => read(uri, Math.min(maxBytes, opts?.maxBytes ?? Infinity)),
    readText: async (uri, opts) => new TextDecoder().decode(read(uri, Math.min(maxText, opts?.maxBytes ?? Infinity))),
  };
}
