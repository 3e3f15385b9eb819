import type { AssetReader } from '../graph/runtime-types.ts';

/**
 * Assets in the worker: same-origin URLs relative to the studio's base (e.g.
 * `models/default/model.json`), and `blob:` URLs of files the user dropped. Other origins are
 * refused: the studio works offline and a shared graph must not make it fetch elsewhere.
 */
export function fetchAssetReader(base: string, registered: Map<string, Blob> = new Map()): AssetReader {
  const url = (uri: string): URL => {
    const u = new URL(uri, base);
    if (u.protocol !== 'blob:' && u.origin !== new URL(base).origin) throw new Error(`asset '${uri}' is on another origin; the studio only reads its own files and files you drop`);
    return u;
  };
  const get = async (uri: string): Promise<Response> => {
    const dropped = registered.get(uri);
    if (dropped) return new Response(dropped);
    const res = await fetch(url(uri));
    if (!res.ok) throw new Error(`asset '${uri}': ${res.status} ${res.statusText}`);
    return res;
  };
  return {
    read: async (uri) => new Uint8Array(await (await get(uri)).arrayBuffer()),
    readText: async (uri) => (await get(uri)).text(),
  };
}
