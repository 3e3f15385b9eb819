import { defineNode } from '../contract.ts';
import type { LossWeights } from '../../track/schedules.ts';
import { drawPoints, labelsToImage, overlay } from './images.ts';
import type { CameraValue, LandmarksValue, LossValue, SegmentationValue, VideoValue } from './values.ts';

/** −1 keeps the schedule's weight; any other value holds this term at it in every iteration of both stages. */
const W = (description: string, schedule: string, max = 1e6) => ({ type: 'number' as const, default: -1, min: -1, max, description: `${description}; −1: the schedule's (${schedule}), a value: that weight in every iteration of both stages` });

export const lossNode = defineNode({
  type: 'nphm.loss',
  typeVersion: 1,
  title: 'Loss',
  category: 'Optimise',
  description: 'The tracking objective (MonoNPHM §4.2): masked L1 colour (mouth interior ÷25), soft-Jaccard silhouette, landmarks through the posed anchors, latent regularisers (global/local, symmetry, expression) and, in stage 2, temporal smoothness. Binds the targets (frames, landmarks, masks, cameras) to the term weights.',
  inputs: {
    video: { type: 'video', description: 'target frames' },
    landmarks: { type: 'landmarks', description: 'target landmarks' },
    segmentation: { type: 'segmentation', description: 'target masks' },
    camera: { type: 'camera', description: 'camera for every frame (default: the video\'s per-frame cameras)', optional: true },
  },
  outputs: { loss: { type: 'loss', description: 'targets and weights for the Optimizer' } },
  params: {
    rgb: W('colour L1 weight', '100'),
    mask: W('silhouette weight', 'stage 1: 25, stage 2: 10'),
    landmark: W('landmark weight', 'stage 1: 100 → 50 → 20 → 10 over each frame, stage 2: 5'),
    regLocGeo: W('local identity code L2', 'stage 1: 1000, stage 2: 500'),
    regGlobalGeo: W('global identity code L2', 'stage 1: 25, stage 2: 50'),
    regLocApp: W('local appearance code L2', 'stage 1: 1000, stage 2: 500'),
    regGlobalApp: W('global appearance code L2', '50'),
    symmGeo: W('identity symmetry distance', '1'),
    symmApp: W('appearance symmetry distance', '1'),
    regExpr: W('expression code L2', 'first frame: 1000, later frames: 150, stage 2: 100'),
    exprSmooth: W('expression smoothness (stage 2)', '2000, 1000 in the second half', 1e7),
    poseSmooth: W('pose smoothness (stage 2)', '50 000, 25 000 in the second half', 1e8),
  },
  run: (inputs, p) => {
    const video = inputs.video as VideoValue;
    const landmarks = inputs.landmarks as LandmarksValue;
    const segmentation = inputs.segmentation as SegmentationValue;
    const n = video.frames.length;
    const f0 = video.frames[0]!;
    if (landmarks.frames.length !== n || segmentation.frames.length !== n) throw new Error(`targets disagree: ${n} frames, ${landmarks.frames.length} landmark sets, ${segmentation.frames.length} masks`);
    if (landmarks.width !== f0.width || segmentation.width !== f0.width || segmentation.height !== f0.height) throw new Error(`target sizes disagree: frames ${f0.width}×${f0.height}, landmarks for ${landmarks.width}×${landmarks.height}, masks ${segmentation.width}×${segmentation.height}`);
    const cam = inputs.camera as CameraValue | undefined;
    const cameras = cam ? video.frames.map(() => cam) : video.truth?.cameras;
    if (!cameras) throw new Error('no cameras: connect a Camera node (the video has no calibration)');
    if (cameras[0]!.width !== f0.width || cameras[0]!.height !== f0.height) throw new Error(`camera is ${cameras[0]!.width}×${cameras[0]!.height}, frames are ${f0.width}×${f0.height}`);
    const weights: Partial<LossWeights> = {};
    for (const [k, v] of Object.entries(p)) if ((v as number) >= 0) weights[k as keyof LossWeights] = v as number;
    return { loss: { weights, video, landmarks, segmentation, cameras } satisfies LossValue };
  },
  preview: (o) => {
    const l = o.loss as LossValue;
    const f = l.video.frames[0]!;
    const img = drawPoints(overlay(f, labelsToImage(l.segmentation.frames[0]!, f.width, f.height), 0.35), l.landmarks.frames[0]!, [0, 255, 120]);
    const set = Object.entries(l.weights).map(([k, v]) => `${k} ${v}`).join(', ');
    return { kind: 'image', width: img.width, height: img.height, rgba: img.rgba, caption: `targets of frame 0 · ${set || 'preset weights'}` };
  },
});
