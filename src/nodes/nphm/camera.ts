import { defineNode } from '../contract.ts';
import { orbitCamera } from './orbit.ts';
import type { CameraValue, VideoValue } from './values.ts';

export const cameraNode = defineNode({
  type: 'nphm.camera',
  typeVersion: 1,
  title: 'Camera',
  category: 'Scene',
  description: 'A pinhole camera: from the video (its calibrated camera) or an orbit camera looking at the head (focal length in image widths, distance in model units; 1 unit = 25 cm).',
  inputs: { video: { type: 'video', description: 'take the camera of this video (mode video)', optional: true } },
  outputs: { camera: { type: 'camera', description: 'intrinsics and world-to-camera extrinsics' } },
  params: {
    mode: { type: 'enum', default: 'orbit', options: ['orbit', 'video'], description: 'where the camera comes from' },
    width: { type: 'number', default: 96, integer: true, min: 8, max: 2048, description: 'image width (orbit)' },
    height: { type: 'number', default: 96, integer: true, min: 8, max: 2048, description: 'image height (orbit)' },
    focal: { type: 'number', default: 2, min: 0.2, max: 20, step: 0.05, description: 'focal length in image widths (orbit)' },
    distance: { type: 'number', default: 2.6, min: 0.5, max: 20, step: 0.05, description: 'distance to the target (orbit)' },
    yaw: { type: 'number', default: 0, min: -180, max: 180, step: 1, description: 'degrees around the vertical axis (orbit)' },
    pitch: { type: 'number', default: 0, min: -89, max: 89, step: 1, description: 'degrees above the horizon (orbit)' },
    target: { type: 'vector', default: [0, -0.05, 0], length: 3, min: -5, max: 5, description: 'point looked at (model units)' },
  },
  run: (inputs, p) => {
    if (p.mode === 'video') {
      const v = inputs.video as VideoValue | undefined;
      const cam = v?.truth?.cameras[0];
      if (!cam) throw new Error(v ? `${v.name} has no calibrated camera` : 'mode "video" needs the video input');
      return { camera: cam satisfies CameraValue };
    }
    const camera = orbitCamera({
      width: p.width as number,
      height: p.height as number,
      focal: p.focal as number,
      distance: p.distance as number,
      yawDeg: p.yaw as number,
      pitchDeg: p.pitch as number,
      target: p.target as number[],
    });
    return { camera: camera satisfies CameraValue };
  },
  preview: (o) => {
    const c = o.camera as CameraValue;
    return { kind: 'text', text: `${c.width}×${c.height}, f = ${c.intrinsics.fx.toFixed(1)} px (${c.convention})` };
  },
});
