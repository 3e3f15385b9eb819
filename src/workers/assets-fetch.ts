import type { AssetReader } from '../graph/runtime-types.ts';
import { quoteForMessage } from '../graph/safe-text.ts';
import { MAX_ASSET_BYTES, MAX_ASSET_TEXT_BYTES } from '../graph/asset-limits.ts';
import { readCappedBody } from '../graph/capped-response.ts';

/**
 * Assets in the worker: same-origin URLs relative to the studio's base (e.g.
 * `models/default/model.json`), and `blob:` URLs of files the user dropped. Other origins are
 * refused: the studio works offline and a shared graph must not make it fetch elsewhere. The size
 * caps of the CLI's reader hold here too: a dropped file's size and a response's length are
 * checked before its body is read, and a body without a length is read only up to the cap.
 */
export function fetchAssetReader(base: string, registered: Map<string, Blob> = new Map()): AssetReader {
  const url = (uri: string): URL => {
    const u = new URL(uri, base);
    if (u.protocol !== 'blob:' && u.origin !== new URL(base).origin) throw new Error(`asset ${quoteForMessage(uri)} is on another origin; the studio only reads its own files and files you drop`);
    return u;
  };
  const get = async (uri: string, cap: number): Promise<Uint8Array> => {
    const shown = quoteForMessage(uri);
    const tooLarge = (n: number | string) => new Error(`asset ${shown} is ${n} bytes; at most ${cap} are read`);
    const dropped = registered.get(uri);
    if (dropped) {
      if (dropped.size > cap) throw tooLarge(dropped.size);
      return new Uint8Array(await dropped.arrayBuffer());
    }
    const res = await fetch(url(uri));
    if (!res.ok) throw new Error(`asset ${shown}: ${res.status} ${res.statusText}`);
    return readCappedBody(res, cap, `asset ${shown}`);
  };
  return {
    read: (uri, opts) => get(uri, Math.min(MAX_ASSET_BYTES, opts?.maxBytes ?? Infinity)),
    readText: async (uri, opts) => new TextDecoder().decode(await get(uri, Math.min(MAX_ASSET_TEXT_BYTES, opts?.maxBytes ?? Infinity))),
  };
}
