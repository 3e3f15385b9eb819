/** The codes file of a tracking run (`*.codes.json`): save and validated load. */
import type { CodeSequenceValue } from './values.ts';
import { parseJsonText } from '../../graph/json-text.ts';
import { quoteForMessage } from '../../graph/safe-text.ts';

export const CODES_FORMAT = 'nphm-studio/codes';

export function sequenceToJson(seq: CodeSequenceValue, meta: Record<string, unknown> = {}): string {
  const arr = (a: ArrayLike<number>) => Array.from(a, (x) => Math.fround(x));
  return JSON.stringify({
    format: CODES_FORMAT,
    version: 1,
    ...meta,
    z_geo: arr(seq.zGeo),
    z_app: arr(seq.zApp),
    sh: arr(seq.sh),
    color_a: arr(seq.colorA),
    color_b: arr(seq.colorB),
    frames: seq.frames.map((f) => ({ z_exp: arr(f.zExp), rot: arr(f.rot), trans: arr(f.trans) })),
  });
}

function nums(v: unknown, n: number | undefined, where: string): Float32Array {
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'number' && Number.isFinite(x))) throw new Error(`${where} must be a list of finite numbers`);
  if (n !== undefined && v.length !== n) throw new Error(`${where} has ${v.length} values, expected ${n}`);
  return Float32Array.from(v as number[]);
}

/** Parses and checks a codes file against the model's code sizes. */
export function sequenceFromJson(text: string, sizes: { zGeoDim: number; zAppDim: number; zExpDim: number }, uri: string): CodeSequenceValue {
  const o = parseJsonText(text, quoteForMessage(uri)) as Record<string, unknown>;
  if (!o || o.format !== CODES_FORMAT) throw new Error(`${uri}: not a codes file (format must be '${CODES_FORMAT}')`);
  if (!Array.isArray(o.frames) || o.frames.length === 0) throw new Error(`${uri}: frames must be a non-empty list`);
  return {
    zGeo: nums(o.z_geo, sizes.zGeoDim, `${uri}: z_geo`),
    zApp: nums(o.z_app, sizes.zAppDim, `${uri}: z_app`),
    sh: nums(o.sh, 27, `${uri}: sh`),
    colorA: nums(o.color_a, 9, `${uri}: color_a`),
    colorB: nums(o.color_b, 3, `${uri}: color_b`),
    frames: (o.frames as Record<string, unknown>[]).map((f, i) => ({
      zExp: nums(f?.z_exp, sizes.zExpDim, `${uri}: frames[${i}].z_exp`),
      rot: nums(f?.rot, 3, `${uri}: frames[${i}].rot`),
      trans: nums(f?.trans, 3, `${uri}: frames[${i}].trans`),
    })),
    source: uri,
  };
}
