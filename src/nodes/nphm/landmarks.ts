import { defineNode } from '../contract.ts';
import { drawPoints } from './images.ts';
import type { LandmarksValue, VideoValue } from './values.ts';
import { framesPreview } from '../preview.ts';

export const landmarksNode = defineNode({
  type: 'nphm.landmarks',
  typeVersion: 1,
  title: 'Landmarks',
  category: 'Input',
  description: 'iBUG-68 face landmarks per frame. Here from the synthetic sequence\'s ground truth (occluded points left out); a detector for real videos is a separate source.',
  inputs: { video: { type: 'video', description: 'the frames' } },
  outputs: { landmarks: { type: 'landmarks', description: '68 points per frame, in pixels' } },
  params: {
    source: { type: 'enum', default: 'groundTruth', options: ['groundTruth'], description: 'where the landmarks come from' },
    noise: { type: 'number', default: 0, min: 0, max: 20, step: 0.1, description: 'Gaussian pixel noise added (robustness experiments)' },
    seed: { type: 'number', default: 0, integer: true, min: 0, max: 2 ** 31 - 1, description: 'noise seed' },
  },
  run: async (inputs, p) => {
    const v = inputs.video as VideoValue;
    if (!v.truth) throw new Error(`${v.name} carries no ground-truth landmarks; a landmark detector is needed for real videos`);
    const { Rng } = await import('../../graph/rng.ts');
    const rng = new Rng(p.seed as number);
    const sigma = p.noise as number;
    const frames = v.truth.landmarks.map((lm) => (sigma > 0 ? lm.map((x) => x + sigma * rng.normal()) : lm.slice()));
    return { landmarks: { width: v.frames[0]!.width, height: v.frames[0]!.height, frames } satisfies LandmarksValue };
  },
  preview: (o) => {
    const l = o.landmarks as LandmarksValue;
    const blank = () => ({ width: l.width, height: l.height, rgba: new Uint8ClampedArray(l.width * l.height * 4).fill(24) });
    const visible = l.frames[0]!.filter((x) => Number.isFinite(x)).length / 2;
    return framesPreview(l.frames.map((f) => drawPoints(blank(), f, [0, 255, 120])), { caption: `${l.frames.length} frames · frame 0: ${visible} visible` });
  },
});
