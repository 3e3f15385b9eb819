/** Latent code helpers for nodes: zero/mean/random codes, file parsing, interpolation. */
import { Rng } from '../../graph/rng.ts';
import type { NphmModel } from '../../nphm/model.ts';
import type { CodeSequenceValue, LatentValue, ModelValue } from './values.ts';

export function zeroCodes(model: NphmModel): LatentValue {
  const s = model.sizes;
  return { zGeo: new Float32Array(s.zGeoDim), zApp: new Float32Array(s.zAppDim), zExp: new Float32Array(s.zExpDim) };
}

/** Seeded standard normals, identical in the worker and in Node. */
export function seededNormals(n: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: n }, () => rng.normal());
}

export type CodePart = 'geo' | 'app' | 'exp';

/**
 * Mean or random codes from the model's latent statistics (NPHM samples z = μ + 0.85·σ·ε). Without
 * statistics the mean is zero and the spread a small isotropic one, and the node says so.
 */
export function statCodes(m: ModelValue, mode: 'mean' | 'random', seed: number, spread: number): LatentValue {
  const out = zeroCodes(m.model);
  const parts: [CodePart, Float32Array][] = [['geo', out.zGeo], ['app', out.zApp], ['exp', out.zExp]];
  parts.forEach(([k, z], i) => {
    const st = m.stats?.[k];
    const eps = mode === 'random' ? seededNormals(z.length, seed * 3 + i) : undefined;
    for (let j = 0; j < z.length; j++) z[j] = (st?.mean[j] ?? 0) + (eps ? spread * (st ? st.std[j]! : 0.02) * eps[j]! : 0);
  });
  return out;
}

function codeArray(v: unknown, n: number, what: string): Float32Array {
  const flat = Array.isArray(v) && Array.isArray(v[0]) ? (v as unknown[][]).flat() : v;
  if (!Array.isArray(flat) || !flat.every((x) => typeof x === 'number' && Number.isFinite(x))) throw new Error(`${what} must be a list of finite numbers`);
  if (flat.length !== n) throw new Error(`${what} has ${flat.length} values, the model expects ${n}`);
  return Float32Array.from(flat as number[]);
}

/** A codes file {z_geo?, z_app?, z_exp?} (each optional: zeros when absent), checked against the model. */
export function parseCodesJson(raw: unknown, model: NphmModel, uri: string): LatentValue {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new Error(`${uri}: expected a JSON object with z_geo, z_app, z_exp`);
  const o = raw as Record<string, unknown>;
  const z = zeroCodes(model);
  if (o.z_geo !== undefined) z.zGeo = codeArray(o.z_geo, z.zGeo.length, `${uri}: z_geo`);
  if (o.z_app !== undefined) z.zApp = codeArray(o.z_app, z.zApp.length, `${uri}: z_app`);
  if (o.z_exp !== undefined) z.zExp = codeArray(o.z_exp, z.zExp.length, `${uri}: z_exp`);
  return z;
}

/** Codes of frame `f` of a tracking result. */
export function codesOfFrame(seq: CodeSequenceValue, f: number): LatentValue {
  const fr = seq.frames[Math.max(0, Math.min(seq.frames.length - 1, f))];
  if (!fr) throw new Error('the code sequence has no frames');
  return { zGeo: seq.zGeo, zApp: seq.zApp, zExp: fr.zExp };
}

/** Bilinear blend of four codes at (x, y) ∈ [0,1]²: a at (0,0), b at (1,0), c at (0,1), d at (1,1). */
export function bilinear(a: Float32Array, b: Float32Array, c: Float32Array, d: Float32Array, x: number, y: number): Float32Array {
  if (a.length !== b.length || a.length !== c.length || a.length !== d.length) throw new Error(`cannot blend codes of sizes ${a.length}, ${b.length}, ${c.length}, ${d.length}`);
  const out = new Float32Array(a.length);
  const [wa, wb, wc, wd] = [(1 - x) * (1 - y), x * (1 - y), (1 - x) * y, x * y];
  for (let i = 0; i < a.length; i++) out[i] = wa * a[i]! + wb * b[i]! + wc * c[i]! + wd * d[i]!;
  return out;
}
