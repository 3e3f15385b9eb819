/**
 * The named parameters of the procedural head family. Every parameter has a range, a neutral value
 * (the mean head) and a meaning; distances are in model units (1 unit = 25 cm, so 0.004 = 1 mm).
 */
import { Rng } from '../graph/rng.ts';

export interface ParamSpec {
  name: string;
  min: number;
  max: number;
  /** Value of the mean head / neutral expression / default appearance. */
  neutral: number;
  meaning: string;
}

export const IDENTITY_PARAMS: readonly ParamSpec[] = [
  { name: 'headWidth', min: -1, max: 1, neutral: 0, meaning: 'cranium and face width ×(1 ± 0.06)' },
  { name: 'headLength', min: -1, max: 1, neutral: 0, meaning: 'cranium front-to-back depth ×(1 ± 0.06)' },
  { name: 'headHeight', min: -1, max: 1, neutral: 0, meaning: 'cranium height ×(1 ± 0.05)' },
  { name: 'faceLength', min: -1, max: 1, neutral: 0, meaning: 'mouth, jaw and chin moved down by up to 0.03 (7.5 mm)' },
  { name: 'jawWidth', min: -1, max: 1, neutral: 0, meaning: 'jaw angles moved outwards by up to 0.03' },
  { name: 'chinProtrusion', min: -1, max: 1, neutral: 0, meaning: 'chin moved forwards by up to 0.025' },
  { name: 'cheekFullness', min: -1, max: 1, neutral: 0, meaning: 'cheek volumes ×(1 ± 0.15)' },
  { name: 'noseLength', min: -1, max: 1, neutral: 0, meaning: 'nose tip moved down by up to 0.025' },
  { name: 'noseWidth', min: -1, max: 1, neutral: 0, meaning: 'nostril wings moved outwards by up to 0.012 and ×(1 ± 0.15)' },
  { name: 'noseProjection', min: -1, max: 1, neutral: 0, meaning: 'nose tip and bridge moved forwards by up to 0.025' },
  { name: 'eyeSpacing', min: -1, max: 1, neutral: 0, meaning: 'eyes moved apart by up to 0.012 each' },
  { name: 'eyeSize', min: -1, max: 1, neutral: 0, meaning: 'eye opening ×(1 ± 0.15)' },
  { name: 'browRidge', min: -1, max: 1, neutral: 0, meaning: 'brow ridge moved forwards by up to 0.015' },
  { name: 'earSize', min: -1, max: 1, neutral: 0, meaning: 'ears ×(1 ± 0.15)' },
  { name: 'earProtrusion', min: -1, max: 1, neutral: 0, meaning: 'ears turned out by 0.15 ± 0.15 rad' },
  { name: 'lipFullness', min: -1, max: 1, neutral: 0, meaning: 'lip thickness and projection ×(1 ± 0.2)' },
  { name: 'mouthWidth', min: -1, max: 1, neutral: 0, meaning: 'lips and mouth slit width ×(1 ± 0.12)' },
  { name: 'neckWidth', min: -1, max: 1, neutral: 0, meaning: 'neck radii ×(1 ± 0.1)' },
  { name: 'hairVolume', min: 0, max: 1, neutral: 0.5, meaning: 'hair cap thickness 0.006 … 0.05 over the cranium' },
];

export const EXPRESSION_PARAMS: readonly ParamSpec[] = [
  { name: 'jawOpen', min: 0, max: 1, neutral: 0, meaning: 'lower face rotated down about an effective hinge axis (x-axis through y = −0.3, z = −0.35) by 0 … 0.2 rad; opens the lips onto the mouth interior' },
  { name: 'smile', min: 0, max: 1, neutral: 0, meaning: 'mouth corners up (0.025), out (0.02) and back; cheeks raised' },
  { name: 'pucker', min: 0, max: 1, neutral: 0, meaning: 'lips pushed forwards (0.035) and narrowed (by up to 30 %)' },
  { name: 'browRaise', min: 0, max: 1, neutral: 0, meaning: 'both brows and forehead skin raised by 0.025' },
  { name: 'frown', min: 0, max: 1, neutral: 0, meaning: 'inner brows pulled down (0.015) and together (0.01)' },
  { name: 'eyeCloseL', min: 0, max: 1, neutral: 0, meaning: "subject's left (+x) eyelids closed (1 = shut)" },
  { name: 'eyeCloseR', min: 0, max: 1, neutral: 0, meaning: "subject's right (−x) eyelids closed (1 = shut)" },
  { name: 'cheekPuff', min: 0, max: 1, neutral: 0, meaning: 'cheeks beside the mouth pushed outwards by 0.03 and forwards by 0.015' },
  { name: 'sneer', min: 0, max: 1, neutral: 0, meaning: 'upper lip and nostril wings raised by 0.015' },
  { name: 'mouthSide', min: -1, max: 1, neutral: 0, meaning: "lips shifted towards the subject's left (+x) by up to 0.02" },
];

export const APPEARANCE_PARAMS: readonly ParamSpec[] = [
  { name: 'skinTone', min: 0, max: 1, neutral: 0.35, meaning: 'skin lightness: 0 very light … 1 very dark' },
  { name: 'skinWarmth', min: -1, max: 1, neutral: 0, meaning: 'skin hue: −1 olive/cool … +1 warm/red' },
  { name: 'lipTint', min: 0, max: 1, neutral: 0.5, meaning: 'lip redness and contrast to the skin' },
  { name: 'hairLightness', min: 0, max: 1, neutral: 0.2, meaning: 'hair: 0 black … 1 blond' },
  { name: 'hairWarmth', min: 0, max: 1, neutral: 0.3, meaning: 'hair: 0 ash … 1 red' },
  { name: 'browDarkness', min: 0, max: 1, neutral: 0.6, meaning: 'eyebrow contrast to the skin' },
  { name: 'irisColour', min: 0, max: 1, neutral: 0.2, meaning: 'iris: 0 dark brown … 0.5 green … 1 blue' },
  { name: 'shadingVariation', min: 0, max: 1, neutral: 0.4, meaning: 'amplitude of low-frequency skin blotches (and of the hair-strand contrast)' },
  { name: 'blush', min: 0, max: 1, neutral: 0.3, meaning: 'redness on cheeks and nose' },
];

export type ParamValues = Record<string, number>;

export interface HeadParams {
  identity: ParamValues;
  expression: ParamValues;
  appearance: ParamValues;
}

function neutralOf(specs: readonly ParamSpec[]): ParamValues {
  const out: ParamValues = {};
  for (const s of specs) out[s.name] = s.neutral;
  return out;
}

export function meanParams(): HeadParams {
  return { identity: neutralOf(IDENTITY_PARAMS), expression: neutralOf(EXPRESSION_PARAMS), appearance: neutralOf(APPEARANCE_PARAMS) };
}

/** Fills missing names with neutral values; throws on unknown names or out-of-range values. */
export function completeParams(p: Partial<{ identity: ParamValues; expression: ParamValues; appearance: ParamValues }>): HeadParams {
  const fill = (group: string, specs: readonly ParamSpec[], given: ParamValues | undefined): ParamValues => {
    const out = neutralOf(specs);
    for (const [k, v] of Object.entries(given ?? {})) {
      const s = specs.find((q) => q.name === k);
      if (!s) throw new Error(`unknown ${group} parameter '${k}' (expected one of ${specs.map((q) => q.name).join(', ')})`);
      if (!(v >= s.min - 1e-9 && v <= s.max + 1e-9)) throw new Error(`${group}.${k} = ${v} is outside [${s.min}, ${s.max}]`);
      out[k] = v;
    }
    return out;
  };
  return {
    identity: fill('identity', IDENTITY_PARAMS, p.identity),
    expression: fill('expression', EXPRESSION_PARAMS, p.expression),
    appearance: fill('appearance', APPEARANCE_PARAMS, p.appearance),
  };
}

/** Random identity: truncated normal around the mean (σ = spread · half-range). */
export function randomIdentity(rng: Rng, spread = 0.5): ParamValues {
  const out: ParamValues = {};
  for (const s of IDENTITY_PARAMS) {
    const half = (s.max - s.min) / 2;
    const v = s.neutral + spread * half * rng.normal();
    out[s.name] = Math.min(s.max, Math.max(s.min, v));
  }
  return out;
}

/** Random expression: each unit is active with probability `p`, then uniform in its range. */
export function randomExpression(rng: Rng, p = 0.4): ParamValues {
  const out: ParamValues = {};
  for (const s of EXPRESSION_PARAMS) {
    const on = rng.next() < p;
    const v = rng.uniform(s.min, s.max);
    out[s.name] = on ? v : s.neutral;
  }
  return out;
}

export function randomAppearance(rng: Rng): ParamValues {
  const out: ParamValues = {};
  for (const s of APPEARANCE_PARAMS) out[s.name] = rng.uniform(s.min, s.max);
  return out;
}
