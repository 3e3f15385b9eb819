import { readFile } from 'node:fs/promises';
import { isAbsolute, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AssetReader } from '../graph/runtime-types.ts';

/** The studio's `public/` folder: where `models/default/…` and `samples/…` live. */
export const PUBLIC_DIR = fileURLToPath(new URL('../../public/', import.meta.url));

/**
 * Assets for headless runs. A URI is looked up in each root in turn (the graph file's folder, the
 * working directory, the studio's public folder). Files outside the roots are refused, so a shared
 * graph cannot make the CLI read arbitrary files of the machine.
 */
export function nodeAssetReader(roots: readonly string[]): AssetReader {
  const absRoots = roots.map((r) => resolve(r));
  const locate = (uri: string): string[] => {
    if (/^[a-z][a-z0-9+.-]*:/i.test(uri) && !/^[a-z]:[\\/]/i.test(uri)) throw new Error(`asset '${uri}': only local paths are supported headless`);
    const candidates = isAbsolute(uri) ? [resolve(uri)] : absRoots.map((r) => resolve(r, uri));
    const inside = candidates.filter((c) => absRoots.some((r) => !relative(r, c).startsWith(`..`) && !isAbsolute(relative(r, c))));
    if (!inside.length) throw new Error(`asset '${uri}' is outside the allowed folders (${absRoots.join(', ')})`);
    return inside;
  };
  const read = async (uri: string): Promise<Buffer> => {
    const errors: string[] = [];
    for (const p of locate(uri)) {
      try {
        return await readFile(p);
      } catch (e) {
        errors.push(`${p}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
      }
    }
    throw new Error(`asset '${uri}' not found (${errors.join('; ')})`);
  };
  return {
    read: async (uri) => {
      const b = await read(uri);
      return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
    },
    readText: async (uri) => (await read(uri)).toString('utf8'),
  };
}

