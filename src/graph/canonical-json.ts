import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';

/**
 * JSON with a stable key order at every level, so equal documents serialise to equal bytes:
 * files diff well and hashes are reproducible across machines and sessions.
 */
export function canonicalize(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonicalize);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[k];
      if (v !== undefined) out[k] = canonicalize(v);
    }
    return out;
  }
  if (typeof value === 'number' && !Number.isFinite(value)) {
    throw new Error(`cannot serialise the non-finite number ${value}`);
  }
  return value;
}

export function canonicalStringify(value: unknown, indent?: number): string {
  return JSON.stringify(canonicalize(value), null, indent);
}

export function sha256Hex(text: string | Uint8Array): string {
  return bytesToHex(sha256(typeof text === 'string' ? utf8ToBytes(text) : text));
}

/** Content hash of any JSON value: sha256 of its canonical serialisation. */
export function contentHash(value: unknown): string {
  return sha256Hex(canonicalStringify(value));
}
