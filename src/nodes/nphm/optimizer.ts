import { defineNode } from '../contract.ts';
import { TRACKING_PRESETS, type TrackingPreset } from '../../track/presets.ts';
import { trackStage1, trackStage2, TrackingCancelled, type LandmarkPairs, type TrackingFrame, type TrackProgress } from '../../track/tracker.ts';
import { LANDMARK_PAIRS } from '../../track/landmark-pairs.ts';
import { imageToRgbSigned } from './images.ts';
import type { CodeSequenceValue, LossValue, ModelValue } from './values.ts';

const CURVE_TERMS = ['total', 'rgb', 'mask', 'landmark', 'regExpr'] as const;

export const optimizerNode = defineNode({
  type: 'nphm.optimizer',
  typeVersion: 1,
  title: 'Optimizer',
  category: 'Optimise',
  description: 'MonoNPHM tracking (§4): Adam with parameter groups (codes, colour correction, expression, SH, rotation, translation), the paper\'s learning-rate schedules and gradient clipping. Stage 1 fits frame by frame (warm start, iteration count from landmark motion); stage 2 all frames jointly with smoothness. Presets: `paper` (the original\'s numbers) and `cheap` (a CPU in minutes).',
  inputs: {
    model: { type: 'model', description: 'the head model (frozen)' },
    loss: { type: 'loss', description: 'targets and weights' },
  },
  outputs: { sequence: { type: 'codeSequence', description: 'per-frame codes, poses, lighting and colour correction' } },
  params: {
    preset: { type: 'enum', default: 'cheap', options: ['cheap', 'paper'], description: 'iteration counts, rays and samples, learning rates' },
    stages: { type: 'enum', default: '1+2', options: ['1', '1+2'], description: 'stage 1 only, or stage 1 then stage 2' },
    firstIterations: { type: 'number', default: 0, integer: true, min: 0, max: 100000, description: 'iterations of the first frame (0: preset)' },
    laterIterations: { type: 'number', default: 0, integer: true, min: 0, max: 100000, description: 'iterations of later frames (0: from landmark motion)' },
    stage2Iterations: { type: 'number', default: 0, integer: true, min: 0, max: 1000000, description: 'stage-2 iterations (0: preset)' },
    rays: { type: 'number', default: 0, integer: true, min: 0, max: 100000, description: 'rays per iteration (0: preset)' },
    seed: { type: 'number', default: 0, integer: true, min: 0, max: 2 ** 31 - 1, description: 'seed of the ray sampling' },
    poseInit: { type: 'enum', default: 'landmarks', options: ['landmarks', 'identity'], description: 'starting pose of each frame in stage 1: fitted to its landmarks from the previous frame\'s pose (the original starts from a face tracker\'s poses), or the identity / previous pose' },
    anchorYShifts: { type: 'boolean', default: false, description: 'the original tracker\'s anchor y-shifts (tuned for its PIPNet landmarks)' },
  },
  run: async (inputs, p, ctx) => {
    const m = inputs.model as ModelValue;
    const loss = inputs.loss as LossValue;
    const base = TRACKING_PRESETS[p.preset as string]!;
    const preset: TrackingPreset = {
      ...base,
      ...((p.rays as number) > 0 ? { raysPerIteration: p.rays as number } : {}),
      stage1: { ...base.stage1, weights: { ...base.stage1.weights, ...loss.weights } },
      stage2: { ...base.stage2, weights: { ...base.stage2.weights, ...loss.weights } },
    };
    const frames: TrackingFrame[] = loss.video.frames.map((img, t) => ({
      width: img.width,
      height: img.height,
      rgb: imageToRgbSigned(img),
      labels: loss.segmentation.frames[t]!,
      landmarks: loss.landmarks.frames[t]!,
      camera: loss.cameras[t]!,
    }));
    const curves: Record<string, number[]> = Object.fromEntries(CURVE_TERMS.map((k) => [k, []]));
    const twoStages = p.stages === '1+2';
    const onProgress = (pr: TrackProgress) => {
      for (const k of CURVE_TERMS) curves[k]!.push(pr.losses[k] ?? NaN);
      const frac = pr.stage === 1 ? ((pr.frame + pr.iteration / pr.iterations) / frames.length) * (twoStages ? 0.7 : 1) : 0.7 + 0.3 * (pr.iteration / pr.iterations);
      ctx.progress(frac, `stage ${pr.stage} · frame ${pr.frame} · it ${pr.iteration}/${pr.iterations} · loss ${pr.losses.total!.toFixed(3)}`);
      ctx.preview({ kind: 'plot', series: CURVE_TERMS.map((k) => ({ name: k, values: curves[k]!.slice() })), caption: `stage ${pr.stage}, frame ${pr.frame}` });
    };
    const iterations = {
      ...((p.firstIterations as number) > 0 ? { first: p.firstIterations as number } : {}),
      ...((p.laterIterations as number) > 0 ? { later: p.laterIterations as number } : {}),
      ...((p.stage2Iterations as number) > 0 ? { stage2: p.stage2Iterations as number } : {}),
    };
    const opts = { preset, pairs: LANDMARK_PAIRS as LandmarkPairs, signal: ctx.signal, onProgress, seed: p.seed as number, anchorYShifts: p.anchorYShifts as boolean, poseInit: p.poseInit as 'landmarks' | 'identity', iterations };
    try {
      let state = await trackStage1(m.model, frames, opts);
      if (twoStages) state = await trackStage2(m.model, frames, state, opts);
      return { sequence: state satisfies CodeSequenceValue, curves };
    } catch (e) {
      if (e instanceof TrackingCancelled) throw new Error('cancelled');
      throw e;
    }
  },
  preview: (o) => {
    const curves = o.curves as Record<string, number[]>;
    const seq = o.sequence as CodeSequenceValue;
    return { kind: 'plot', series: Object.entries(curves).map(([name, values]) => ({ name, values })), caption: `${seq.frames.length} frames tracked` };
  },
});
