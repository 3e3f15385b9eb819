import { defineNode } from '../contract.ts';
import { bilinear } from './codes.ts';
import type { LatentValue } from './values.ts';

export const latentInterpolateNode = defineNode({
  type: 'nphm.latentInterpolate',
  typeVersion: 1,
  title: 'LatentInterpolate',
  category: 'Latent',
  description: 'Bilinear interpolation over four corner codes with a 2-D cursor (as on the MonoNPHM project page): a at (0,0), b at (1,0), c at (0,1), d at (1,1).',
  inputs: {
    a: { type: 'latent', description: 'corner (0, 0)' },
    b: { type: 'latent', description: 'corner (1, 0)' },
    c: { type: 'latent', description: 'corner (0, 1)' },
    d: { type: 'latent', description: 'corner (1, 1)' },
  },
  outputs: { codes: { type: 'latent', description: 'the blended codes' } },
  params: {
    cursorX: { type: 'number', default: 0.5, min: 0, max: 1, step: 0.01, description: 'horizontal cursor position' },
    cursorY: { type: 'number', default: 0.5, min: 0, max: 1, step: 0.01, description: 'vertical cursor position' },
    blend: { type: 'enum', default: 'all', options: ['all', 'identity', 'appearance', 'expression'], description: 'which codes to blend; the others are taken from corner a' },
  },
  run: (inputs, p) => {
    const [a, b, c, d] = (['a', 'b', 'c', 'd'] as const).map((k) => inputs[k] as LatentValue) as [LatentValue, LatentValue, LatentValue, LatentValue];
    const x = p.cursorX as number, y = p.cursorY as number;
    const mix = (k: keyof LatentValue, part: string) => (p.blend === 'all' || p.blend === part ? bilinear(a[k], b[k], c[k], d[k], x, y) : a[k]);
    return { codes: { zGeo: mix('zGeo', 'identity'), zApp: mix('zApp', 'appearance'), zExp: mix('zExp', 'expression') } satisfies LatentValue };
  },
  preview: (o) => {
    const c = o.codes as LatentValue;
    return { kind: 'vector', values: c.zGeo.slice(0, Math.min(64, c.zGeo.length)), caption: 'blended z_geo (global part)' };
  },
});
