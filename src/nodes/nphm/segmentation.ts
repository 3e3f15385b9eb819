import { defineNode } from '../contract.ts';
import { labelsToImage } from './images.ts';
import type { SegmentationValue, VideoValue } from './values.ts';
import { framesPreview } from '../preview.ts';

export const segmentationNode = defineNode({
  type: 'nphm.segmentation',
  typeVersion: 1,
  title: 'Segmentation',
  category: 'Input',
  description: 'Per-pixel face regions (CelebAMask-HQ classes: skin, hair, lips, mouth interior, eyes, neck …). Here from the synthetic sequence\'s ground truth.',
  inputs: { video: { type: 'video', description: 'the frames' } },
  outputs: { segmentation: { type: 'segmentation', description: 'class id per pixel and frame' } },
  params: { source: { type: 'enum', default: 'groundTruth', options: ['groundTruth'], description: 'where the labels come from' } },
  run: (inputs) => {
    const v = inputs.video as VideoValue;
    if (!v.truth) throw new Error(`${v.name} carries no ground-truth masks; a face parser is needed for real videos`);
    return { segmentation: { width: v.frames[0]!.width, height: v.frames[0]!.height, frames: v.truth.labels } satisfies SegmentationValue };
  },
  preview: (o) => {
    const s = o.segmentation as SegmentationValue;
    return framesPreview(s.frames.map((f) => labelsToImage(f, s.width, s.height)), { caption: `${s.frames.length} frames` });
  },
});
