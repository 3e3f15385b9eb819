import { defineNode } from '../contract.ts';
import { PREVIEW_SH, renderCodes } from '../../track/state-render.ts';
import { rgbSignedToImage } from './images.ts';
import { orbitCamera, PREVIEW_ORBIT } from './orbit.ts';
import type { FieldValue, LatentValue, ModelValue } from './values.ts';

export const textureFieldNode = defineNode({
  type: 'nphm.textureField',
  typeVersion: 1,
  title: 'TextureField',
  category: 'Fields',
  description: 'The appearance field: colour conditioned on the appearance code and on the geometry features of the local ensemble (MonoNPHM §1.5).',
  inputs: {
    model: { type: 'model', description: 'the head model' },
    codes: { type: 'latent', description: 'identity, appearance and expression codes' },
  },
  outputs: { field: { type: 'field', description: 'SDF and colour, for renders and coloured meshes' } },
  params: {
    yaw: { type: 'number', default: 20, min: -180, max: 180, step: 1, description: 'preview view angle (degrees)' },
  },
  run: (inputs) => ({ field: { kind: 'texture', model: inputs.model as ModelValue, codes: inputs.codes as LatentValue } satisfies FieldValue }),
  // A render of the field: after what the run is for.
  previewLast: true,
  preview: async (o, p) => {
    const f = o.field as FieldValue;
    const cam = orbitCamera({ ...PREVIEW_ORBIT, yawDeg: p.yaw as number });
    const r = await renderCodes(f.model.model, f.codes, cam, undefined, { sh: PREVIEW_SH }, { nCoarse: 16, nImportance: 16 });
    const img = rgbSignedToImage(r.rgb, cam.width, cam.height, r.weightsSum);
    return { kind: 'image', width: img.width, height: img.height, rgba: img.rgba, caption: 'shaded colour render' };
  },
});
