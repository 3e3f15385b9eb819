import { defineNode } from '../contract.ts';
import type { CodeSequenceValue, LatentValue } from './values.ts';

export const expressionTransferNode = defineNode({
  type: 'nphm.expressionTransfer',
  typeVersion: 1,
  title: 'ExpressionTransfer',
  category: 'Latent',
  description: 'Drives another identity with a tracked performance: keeps the target\'s identity and appearance codes and takes the source sequence\'s per-frame expression codes (and, optionally, its head poses). This works because the deformation field sees the identity only through its compressed code and anchors.',
  inputs: {
    source: { type: 'codeSequence', description: 'the tracked performance' },
    target: { type: 'latent', description: 'the identity (z_geo, z_app) to animate' },
  },
  outputs: { sequence: { type: 'codeSequence', description: 'the target identity with the source\'s expressions' } },
  params: {
    pose: { type: 'enum', default: 'source', options: ['source', 'frontal'], description: 'head poses of the source, or a frontal head' },
    lighting: { type: 'enum', default: 'source', options: ['source', 'neutral'], description: 'SH lighting and colour correction of the source, or neutral' },
    strength: { type: 'number', default: 1, min: 0, max: 2, step: 0.05, description: 'scales the expression codes (0: neutral)' },
  },
  run: (inputs, p) => {
    const src = inputs.source as CodeSequenceValue;
    const tgt = inputs.target as LatentValue;
    if (src.frames[0]!.zExp.length !== tgt.zExp.length) throw new Error(`expression codes differ in size: source ${src.frames[0]!.zExp.length}, target model ${tgt.zExp.length}`);
    const neutralSh = new Float32Array(27);
    neutralSh[0] = neutralSh[1] = neutralSh[2] = Math.sqrt(4 * Math.PI);
    const out: CodeSequenceValue = {
      zGeo: tgt.zGeo,
      zApp: tgt.zApp,
      sh: p.lighting === 'source' ? src.sh : neutralSh,
      colorA: p.lighting === 'source' ? src.colorA : Float32Array.from([1, 0, 0, 0, 1, 0, 0, 0, 1]),
      colorB: p.lighting === 'source' ? src.colorB : new Float32Array(3),
      frames: src.frames.map((f) => ({
        zExp: f.zExp.map((x) => x * (p.strength as number)),
        rot: p.pose === 'source' ? f.rot : new Float32Array(3),
        trans: p.pose === 'source' ? f.trans : new Float32Array(3),
      })),
    };
    return { sequence: out };
  },
  preview: (o) => {
    const s = o.sequence as CodeSequenceValue;
    return { kind: 'plot', series: [{ name: '‖z_exp‖ per frame', values: s.frames.map((f) => Math.hypot(...f.zExp)) }], x: 'frame', caption: `${s.frames.length} frames` };
  },
});
