import * as tf from '@tensorflow/tfjs-core';
import { defineNode } from '../contract.ts';
import { withCodes } from '../../track/state-render.ts';
import { slicePoints, type SlicePlane } from './fields.ts';
import type { FieldValue, LatentValue, ModelValue } from './values.ts';

export const deformFieldNode = defineNode({
  type: 'nphm.deformField',
  typeVersion: 1,
  title: 'DeformField',
  category: 'Fields',
  description: 'The backward deformation: posed point → canonical point x + Δ(x) plus 2 hyper-coordinates, conditioned on the compressed identity and the expression code. The preview colours a slice by its canonical coordinates, as in the paper\'s deformation-consistency figure: the same colour marks the same canonical point across expressions.',
  inputs: {
    model: { type: 'model', description: 'the head model' },
    codes: { type: 'latent', description: 'identity and expression codes' },
  },
  outputs: { field: { type: 'field', description: 'the deformation (with the SDF it feeds)' } },
  params: {
    slice: { type: 'enum', default: 'sagittal', options: ['sagittal', 'coronal', 'axial'], description: 'preview slice plane' },
    sliceOffset: { type: 'number', default: 0, min: -0.6, max: 0.6, step: 0.01, description: 'preview slice position' },
    show: { type: 'enum', default: 'canonical', options: ['canonical', 'displacement', 'hyper'], description: 'canonical coordinates as RGB, |Δ|, or the hyper-coordinates' },
  },
  run: (inputs) => ({ field: { kind: 'deform', model: inputs.model as ModelValue, codes: inputs.codes as LatentValue } satisfies FieldValue }),
  // A render of the field: after what the run is for.
  previewLast: true,
  preview: async (o, p) => {
    const f = o.field as FieldValue;
    const { points, width, height } = slicePoints(p.slice as SlicePlane, p.sliceOffset as number, 48);
    const n = points.length / 3;
    const res = await withCodes(f.model.model, f.codes, async (cond) => {
      const x = tf.tensor2d(points, [n, 3]);
      const d = f.model.model.deform(x, cond);
      const cl = f.model.model.field(x, cond, { rgb: false });
      const out = { offsets: (await d.offsets.data()) as Float32Array, hyper: (await d.hyper.data()) as Float32Array, queries: (await d.queries.data()) as Float32Array, sdf: (await cl.sdf.data()) as Float32Array };
      tf.dispose([x, d.offsets, d.hyper, d.queries, cl.sdf, cl.queries, ...(cl.rgb ? [cl.rgb] : [])]);
      return out;
    });
    const rgba = new Uint8ClampedArray(n * 4);
    const dp = f.model.model.sizes.dPos;
    let maxMag = 1e-6;
    for (let i = 0; i < n; i++) maxMag = Math.max(maxMag, Math.hypot(res.offsets[3 * i]!, res.offsets[3 * i + 1]!, res.offsets[3 * i + 2]!));
    for (let i = 0; i < n; i++) {
      const inside = res.sdf[i]! < 0.01;
      let c: number[];
      if (p.show === 'displacement') {
        const m = Math.hypot(res.offsets[3 * i]!, res.offsets[3 * i + 1]!, res.offsets[3 * i + 2]!) / maxMag;
        c = [255 * m, 80 * (1 - m), 255 * (1 - m)];
      } else if (p.show === 'hyper') c = [128 + 1000 * res.hyper[(dp - 3) * i]!, 128 + 1000 * (res.hyper[(dp - 3) * i + 1] ?? 0), 128];
      else c = [0, 1, 2].map((k) => 255 * ((res.queries[dp * i + k]! + 0.6) / 1.2));
      rgba.set([c[0]!, c[1]!, c[2]!, inside ? 255 : 60], 4 * i);
    }
    return { kind: 'image', width, height, rgba, caption: p.show === 'displacement' ? `|Δ| up to ${maxMag.toFixed(3)}` : `${p.show} (faded outside the head)` };
  },
});
