import { defineNode } from '../contract.ts';
import type { MeshData } from '../../render/mesh.ts';
import { framesPreview, type Preview } from '../preview.ts';
import type { ImageValue, VideoValue } from './values.ts';

function isImage(v: unknown): v is ImageValue {
  return !!v && typeof v === 'object' && 'rgba' in v && 'width' in v;
}

export const viewerNode = defineNode({
  type: 'nphm.viewer',
  typeVersion: 1,
  title: 'Viewer',
  category: 'Output',
  description: 'A pinned large view of any image, video frame or mesh (the editor shows it in the viewer panel).',
  inputs: { value: { type: 'any', description: 'an image, a video or a mesh' } },
  outputs: {},
  params: { frame: { type: 'number', default: 0, integer: true, min: 0, max: 100000, description: 'frame of a video' } },
  run: () => ({}),
  preview: (_o, p, inputs): Preview => {
    const v = inputs.value;
    if (isImage(v)) return { kind: 'image', width: v.width, height: v.height, rgba: new Uint8ClampedArray(v.rgba) };
    if (v && typeof v === 'object' && 'frames' in v && Array.isArray((v as VideoValue).frames) && isImage((v as VideoValue).frames[0])) {
      const vv = v as VideoValue;
      return framesPreview(vv.frames, { labels: vv.frameIndex, fps: vv.fps, shown: p.frame as number, caption: `${vv.frames.length} frames` });
    }
    if (v && typeof v === 'object' && 'positions' in v && 'indices' in v) {
      const m = v as MeshData;
      return { kind: 'mesh', positions: m.positions.slice(), indices: m.indices.slice(), ...(m.colors ? { colors: m.colors.slice() } : {}) };
    }
    return { kind: 'text', text: v === undefined ? 'nothing connected' : `cannot show a ${Object.prototype.toString.call(v)}` };
  },
});
