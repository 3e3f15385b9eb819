/**
 * The studio's own weight format: one little-endian float32 binary (`weights.bin`) plus a JSON
 * manifest (`model.json`) naming every tensor's shape and byte range. Offsets are 16-byte aligned so
 * every tensor is a zero-copy Float32Array view of the binary; reading is JSON.parse + range checks,
 * nothing in either file is ever executed.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { numel, shapeString, type StateDict } from './state-dict.ts';

export const STUDIO_FORMAT = 'nphm-studio-weights';
export const STUDIO_FORMAT_VERSION = 1;
export const STUDIO_ALIGNMENT = 16;
export const STUDIO_MANIFEST_FILE = 'model.json';
export const STUDIO_WEIGHTS_FILE = 'weights.bin';

/** The two state dicts of MonoNPHM, as the original checkpoint names them. */
export const STUDIO_GROUPS = ['id_decoder', 'ex_decoder'] as const;
export type StudioGroup = (typeof STUDIO_GROUPS)[number];

export interface StudioTensorEntry {
  /** `<group>.<state_dict key>`, e.g. `id_decoder.mlp_pos.0.weight`. */
  name: string;
  shape: number[];
  /** Byte offset into the binary (a multiple of 16). */
  offset: number;
  /** Number of float32 elements (= product of shape). */
  length: number;
}

export interface StudioProvenance {
  /** What the weights were made from, e.g. the checkpoint's file name. */
  source?: string;
  sourceSha256?: string;
  /** The checkpoint zip's inner folder name. */
  sourcePrefix?: string;
  epoch?: number;
  converter?: string;
  created?: string;
  [k: string]: unknown;
}

export interface StudioManifest {
  format: typeof STUDIO_FORMAT;
  version: typeof STUDIO_FORMAT_VERSION;
  /** The model config (the original configs.yaml keys, e.g. `decoder.id`, `decoder.ex`). */
  config: Record<string, unknown>;
  weights: { file: string; byteLength: number; sha256: string; dtype: 'float32'; byteOrder: 'little'; alignment: number };
  tensors: StudioTensorEntry[];
  provenance: StudioProvenance;
}

export interface StudioWeights {
  manifest: StudioManifest;
  config: Record<string, unknown>;
  id: StateDict;
  ex: StateDict;
}

export class StudioFormatError extends Error {}

const fail = (msg: string): never => {
  throw new StudioFormatError(`studio weights: ${msg}`);
};

const align = (n: number) => Math.ceil(n / STUDIO_ALIGNMENT) * STUDIO_ALIGNMENT;
const NAME = /^(id_decoder|ex_decoder)\.([A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*)$/;
const MAX_RANK = 8;

/**
 * Lays out `id` and `ex` in one binary and describes them. Returns the manifest object, its JSON
 * text (one tensor per line) and the binary.
 */
export function writeStudioWeights(
  weights: { id: StateDict; ex: StateDict },
  config: Record<string, unknown>,
  provenance: StudioProvenance = {},
): { manifest: StudioManifest; json: string; bin: Uint8Array } {
  const tensors: StudioTensorEntry[] = [];
  let offset = 0;
  const groups: [StudioGroup, StateDict][] = [['id_decoder', weights.id], ['ex_decoder', weights.ex]];
  for (const [group, sd] of groups) {
    for (const [key, t] of sd) {
      const name = `${group}.${key}`;
      if (!NAME.test(name)) fail(`tensor name '${name}' is not a plain dotted name`);
      if (t.data.length !== numel(t.shape)) fail(`tensor '${name}' has ${t.data.length} values for shape ${shapeString(t.shape)}`);
      tensors.push({ name, shape: [...t.shape], offset, length: t.data.length });
      offset = align(offset + 4 * t.data.length);
    }
  }
  const bin = new Uint8Array(offset);
  const dv = new DataView(bin.buffer);
  let i = 0;
  for (const [, sd] of groups) {
    for (const t of sd.values()) {
      const at = tensors[i++]!.offset;
      // Explicit little-endian writes: the file format does not depend on the writer's host.
      for (let k = 0; k < t.data.length; k++) dv.setFloat32(at + 4 * k, t.data[k]!, true);
    }
  }
  const manifest: StudioManifest = {
    format: STUDIO_FORMAT,
    version: STUDIO_FORMAT_VERSION,
    config,
    weights: { file: STUDIO_WEIGHTS_FILE, byteLength: bin.length, sha256: bytesToHex(sha256(bin)), dtype: 'float32', byteOrder: 'little', alignment: STUDIO_ALIGNMENT },
    tensors,
    provenance,
  };
  return { manifest, json: manifestJson(manifest), bin };
}

/** Pretty JSON with one line per tensor (a paper model has ~1 500 of them). */
export function manifestJson(m: StudioManifest): string {
  const { tensors, ...rest } = m;
  const head = JSON.stringify({ ...rest, tensors: '\u0000' }, null, 2);
  return head.replace('"\\u0000"', `[\n${tensors.map((t) => `    ${JSON.stringify(t)}`).join(',\n')}\n  ]`) + '\n';
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/** Checks a parsed manifest's structure (not the binary); throws naming the first problem. */
export function validateManifest(m: unknown): StudioManifest {
  if (!isObject(m)) return fail('manifest is not a JSON object');
  if (m.format !== STUDIO_FORMAT) fail(`manifest format is ${JSON.stringify(m.format)}, expected '${STUDIO_FORMAT}'`);
  if (m.version !== STUDIO_FORMAT_VERSION) fail(`unsupported format version ${JSON.stringify(m.version)} (this build reads version ${STUDIO_FORMAT_VERSION})`);
  if (!isObject(m.config)) fail('manifest.config is not an object');
  if (m.provenance !== undefined && !isObject(m.provenance)) fail('manifest.provenance is not an object');
  const w = m.weights;
  if (!isObject(w)) return fail('manifest.weights is missing');
  if (typeof w.file !== 'string' || !/^[A-Za-z0-9_-][A-Za-z0-9_.-]*$/.test(w.file) || w.file.includes('..')) fail(`manifest.weights.file ${JSON.stringify(w.file)} is not a plain file name`);
  if (!isCount(w.byteLength)) fail(`manifest.weights.byteLength ${JSON.stringify(w.byteLength)} is not a byte count`);
  if (typeof w.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(w.sha256)) fail('manifest.weights.sha256 is not a hex sha256');
  if (w.dtype !== 'float32') fail(`manifest.weights.dtype ${JSON.stringify(w.dtype)} is not 'float32'`);
  if (w.byteOrder !== 'little') fail(`manifest.weights.byteOrder ${JSON.stringify(w.byteOrder)} is not 'little'`);
  if (w.alignment !== STUDIO_ALIGNMENT) fail(`manifest.weights.alignment ${JSON.stringify(w.alignment)} is not ${STUDIO_ALIGNMENT}`);
  const byteLength = w.byteLength as number;
  if (!Array.isArray(m.tensors)) return fail('manifest.tensors is not a list');
  const seen = new Set<string>();
  const ranges: [number, number, string][] = [];
  m.tensors.forEach((t: unknown, i: number) => {
    if (!isObject(t)) return fail(`manifest.tensors[${i}] is not an object`);
    const name = t.name;
    if (typeof name !== 'string' || !NAME.test(name)) return fail(`manifest.tensors[${i}].name ${JSON.stringify(name)} is not '<id_decoder|ex_decoder>.<key>'`);
    if (seen.has(name)) fail(`tensor '${name}' is listed twice`);
    seen.add(name);
    const shape = t.shape;
    if (!Array.isArray(shape) || shape.length > MAX_RANK || !shape.every(isCount)) fail(`tensor '${name}': bad shape ${JSON.stringify(shape)} (expected at most ${MAX_RANK} non-negative integers)`);
    const n = numel(shape as number[]);
    if (!Number.isSafeInteger(n)) fail(`tensor '${name}': shape ${JSON.stringify(shape)} is too large`);
    if (t.length !== n) fail(`tensor '${name}': length ${JSON.stringify(t.length)} does not match shape ${shapeString(shape as number[])} (${n} elements)`);
    if (!isCount(t.offset) || t.offset % STUDIO_ALIGNMENT) fail(`tensor '${name}': offset ${JSON.stringify(t.offset)} is not a multiple of ${STUDIO_ALIGNMENT}`);
    const end = (t.offset as number) + 4 * n;
    if (end > byteLength) fail(`tensor '${name}': bytes ${t.offset as number}..${end} are out of range (the binary has ${byteLength} bytes)`);
    ranges.push([t.offset as number, end, name]);
  });
  ranges.sort((a, b) => a[0] - b[0]);
  for (let i = 1; i < ranges.length; i++) {
    if (ranges[i]![0] < ranges[i - 1]![1]) fail(`tensors '${ranges[i - 1]![2]}' and '${ranges[i]![2]}' overlap`);
  }
  return m as unknown as StudioManifest;
}

export interface ReadStudioOptions {
  /** Check the binary's sha256 against the manifest (default true; ~0.1–0.3 s for a paper model). */
  verifyHash?: boolean;
}

/**
 * Validates `manifest` (parsed JSON or its text) against `bin` and returns the two state dicts as
 * zero-copy views of `bin` (copied once if `bin` is not 4-byte aligned).
 */
export function readStudioWeights(manifest: unknown, bin: Uint8Array, opts: ReadStudioOptions = {}): StudioWeights {
  let parsed = manifest;
  if (typeof manifest === 'string') {
    try {
      parsed = JSON.parse(manifest);
    } catch (e) {
      fail(`manifest is not valid JSON: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  const m = validateManifest(parsed);
  if (bin.length !== m.weights.byteLength) fail(`${m.weights.file} has ${bin.length} bytes, the manifest says ${m.weights.byteLength}`);
  if (opts.verifyHash !== false) {
    const h = bytesToHex(sha256(bin));
    if (h !== m.weights.sha256) fail(`${m.weights.file} sha256 is ${h}, the manifest says ${m.weights.sha256} (corrupt or mismatched file)`);
  }
  const hostLE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
  const aligned = bin.byteOffset % 4 === 0 ? bin : bin.slice();
  const id: StateDict = new Map();
  const ex: StateDict = new Map();
  for (const t of m.tensors) {
    const dot = t.name.indexOf('.');
    let data: Float32Array;
    if (hostLE) data = new Float32Array(aligned.buffer, aligned.byteOffset + t.offset, t.length);
    else {
      const dv = new DataView(aligned.buffer, aligned.byteOffset + t.offset, 4 * t.length);
      data = new Float32Array(t.length);
      for (let k = 0; k < t.length; k++) data[k] = dv.getFloat32(4 * k, true);
    }
    (t.name.slice(0, dot) === 'id_decoder' ? id : ex).set(t.name.slice(dot + 1), { shape: [...t.shape], data });
  }
  return { manifest: m, config: m.config, id, ex };
}
