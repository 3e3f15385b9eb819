import { defineNode } from '../contract.ts';
import { PREVIEW_SH, renderCodes } from '../../track/state-render.ts';
import { rgbSignedToImage, overlay } from './images.ts';
import { encodePng } from './png.ts';
import { framesPreview } from '../preview.ts';
import type { ImageRender } from '../../render/render.ts';
import type { CameraValue, CodeSequenceValue, FieldValue, ImageValue, PoseValue, VideoValue } from './values.ts';

export const volumeRenderNode = defineNode({
  type: 'nphm.volumeRender',
  typeVersion: 1,
  title: 'VolumeRender',
  category: 'Render',
  description: 'NeuS volume rendering of a field (MonoNPHM §3: sphere bounds, NeuS up-sampling, SH shading, colour correction). With a code sequence it renders every tracked frame (its codes, pose, lighting) and, with a video, over the input frames.',
  inputs: {
    field: { type: 'field', description: 'what to render (model and codes)' },
    camera: { type: 'camera', description: 'the camera (default: the video\'s)', optional: true },
    pose: { type: 'pose', description: 'residual head pose (single renders)', optional: true },
    sequence: { type: 'codeSequence', description: 'render each frame of a tracking result (its codes override the field\'s)', optional: true },
    video: { type: 'video', description: 'frames to draw the render over', optional: true },
  },
  outputs: {
    image: { type: 'image', description: 'the render (of the selected frame)' },
    video: { type: 'video', description: 'all rendered frames (overlays when a video is given)' },
  },
  params: {
    frame: { type: 'number', default: 0, integer: true, min: 0, max: 100000, description: 'frame shown as `image`' },
    allFrames: { type: 'boolean', default: true, description: 'with a sequence: render every frame (else only `frame`)' },
    opacity: { type: 'number', default: 0.85, min: 0, max: 1, step: 0.05, description: 'render opacity over the video frame' },
    variance: { type: 'number', default: 0.8, min: 0.1, max: 1.2, step: 0.05, description: 'NeuS variance v (sharpness s = e^{10 v})' },
    samples: { type: 'number', default: 32, integer: true, min: 4, max: 128, description: 'coarse and importance samples per ray' },
    save: { type: 'boolean', default: false, description: 'write PNG files of the rendered frames' },
    prefix: { type: 'string', default: 'render', maxLength: 64, description: 'file name prefix of saved frames' },
  },
  run: async (inputs, p, ctx) => {
    const field = inputs.field as FieldValue;
    const video = inputs.video as VideoValue | undefined;
    const seq = inputs.sequence as CodeSequenceValue | undefined;
    const camOf = (t: number): CameraValue => {
      const c = (inputs.camera as CameraValue | undefined) ?? video?.truth?.cameras[Math.min(t, video.truth.cameras.length - 1)];
      if (!c) throw new Error('no camera: connect a Camera node or a video with a calibrated camera');
      return c;
    };
    const frames = seq ? (p.allFrames ? seq.frames.map((_, i) => i) : [Math.min(p.frame as number, seq.frames.length - 1)]) : [0];
    if (!/^[\w.-]+$/.test(p.prefix as string)) throw new Error(`prefix '${p.prefix}' may only contain letters, digits, '.', '_' and '-'`);
    const out: ImageValue[] = [];
    for (const [k, t] of frames.entries()) {
      if (ctx.signal.aborted) throw new Error('cancelled');
      const cam = camOf(t);
      const f = seq?.frames[t];
      const codes = seq && f ? { zGeo: seq.zGeo, zApp: seq.zApp, zExp: f.zExp } : field.codes;
      const pose = f ?? (inputs.pose as PoseValue | undefined);
      const look = seq ? { sh: seq.sh, colorA: seq.colorA, colorB: seq.colorB } : { sh: PREVIEW_SH };
      const r = await renderCodes(field.model.model, codes, cam, pose, look, {
        variance: p.variance as number,
        nCoarse: p.samples as number,
        nImportance: p.samples as number,
        signal: ctx.signal,
        onProgress: (f) => ctx.progress((k + f) / frames.length, `frame ${t}`),
        // One image: show it coarse at once and let it sharpen (a sequence shows its frames instead).
        ...(frames.length === 1
          ? {
              onPartial: (partial: ImageRender, f: number) => {
                const img = rgbSignedToImage(partial.rgb, cam.width, cam.height, partial.weightsSum);
                ctx.preview({ kind: 'image', width: img.width, height: img.height, rgba: img.rgba, caption: `refining… ${Math.round(f * 100)} %` });
              },
            }
          : {}),
      });
      let img = rgbSignedToImage(r.rgb, cam.width, cam.height, r.weightsSum);
      const under = video?.frames[Math.min(t, video.frames.length - 1)];
      if (under && under.width === img.width && under.height === img.height) img = overlay(under, img, p.opacity as number);
      out.push(img);
      if (p.save) ctx.artifact({ name: `${p.prefix}-${String(t).padStart(4, '0')}.png`, mime: 'image/png', data: encodePng(img, { 'nphm-studio': ctx.provenance() }) });
      ctx.progress((k + 1) / frames.length, `frame ${t}`);
      // The frames rendered so far, playable while the rest render.
      ctx.preview(frames.length > 1 ? framesPreview(out, { labels: frames.slice(0, out.length), fps: video?.fps ?? 25, shown: out.length - 1, caption: `${out.length} of ${frames.length} frames` }) : { kind: 'image', width: img.width, height: img.height, rgba: new Uint8ClampedArray(img.rgba), caption: `frame ${t}` });
    }
    const shown = out[Math.max(0, frames.indexOf(Math.min(p.frame as number, frames[frames.length - 1]!)))] ?? out[0]!;
    const rendered: VideoValue = { name: 'render', fps: video?.fps ?? 25, frames: out, frameIndex: frames };
    return { image: shown, video: rendered };
  },
  preview: (o) => {
    const img = o.image as ImageValue;
    const v = o.video as VideoValue;
    if (v.frames.length > 1) return framesPreview(v.frames, { labels: v.frameIndex, fps: v.fps, shown: Math.max(0, v.frames.indexOf(img)), caption: `${v.frames.length} frames` });
    return { kind: 'image', width: img.width, height: img.height, rgba: new Uint8ClampedArray(img.rgba), caption: '1 frame' };
  },
});
