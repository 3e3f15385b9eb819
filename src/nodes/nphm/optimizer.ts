import type { Preview } from '../preview.ts';
import { defineNode } from '../contract.ts';
import { TRACKING_SCHEDULES } from '../../track/schedules.ts';
import { resolveTrackingPlan, type PlanOverrides } from '../../track/plan.ts';
import { track, type TrackProgress } from '../../track/tracker.ts';
import { landmarkMotion, TrackingCancelled, type RigidPose, type TrackingFrame } from '../../track/state.ts';
import { LANDMARK_PAIRS } from '../../track/landmark-pairs.ts';
import { imageToRgbSigned } from './images.ts';
import type { CodeSequenceValue, LossValue, ModelValue, VideoValue } from './values.ts';
import { residualFromHeadPose } from './sample-sequence.ts';

const CURVE_TERMS = ['total', 'rgb', 'mask', 'landmark', 'regExpr'] as const;
/** Learning-rate groups drawn beside the losses (the codes and the expression). */
const LR_GROUPS = ['geo', 'expr', 'rot'] as const;

interface Curves {
  losses: Record<string, number[]>;
  lr: Record<string, number[]>;
  /** Where a frame or a stage starts (iteration index, label). */
  marks: { at: number; label: string }[];
}

function curvesPlot(c: Curves, caption: string): Preview {
  return {
    kind: 'plot',
    series: Object.entries(c.losses).map(([name, values]) => ({ name, values: values.slice() })),
    x: 'iterations',
    y: 'loss',
    right: { y: 'learning rate', series: Object.entries(c.lr).map(([name, values]) => ({ name: `lr ${name}`, values: values.slice() })), log: true },
    marks: c.marks.slice(),
    caption,
  };
}

/** The tracker's residual pose (world → model) of every frame, from a synthetic video's truth. */
function truePoses(video: VideoValue): RigidPose[] {
  const poses = video.truth?.headPose;
  if (!poses || poses.length < video.frames.length) throw new Error('poseInit "truth" needs a synthetic video with ground-truth head poses (this video has none)');
  return video.frames.map((_, t) => residualFromHeadPose(poses[t]!.rot, poses[t]!.trans));
}

/** A count param: 0 means "the schedule's". */
const count = (v: unknown): number | undefined => ((v as number) > 0 ? (v as number) : undefined);

export const optimizerNode = defineNode({
  type: 'nphm.optimizer',
  typeVersion: 2,
  title: 'Optimizer',
  category: 'Optimise',
  description: 'MonoNPHM tracking (§4): Adam with parameter groups (codes, colour correction, expression, SH, rotation, translation), the paper\'s learning-rate milestones and gradient clipping. Stage 1 fits frame by frame (warm start, iteration count from landmark motion); stage 2 all frames jointly with smoothness. Schedules: `paper` (the original\'s numbers) and `short` (a CPU in minutes).',
  inputs: {
    model: { type: 'model', description: 'the head model (frozen)' },
    loss: { type: 'loss', description: 'targets and weights' },
  },
  outputs: { sequence: { type: 'codeSequence', description: 'per-frame codes, poses, lighting and colour correction' } },
  params: {
    schedule: { type: 'enum', default: 'short', options: ['short', 'paper'], description: 'iteration counts, rays and samples, learning rates and their milestones' },
    stages: { type: 'enum', default: '1+2', options: ['1', '1+2'], description: 'stage 1 only, or stage 1 then stage 2' },
    codeSteps: { type: 'enum', default: 'spread', options: ['spread', 'raw'], description: 'step the codes in units of the model\'s code spread (its latent statistics; one schedule fits every model) or in raw code units with the original\'s numbers verbatim' },
    firstIterations: { type: 'number', default: 0, integer: true, min: 0, max: 100000, description: 'iterations of the first frame (0: the schedule\'s)' },
    laterIterations: { type: 'number', default: 0, integer: true, min: 0, max: 100000, description: 'iterations of every later frame (0: from landmark motion, as the original)' },
    stage2Iterations: { type: 'number', default: 0, integer: true, min: 0, max: 1000000, description: 'stage-2 iterations (0: the schedule\'s, per frame)' },
    rays: { type: 'number', default: 0, integer: true, min: 0, max: 100000, description: 'rays per iteration (0: the schedule\'s)' },
    seed: { type: 'number', default: 0, integer: true, min: 0, max: 2 ** 31 - 1, description: 'seed of the ray sampling and of stage 2\'s frame order' },
    poseInit: { type: 'enum', default: 'landmarks', options: ['landmarks', 'identity', 'truth'], description: 'starting pose of each frame in stage 1: fitted to its landmarks from the previous frame\'s pose (the original starts from a face tracker\'s poses), the identity / previous pose, or the ground-truth pose of a synthetic video (a diagnosis: separates the shape from the pose)' },
    holdPose: { type: 'boolean', default: false, description: 'every frame keeps its starting pose (rotation and translation are not optimised): shape and expression from known poses; with poseInit \'truth\', the shape a tracker finds at the true pose' },
    anchorYShifts: { type: 'boolean', default: false, description: 'the original tracker\'s anchor y-shifts (tuned for its PIPNet landmarks)' },
  },
  // Version 1 called the schedule `preset` (values cheap | paper), the word graph presets use.
  // Applied to full params and to preset entries alike, so it only renames what is there.
  migrate: (from, params) => {
    if (from !== 1 || !Object.hasOwn(params, 'preset')) return params;
    const { preset, ...rest } = params;
    return { ...rest, schedule: preset === 'paper' ? 'paper' : 'short' };
  },
  run: async (inputs, p, ctx) => {
    const m = inputs.model as ModelValue;
    const loss = inputs.loss as LossValue;
    const frames: TrackingFrame[] = loss.video.frames.map((img, t) => ({
      width: img.width,
      height: img.height,
      rgb: imageToRgbSigned(img),
      labels: loss.segmentation.frames[t]!,
      landmarks: loss.landmarks.frames[t]!,
      camera: loss.cameras[t]!,
    }));
    const overrides: PlanOverrides = {
      weights: loss.weights,
      stages: p.stages as '1' | '1+2',
      firstIterations: count(p.firstIterations),
      laterIterations: count(p.laterIterations),
      stage2Iterations: count(p.stage2Iterations),
      raysPerIteration: count(p.rays),
      codeSteps: p.codeSteps as 'spread' | 'raw',
      holdPose: p.holdPose as boolean,
    };
    const plan = resolveTrackingPlan(TRACKING_SCHEDULES[p.schedule as string]!, landmarkMotion(frames), overrides);
    for (const msg of plan.ignored) ctx.log(`ignored: ${msg}`);
    const curves: Curves = { losses: Object.fromEntries(CURVE_TERMS.map((k) => [k, []])), lr: Object.fromEntries(LR_GROUPS.map((k) => [k, []])), marks: [] };
    let at = '';
    const s1Total = plan.stage1.reduce((a, f) => a + f.iterations, 0);
    const allIterations = s1Total + (plan.stage2?.iterations ?? 0);
    let done = 0;
    const onProgress = (pr: TrackProgress) => {
      const here = pr.stage === 2 ? 'stage 2' : `frame ${pr.frame}`;
      if (here !== at) curves.marks.push({ at: done, label: here });
      at = here;
      done++;
      for (const k of CURVE_TERMS) curves.losses[k]!.push(pr.losses[k] ?? NaN);
      // A frozen group (the identity after the first frame) has no line on the log axis.
      for (const k of LR_GROUPS) curves.lr[k]!.push(pr.settings.lr[k] > 0 ? pr.settings.lr[k] : NaN);
      ctx.progress(done / allIterations, `stage ${pr.stage} · frame ${pr.frame} · it ${pr.iteration}/${pr.iterations} · loss ${pr.losses.total!.toFixed(3)}`);
      ctx.preview(curvesPlot(curves, `stage ${pr.stage}, frame ${pr.frame}`));
    };
    try {
      const state = await track(m.model, frames, {
        plan,
        pairs: LANDMARK_PAIRS,
        ...(m.stats ? { stats: m.stats } : {}),
        signal: ctx.signal,
        onProgress,
        seed: p.seed as number,
        anchorYShifts: p.anchorYShifts as boolean,
        ...(p.poseInit === 'truth' ? { initialPose: truePoses(loss.video), poseInit: 'identity' as const } : { poseInit: p.poseInit as 'landmarks' | 'identity' }),
      });
      return { sequence: state satisfies CodeSequenceValue, curves };
    } catch (e) {
      if (e instanceof TrackingCancelled) throw new Error('cancelled');
      throw e;
    }
  },
  preview: (o) => {
    const seq = o.sequence as CodeSequenceValue;
    return curvesPlot(o.curves as Curves, `${seq.frames.length} frames tracked`);
  },
});
