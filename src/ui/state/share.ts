/**
 * Share links: the canonical graph text, deflated and base64url-encoded into the URL hash
 * (`#g=…`), when it fits. Nothing leaves the machine: the link carries the whole graph.
 */
import { deflateSync, inflateSync, strFromU8, strToU8 } from 'fflate';

export const SHARE_PREFIX = 'g=';
/** Links longer than this are refused: some chat tools and servers truncate long URLs. */
export const MAX_SHARE_CHARS = 8192;
const MAX_INFLATED = 4 * 1024 * 1024;

export function toBase64Url(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export function fromBase64Url(text: string): Uint8Array {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) throw new Error('the link contains characters that are not base64url');
  const b = atob(text.replace(/-/g, '+').replace(/_/g, '/') + '==='.slice((text.length + 3) % 4));
  const out = new Uint8Array(b.length);
  for (let i = 0; i < b.length; i++) out[i] = b.charCodeAt(i);
  return out;
}

/** The hash fragment (without '#') for a graph's text, or undefined when it is too long. */
export function encodeShare(graphText: string): string | undefined {
  const hash = SHARE_PREFIX + toBase64Url(deflateSync(strToU8(graphText), { level: 9 }));
  return hash.length <= MAX_SHARE_CHARS ? hash : undefined;
}

/** The graph text in a hash fragment, undefined when the hash is not a share link; throws when it is corrupt. */
export function decodeShare(hash: string): string | undefined {
  const h = hash.startsWith('#') ? hash.slice(1) : hash;
  if (!h.startsWith(SHARE_PREFIX)) return undefined;
  let bytes: Uint8Array;
  try {
    bytes = inflateSync(fromBase64Url(h.slice(SHARE_PREFIX.length)));
  } catch (e) {
    throw new Error(`the share link is damaged (${e instanceof Error ? e.message : String(e)})`);
  }
  if (bytes.length > MAX_INFLATED) throw new Error('the share link expands to more than 4 MB');
  return strFromU8(bytes);
}
