/**
 * Reads a synthetic sequence (`nphm synth video` output: sequence.json + PNG frames and masks)
 * through the asset reader, with every field checked so a broken manifest names what is wrong.
 */
import { decode } from 'fast-png';
import type { AssetReader } from '../../graph/runtime-types.ts';
import { makeCamera } from '../../render/camera.ts';
import { so3ExpNumbers } from '../../render/pose.ts';
import { siblingUri } from './load-model.ts';
import { downscaleImage, resizeNearest } from './images.ts';
import type { ImageValue, VideoValue } from './values.ts';
import { parseJsonText } from '../../graph/json-text.ts';
import { quoteForMessage } from '../../graph/safe-text.ts';

export interface SequenceRange {
  start: number;
  end: number;
  stride: number;
  maxSide: number;
}

type Json = Record<string, unknown>;

function fail(uri: string, what: string): never {
  throw new Error(`${uri}: ${what}`);
}

const isNums = (v: unknown, n?: number): v is number[] => Array.isArray(v) && (n === undefined || v.length === n) && v.every((x) => typeof x === 'number' && Number.isFinite(x));

/** Decodes PNG bytes to RGBA8 (grey, grey+alpha, RGB, RGBA; 8 or 16 bit). */
export function decodePngRgba(bytes: Uint8Array, uri: string): ImageValue {
  let img;
  try {
    img = decode(bytes);
  } catch (e) {
    throw new Error(`${uri} is not a readable PNG: ${e instanceof Error ? e.message : String(e)}`);
  }
  const { width, height, channels } = img;
  const src = img.data;
  const scale = img.depth === 16 ? 1 / 257 : 1;
  const rgba = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    const px = (c: number) => src[i * channels + c]! * scale;
    const [r, g, b, a] = channels >= 3 ? [px(0), px(1), px(2), channels === 4 ? px(3) : 255] : [px(0), px(0), px(0), channels === 2 ? px(1) : 255];
    rgba.set([r, g, b, a], 4 * i);
  }
  return { width, height, rgba };
}

/** Decodes a label PNG (8-bit grey: value = class id). */
export function decodeLabelPng(bytes: Uint8Array, uri: string): { width: number; height: number; labels: Uint8Array } {
  const img = decodePngRgba(bytes, uri);
  const labels = new Uint8Array(img.width * img.height);
  for (let i = 0; i < labels.length; i++) labels[i] = img.rgba[4 * i]!;
  return { width: img.width, height: img.height, labels };
}

export async function loadSequence(assets: AssetReader, uri: string, range: SequenceRange): Promise<VideoValue> {
  let m: Json;
  try {
    m = parseJsonText(await assets.readText(uri), 'the manifest') as Json;
  } catch (e) {
    throw new Error(`${quoteForMessage(uri)}: cannot read the sequence manifest: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (!(m && m.format === 'nphm-synthetic-sequence')) fail(uri, `not a synthetic sequence manifest (format ${JSON.stringify(m?.format)})`);
  const cam = m.camera as Json | undefined;
  if (!(cam && Number.isInteger(cam.width) && Number.isInteger(cam.height))) fail(uri, 'camera.width/height missing');
  if (!(Array.isArray(cam.K) && (cam.K as unknown[]).every((r) => isNums(r, 3)))) fail(uri, 'camera.K must be 3×3');
  if (!(Array.isArray(cam.R) && (cam.R as unknown[]).every((r) => isNums(r, 3)) && isNums(cam.t, 3))) fail(uri, 'camera.R (3×3) and camera.t (3) missing');
  const frames = m.frames as Json[] | undefined;
  if (!(Array.isArray(frames) && frames.length > 0)) fail(uri, 'no frames');
  const W0 = cam.width as number, H0 = cam.height as number;
  const scale = Math.min(1, range.maxSide / Math.max(W0, H0));
  const W = Math.max(1, Math.round(W0 * scale)), H = Math.max(1, Math.round(H0 * scale));
  const K = cam.K as number[][];
  const Kc = [[K[0]![0]! * (W / W0), 0, (K[0]![2]! + 0.5) * (W / W0) - 0.5], [0, K[1]![1]! * (H / H0), (K[1]![2]! + 0.5) * (H / H0) - 0.5], [0, 0, 1]];
  const R = cam.R as number[][], t = cam.t as number[];
  const w2c = [[...R[0]!, t[0]!], [...R[1]!, t[1]!], [...R[2]!, t[2]!], [0, 0, 0, 1]];
  const camera = makeCamera(W, H, Kc, w2c, 'opencv');

  const end = Math.min(frames.length - 1, range.end < 0 ? frames.length - 1 : range.end);
  if (range.start > end) throw new Error(`${uri}: frame range ${range.start}–${range.end} is empty (the sequence has ${frames.length} frames)`);
  const video: VideoValue = { name: uri, fps: typeof m.fps === 'number' ? m.fps : 25, frames: [], frameIndex: [], truth: { cameras: [], landmarks: [], labels: [], headPose: [], meshUris: [] } };
  const truth = video.truth!;
  for (let i = range.start; i <= end; i += Math.max(1, range.stride)) {
    const f = frames[i]!;
    const where = `${uri} frames[${i}]`;
    if (!(typeof f.image === 'string' && typeof f.mask === 'string')) fail(where, 'image and mask paths missing');
    const img = decodePngRgba(await assets.read(siblingUri(uri, f.image)), siblingUri(uri, f.image));
    if (!(img.width === W0 && img.height === H0)) fail(where, `image is ${img.width}×${img.height}, the camera says ${W0}×${H0}`);
    video.frames.push(downscaleImage(img, W, H));
    const mask = decodeLabelPng(await assets.read(siblingUri(uri, f.mask)), siblingUri(uri, f.mask));
    truth.labels.push(resizeNearest(mask.labels, mask.width, mask.height, 1, W, H));
    const lm = new Float32Array(136).fill(NaN);
    const pts = f.landmarks2d as unknown[] | undefined;
    const vis = f.landmarksVisible as unknown[] | undefined;
    if (!(Array.isArray(pts) && pts.length === 68 && pts.every((p) => isNums(p, 2)))) fail(where, 'landmarks2d must be 68 [u, v] pairs');
    (pts as number[][]).forEach((p, k) => {
      if (vis && vis[k] === 0) return;
      lm[2 * k] = (p[0]! + 0.5) * (W / W0) - 0.5;
      lm[2 * k + 1] = (p[1]! + 0.5) * (H / H0) - 0.5;
    });
    truth.landmarks.push(lm);
    truth.cameras.push(camera);
    const pose = f.pose as Json | undefined;
    if (!(pose && isNums(pose.axisAngle, 3) && isNums(pose.t, 3))) fail(where, 'pose.axisAngle and pose.t missing');
    truth.headPose.push({ rot: pose.axisAngle as number[], trans: pose.t as number[] });
    truth.meshUris.push(typeof f.mesh === 'string' ? siblingUri(uri, f.mesh) : '');
    video.frameIndex.push(i);
  }
  return video;
}

/**
 * The tracker's residual pose (world → model: p_model = R_t·p_world + t_t) of a head pose given as
 * model → world (x_world = R·x_model + t): R_t = Rᵀ, t_t = −Rᵀ t.
 */
export function residualFromHeadPose(rot: number[], trans: number[]): { rot: number[]; trans: number[] } {
  const R = so3ExpNumbers(rot);
  const tt = [0, 1, 2].map((i) => -(R[0]![i]! * trans[0]! + R[1]![i]! * trans[1]! + R[2]![i]! * trans[2]!));
  return { rot: rot.map((x) => -x), trans: tt };
}
