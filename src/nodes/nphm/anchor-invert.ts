import { defineNode } from '../contract.ts';
import { ORIGINAL_TRACKER_Y_SHIFTS } from '../../nphm/anchor-invert.ts';
import { projectPoints } from '../../render/camera.ts';
import { modelToWorldNumbers } from './pose-math.ts';
import { withCodes } from '../../track/state-render.ts';
import { drawPoints } from './images.ts';
import type { Preview } from '../preview.ts';
import type { CameraValue, LatentValue, ModelValue, PointsValue, PoseValue, VideoValue } from './values.ts';

export const anchorInvertNode = defineNode({
  type: 'nphm.anchorInvert',
  typeVersion: 1,
  title: 'AnchorInvert',
  category: 'Fields',
  description: 'Posed anchors: for each canonical anchor a_c, the posed point x with x + Δ(x) = a_c, by Broyden\'s method (≤ 30 steps, tolerance 5e-5, one init per anchor at a_c). These are the 3-D points the landmark loss projects.',
  inputs: {
    model: { type: 'model', description: 'the head model' },
    codes: { type: 'latent', description: 'identity and expression codes' },
    camera: { type: 'camera', description: 'for the preview: project the anchors', optional: true },
    pose: { type: 'pose', description: 'residual head pose for the projection', optional: true },
    video: { type: 'video', description: 'for the preview: draw over this frame', optional: true },
  },
  outputs: { anchors: { type: 'points', description: 'posed anchors in model space, with a converged flag each' } },
  params: {
    yShifts: { type: 'boolean', default: false, description: 'apply the original tracker\'s hand-made y-shifts of mouth and eyelid anchors' },
    frame: { type: 'number', default: 0, integer: true, min: 0, max: 100000, description: 'video frame drawn under the preview' },
  },
  run: async (inputs, p) => {
    const m = inputs.model as ModelValue;
    const { sol, canonical } = await withCodes(m.model, inputs.codes as LatentValue, async (cond) => ({
      sol: await m.model.solveAnchors(cond, p.yShifts ? { yShifts: ORIGINAL_TRACKER_Y_SHIFTS } : {}),
      canonical: (await cond.anchors.data()) as Float32Array,
    }));
    // `canonical` rides along for the preview (not a socket): where each anchor sits before the
    // expression moves it.
    return { anchors: { points: sol.points, valid: sol.valid } satisfies PointsValue, canonical: Float32Array.from(canonical) };
  },
  preview: (o, p, inputs) => {
    const a = o.anchors as PointsValue;
    const n = a.valid.length;
    const ok = a.valid.filter(Boolean).length;
    const camera = inputs.camera as CameraValue | undefined, video = inputs.video as VideoValue | undefined;
    if (camera && video) {
      const img = anchorsOverFrame(a, camera, video, p.frame as number, inputs.pose as PoseValue | undefined);
      return { kind: 'image', width: img.width, height: img.height, rgba: img.rgba, caption: `${ok}/${n} converged` };
    }
    // Without a frame to draw on: the anchors in 3-D, canonical and posed, each pair joined.
    return anchorPointsPreview(o.canonical as Float32Array | undefined, a, `${ok}/${n} converged · drag to orbit`);
  },
});

/** Canonical (grey-blue) and posed (amber) anchors with a segment from each to its posed place. */
export function anchorPointsPreview(canonical: Float32Array | undefined, posed: PointsValue, caption: string): Preview {
  const sets: Extract<Preview, { kind: 'points' }>['sets'] = [];
  if (canonical) sets.push({ name: 'canonical a_c', positions: canonical, color: [0.45, 0.62, 0.9] });
  sets.push({ name: 'posed (x + Δ(x) = a_c)', positions: posed.points, color: [1, 0.78, 0.2] });
  let links: Float32Array | undefined;
  if (canonical && canonical.length === posed.points.length) {
    links = new Float32Array(2 * canonical.length);
    for (let i = 0; i < canonical.length / 3; i++) {
      links.set(canonical.subarray(3 * i, 3 * i + 3), 6 * i);
      links.set(posed.points.subarray(3 * i, 3 * i + 3), 6 * i + 3);
    }
  }
  return { kind: 'points', sets, ...(links ? { links } : {}), caption };
}

/** Projects posed anchors into a frame (preview helper for graphs that wire a camera). */
export function projectAnchors(a: PointsValue, camera: CameraValue, pose?: PoseValue): Float32Array {
  const world = modelToWorldNumbers(a.points, pose);
  const { uv } = projectPoints(camera, world);
  return Float32Array.from(uv);
}

export function anchorsOverFrame(a: PointsValue, camera: CameraValue, video: VideoValue, frame: number, pose?: PoseValue) {
  const f = video.frames[Math.min(frame, video.frames.length - 1)]!;
  return drawPoints(f, projectAnchors(a, camera, pose), [255, 200, 0]);
}
