import { defineNode } from '../contract.ts';
import type { PoseValue } from './values.ts';

export const poseNode = defineNode({
  type: 'nphm.pose',
  typeVersion: 1,
  title: 'Pose',
  category: 'Scene',
  description: 'A rigid head pose: rotation (degrees, axis-angle components), translation (model units) and scale. Applied as MonoNPHM\'s residual pose p_model = s·R·p_world + t.',
  inputs: {},
  outputs: { pose: { type: 'pose', description: 'the pose' } },
  params: {
    rotation: { type: 'vector', default: [0, 0, 0], length: 3, min: -180, max: 180, description: 'axis-angle in degrees (x pitch, y yaw, z roll)' },
    translation: { type: 'vector', default: [0, 0, 0], length: 3, min: -2, max: 2, description: 'translation in model units' },
    scale: { type: 'number', default: 1, min: 0.25, max: 4, step: 0.01, description: 'scale (MonoNPHM keeps 1)' },
  },
  run: (_i, p) => {
    const r = (p.rotation as number[]).map((d) => (d * Math.PI) / 180) as [number, number, number];
    return { pose: { rot: r, trans: [...(p.translation as number[])] as [number, number, number], scale: p.scale as number } satisfies PoseValue };
  },
  preview: (o) => {
    const q = o.pose as PoseValue;
    return { kind: 'text', text: `rot ${q.rot.map((x) => ((x * 180) / Math.PI).toFixed(1)).join(', ')}°\nt ${q.trans.map((x) => x.toFixed(3)).join(', ')}\ns ${q.scale}` };
  },
});
