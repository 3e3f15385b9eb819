import { defineNode } from '../contract.ts';
import { drawPoints } from './images.ts';
import { loadSequence } from './sample-sequence.ts';
import type { VideoValue } from './values.ts';
import { framesPreview } from '../preview.ts';

export const videoSourceNode = defineNode({
  type: 'nphm.videoSource',
  typeVersion: 1,
  title: 'VideoSource',
  category: 'Input',
  description: 'Frames to track: a synthetic sequence (the shipped sample or `nphm synth video` output: PNG frames with ground-truth landmarks, masks, cameras and meshes), with a frame range, a stride and a maximum image side.',
  inputs: {},
  outputs: { video: { type: 'video', description: 'the frames (and their ground truth when the source has it)' } },
  params: {
    uri: { type: 'file', default: 'samples/synthetic-a/sequence.json', accept: ['.json'], description: 'sequence manifest (sequence.json)' },
    start: { type: 'number', default: 0, integer: true, min: 0, max: 100000, description: 'first frame' },
    end: { type: 'number', default: -1, integer: true, min: -1, max: 100000, description: 'last frame (−1: the last)' },
    stride: { type: 'number', default: 1, integer: true, min: 1, max: 1000, description: 'take every n-th frame' },
    maxSide: { type: 'number', default: 96, integer: true, min: 16, max: 2048, description: 'downscale frames so that the longer side is at most this (the paper tracks at ≈133 px)' },
  },
  run: async (_i, p, ctx) => ({
    video: await loadSequence(ctx.assets, p.uri as string, { start: p.start as number, end: p.end as number, stride: p.stride as number, maxSide: p.maxSide as number }),
  }),
  preview: (o) => {
    const v = o.video as VideoValue;
    const f = v.frames[0]!;
    const shown = v.frames.map((img, i) => (v.truth?.landmarks[i] ? drawPoints(img, v.truth.landmarks[i], [0, 255, 120]) : img));
    return framesPreview(shown, { labels: v.frameIndex, fps: v.fps, caption: `${v.frames.length} frames, ${f.width}×${f.height}` });
  },
});
