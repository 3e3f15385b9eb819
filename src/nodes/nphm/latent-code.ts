import { defineNode } from '../contract.ts';
import { codesOfFrame, parseCodesJson, statCodes, zeroCodes } from './codes.ts';
import type { CodeSequenceValue, LatentValue, ModelValue } from './values.ts';
import { parseJsonText } from '../../graph/json-text.ts';
import { quoteForMessage } from '../../graph/safe-text.ts';

export const latentCodeNode = defineNode({
  type: 'nphm.latentCode',
  typeVersion: 1,
  title: 'LatentCode',
  category: 'Latent',
  description: 'Identity (z_geo), appearance (z_app) and expression (z_exp) codes: zero (the mean face), the latent mean, random from the model\'s latent statistics, from a codes file, or a frame of a tracking result.',
  inputs: {
    model: { type: 'model', description: 'fixes the code sizes and the latent statistics' },
    sequence: { type: 'codeSequence', description: 'a tracking result (mode "tracked")', optional: true },
  },
  outputs: { codes: { type: 'latent', description: 'the codes' } },
  params: {
    mode: { type: 'enum', default: 'zero', options: ['zero', 'mean', 'random', 'file', 'tracked'], description: 'where the codes come from' },
    seed: { type: 'number', default: 0, integer: true, min: 0, max: 2 ** 31 - 1, description: 'random seed (mode random)' },
    spread: { type: 'number', default: 0.85, min: 0, max: 3, step: 0.05, description: 'z = μ + spread·σ·ε (NPHM uses 0.85)' },
    uri: { type: 'file', default: '', accept: ['.json'], description: 'codes file {z_geo, z_app, z_exp} (mode file)' },
    frame: { type: 'number', default: 0, integer: true, min: 0, max: 100000, description: 'frame of the tracking result (mode tracked)' },
    keepIdentity: { type: 'boolean', default: true, description: 'use z_geo (otherwise zero)' },
    keepAppearance: { type: 'boolean', default: true, description: 'use z_app (otherwise zero)' },
    keepExpression: { type: 'boolean', default: true, description: 'use z_exp (otherwise zero: neutral)' },
  },
  run: async (inputs, p, ctx) => {
    const m = inputs.model as ModelValue;
    let codes: LatentValue;
    switch (p.mode) {
      case 'mean':
      case 'random':
        if (!m.stats) ctx.log('the model has no latent statistics: mean = 0, spread 0.02');
        codes = statCodes(m, p.mode, p.seed as number, p.spread as number);
        break;
      case 'file': {
        if (!p.uri) throw new Error('mode "file" needs a codes file (uri)');
        const text = await ctx.assets.readText(p.uri as string);
        const raw = parseJsonText(text, quoteForMessage(p.uri as string));
        codes = parseCodesJson(raw, m.model, p.uri as string);
        break;
      }
      case 'tracked': {
        const seq = inputs.sequence as CodeSequenceValue | undefined;
        if (!seq) throw new Error('mode "tracked" needs a tracking result on the sequence input');
        codes = codesOfFrame(seq, p.frame as number);
        break;
      }
      default:
        codes = zeroCodes(m.model);
    }
    const zero = zeroCodes(m.model);
    return {
      codes: {
        zGeo: p.keepIdentity ? codes.zGeo : zero.zGeo,
        zApp: p.keepAppearance ? codes.zApp : zero.zApp,
        zExp: p.keepExpression ? codes.zExp : zero.zExp,
      } satisfies LatentValue,
    };
  },
  preview: (o, _p, inputs) => {
    const c = o.codes as LatentValue;
    const glob = Math.min(64, c.zGeo.length);
    const values = Float32Array.from([...c.zGeo.subarray(0, glob), ...c.zExp]);
    const stats = (inputs.model as ModelValue | undefined)?.stats;
    if (!stats || stats.geo.mean.length < glob || stats.exp.mean.length !== c.zExp.length) return { kind: 'vector', values, caption: `z_geo[0:${glob}] | z_exp (${c.zExp.length})` };
    // Each element against the spread of the model's training codes: μ ± σ.
    const mean = [...stats.geo.mean.subarray(0, glob), ...stats.exp.mean], std = [...stats.geo.std.subarray(0, glob), ...stats.exp.std];
    const lo = Float32Array.from(mean, (m, i) => m - std[i]!), hi = Float32Array.from(mean, (m, i) => m + std[i]!);
    const outside = values.reduce((k, v, i) => k + (v < lo[i]! || v > hi[i]! ? 1 : 0), 0);
    return { kind: 'vector', values, bands: { lo, hi }, caption: `z_geo[0:${glob}] | z_exp (${c.zExp.length}) · ${outside} outside μ ± σ` };
  },
});
