import { defineNode } from '../contract.ts';
import { ORIGINAL_TRACKER_Y_SHIFTS } from '../../nphm/anchor-invert.ts';
import { projectPoints } from '../../render/camera.ts';
import { modelToWorldNumbers } from './pose-math.ts';
import { withCodes } from '../../track/state-render.ts';
import { drawPoints } from './images.ts';
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
    const sol = await withCodes(m.model, inputs.codes as LatentValue, (cond) => m.model.solveAnchors(cond, p.yShifts ? { yShifts: ORIGINAL_TRACKER_Y_SHIFTS } : {}));
    return { anchors: { points: sol.points, valid: sol.valid } satisfies PointsValue };
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
    // Front view (x right, y up) when no camera is wired: a schematic of the anchor layout.
    const W = 64, H = 72;
    const uv = new Float32Array(2 * n);
    for (let i = 0; i < n; i++) {
      uv[2 * i] = W / 2 + a.points[3 * i]! * 90;
      uv[2 * i + 1] = H / 2 - (a.points[3 * i + 1]! + 0.05) * 90;
    }
    const img = drawPoints({ width: W, height: H, rgba: new Uint8ClampedArray(W * H * 4).fill(20) }, uv, [255, 200, 0]);
    return { kind: 'image', width: W, height: H, rgba: img.rgba, caption: `${ok}/${n} converged` };
  },
});

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
