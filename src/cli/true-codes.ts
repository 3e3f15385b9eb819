/**
 * The true codes a model-rendered sequence records (`nphm synth model-video`: sequence.json
 * `codes` and each frame's `codes.z_exp`), and how far tracked codes are from them.
 */
import type { AssetReader } from '../graph/runtime-types.ts';
import type { CodeSequenceValue, VideoValue } from '../nodes/nphm/values.ts';
import { parseJsonText } from '../graph/json-text.ts';
import { quoteForMessage } from '../graph/safe-text.ts';

export interface TrueCodes {
  zGeo: Float32Array;
  zApp: Float32Array;
  /** Per frame of the video (after its range and stride). */
  zExp: Float32Array[];
}

const nums = (v: unknown): Float32Array | null => (Array.isArray(v) && v.every((x) => typeof x === 'number' && Number.isFinite(x)) ? Float32Array.from(v as number[]) : null);

/** The true codes of a video's frames, or null when its manifest records none (procedural sequences). */
export async function readTrueCodes(video: VideoValue, assets: AssetReader): Promise<TrueCodes | null> {
  const m = parseJsonText(await assets.readText(video.name), quoteForMessage(video.name)) as { codes?: { z_geo?: unknown; z_app?: unknown }; frames?: { codes?: { z_exp?: unknown } }[] };
  const zGeo = nums(m.codes?.z_geo), zApp = nums(m.codes?.z_app);
  if (!zGeo || !zApp) return null;
  const zExp = video.frameIndex.map((i) => nums(m.frames?.[i]?.codes?.z_exp));
  if (zExp.some((z) => !z)) throw new Error(`${video.name}: some frames have no codes.z_exp`);
  return { zGeo, zApp, zExp: zExp as Float32Array[] };
}

const rms = (a: ArrayLike<number>) => Math.sqrt(Array.from(a).reduce((s, x) => s + x * x, 0) / Math.max(1, a.length));
const relErr = (a: ArrayLike<number>, b: ArrayLike<number>) => rms(Array.from(a, (x, i) => x - b[i]!)) / Math.max(1e-12, rms(b));

/** RMS code error relative to the true code's RMS: 0 is exact, 1 is as far as the zero code. */
export function expressionErrors(seq: CodeSequenceValue, truth: TrueCodes): { geo: number; app: number; exp: number[] } {
  return { geo: relErr(seq.zGeo, truth.zGeo), app: relErr(seq.zApp, truth.zApp), exp: seq.frames.map((f, i) => relErr(f.zExp, truth.zExp[i]!)) };
}
