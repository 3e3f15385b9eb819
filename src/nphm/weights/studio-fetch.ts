/**
 * Loads studio weights over `fetch` (browser, worker, or Node ≥ 18): `model.json`, then the binary
 * it names, resolved relative to the manifest's URL.
 */
import { MAX_ASSET_TEXT_BYTES } from '../../graph/asset-limits.ts';
import { readCappedBody } from '../../graph/capped-response.ts';
import { parseJsonText } from '../../graph/json-text.ts';
import { readStudioWeights, STUDIO_MANIFEST_FILE, validateManifest, type ReadStudioOptions, type StudioWeights } from './studio-format.ts';

export interface FetchStudioOptions extends ReadStudioOptions {
  fetch?: typeof fetch;
  signal?: AbortSignal;
}

/** `url` is the manifest's URL, or a folder URL ending in '/' (then `model.json` inside it). */
export async function fetchStudioWeights(url: string | URL, opts: FetchStudioOptions = {}): Promise<StudioWeights> {
  const get = opts.fetch ?? fetch;
  const base = typeof url === 'string' ? new URL(url, globalThis.location?.href) : url;
  const manifestUrl = base.pathname.endsWith('/') ? new URL(STUDIO_MANIFEST_FILE, base) : base;
  const res = await get(manifestUrl, { signal: opts.signal });
  if (!res.ok) throw new Error(`studio weights: GET ${manifestUrl} failed: ${res.status} ${res.statusText}`);
  const text = new TextDecoder().decode(await readCappedBody(res, MAX_ASSET_TEXT_BYTES, `studio weights: ${manifestUrl}`));
  const manifest = validateManifest(parseJsonText(text, `studio weights: ${manifestUrl}`));
  const binUrl = new URL(manifest.weights.file, manifestUrl);
  const binRes = await get(binUrl, { signal: opts.signal });
  if (!binRes.ok) throw new Error(`studio weights: GET ${binUrl} failed: ${binRes.status} ${binRes.statusText}`);
  // The manifest says how large the binary is: nothing larger is read.
  const bin = await readCappedBody(binRes, manifest.weights.byteLength, `studio weights: ${binUrl}`);
  return readStudioWeights(manifest, bin, opts);
}
