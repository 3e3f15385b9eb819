import { defineNode } from '../contract.ts';
import { PREVIEW_SH, renderCodes } from '../../track/state-render.ts';
import { besideEachOther, blendSliceImage, sdfSliceImage, shadeDepth, type SlicePlane } from './fields.ts';
import { orbitCamera, PREVIEW_ORBIT } from './orbit.ts';
import type { FieldValue, LatentValue, ModelValue } from './values.ts';

export const sdfNode = defineNode({
  type: 'nphm.sdf',
  typeVersion: 1,
  title: 'SDF',
  category: 'Fields',
  description: 'The signed distance field of a head: posed (the expression applied through the backward deformation) or canonical (the neutral local ensemble). Feeds MeshExport and VolumeRender.',
  inputs: {
    model: { type: 'model', description: 'the head model' },
    codes: { type: 'latent', description: 'identity, appearance and expression codes' },
  },
  outputs: { field: { type: 'field', description: 'the SDF (with colour available for renders)' } },
  params: {
    space: { type: 'enum', default: 'posed', options: ['posed', 'canonical'], description: 'posed: with the expression; canonical: the neutral template space' },
    slice: { type: 'enum', default: 'sagittal', options: ['sagittal', 'coronal', 'axial'], description: 'preview slice plane' },
    sliceOffset: { type: 'number', default: 0, min: -0.6, max: 0.6, step: 0.01, description: 'preview slice position (model units)' },
    sliceShows: { type: 'enum', default: 'distance', options: ['distance', 'blend'], description: 'preview slice: the signed distance, or which anchor\'s local MLP dominates the blend at each point (canonical space)' },
  },
  run: (inputs, p) => ({
    field: { kind: 'sdf', model: inputs.model as ModelValue, codes: inputs.codes as LatentValue, canonical: p.space === 'canonical' } satisfies FieldValue,
  }),
  // A render of the field: after what the run is for.
  previewLast: true,
  preview: async (o, p) => {
    const f = o.field as FieldValue;
    const blend = p.sliceShows === 'blend';
    const slice = blend ? await blendSliceImage(f, p.slice as SlicePlane, p.sliceOffset as number, 48) : await sdfSliceImage(f, p.slice as SlicePlane, p.sliceOffset as number, 48);
    const cam = orbitCamera({ ...PREVIEW_ORBIT, width: slice.height, height: slice.height });
    const r = await renderCodes(f.model.model, f.codes, cam, undefined, { sh: PREVIEW_SH }, { nCoarse: 16, nImportance: 16 });
    const img = besideEachOther(slice, shadeDepth(r.depth, r.weightsSum, cam.width, cam.height));
    return { kind: 'image', width: img.width, height: img.height, rgba: img.rgba, caption: blend ? `${p.slice} slice at ${p.sliceOffset}: dominant local MLP (colour per anchor, grey: global) · shaded geometry` : `${p.slice} slice at ${p.sliceOffset}: signed distance (blue inside, red outside) · shaded geometry` };
  },
});
