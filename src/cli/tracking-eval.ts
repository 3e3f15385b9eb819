/**
 * Accuracy of tracked meshes against a synthetic sequence's ground-truth meshes, as MonoNPHM's
 * evaluation measures it (reference §6): one-directional from ground-truth points to the tracked
 * mesh — Chamfer-L1, normal consistency, recall at 1 / 2.5 / 5 mm-equivalent (1 model unit =
 * 250 mm). Like a depth sensor, only ground-truth points facing the camera are used (view·normal >
 * 0.2); unlike the original, no ICP alignment is applied, so pose errors count too.
 */
import { readFileSync } from 'node:fs';
import * as THREE from 'three';
import { PLYLoader } from 'three/examples/jsm/loaders/PLYLoader.js';
import { cameraCenter, type Camera } from '../render/camera.ts';
import { reconstructionMetrics, type ReconMetrics } from '../render/recon-metrics.ts';
import type { Engine } from '../graph/engine.ts';
import type { CodeSequenceValue, ModelValue, VideoValue } from '../nodes/nphm/values.ts';
import { meshCodes } from '../track/state-render.ts';
import { PUBLIC_DIR } from './assets-node.ts';
import { modelToWorldNumbers } from '../nodes/nphm/pose-math.ts';
import { residualFromHeadPose } from '../nodes/nphm/sample-sequence.ts';

export const MM_PER_UNIT = 250;

export interface MeshArrays {
  positions: Float32Array;
  normals?: Float32Array;
  indices: Uint32Array;
}

export function parsePly(bytes: Uint8Array): MeshArrays {
  const buf = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  const geo = new PLYLoader().parse(buf) as THREE.BufferGeometry;
  const positions = Float32Array.from(geo.getAttribute('position').array as ArrayLike<number>);
  const n = geo.getAttribute('normal');
  const index = geo.getIndex();
  return {
    positions,
    ...(n ? { normals: Float32Array.from(n.array as ArrayLike<number>) } : {}),
    indices: index ? Uint32Array.from(index.array as ArrayLike<number>) : Uint32Array.from({ length: positions.length / 3 }, (_, i) => i),
  };
}

/** Ground-truth vertices (with unit normals) that face the camera. */
export function visiblePoints(gt: MeshArrays, camera: Camera, minCos = 0.2): { points: Float32Array; normals: Float32Array } {
  if (!gt.normals) throw new Error('ground-truth mesh has no vertex normals');
  const c = cameraCenter(camera);
  const pts: number[] = [], nrm: number[] = [];
  for (let i = 0; i < gt.positions.length; i += 3) {
    const v = [c[0] - gt.positions[i]!, c[1] - gt.positions[i + 1]!, c[2] - gt.positions[i + 2]!];
    const l = Math.hypot(v[0]!, v[1]!, v[2]!);
    const nl = Math.hypot(gt.normals[i]!, gt.normals[i + 1]!, gt.normals[i + 2]!) || 1;
    const cos = (v[0]! * gt.normals[i]! + v[1]! * gt.normals[i + 1]! + v[2]! * gt.normals[i + 2]!) / (l * nl);
    if (cos > minCos) {
      pts.push(gt.positions[i]!, gt.positions[i + 1]!, gt.positions[i + 2]!);
      nrm.push(gt.normals[i]! / nl, gt.normals[i + 1]! / nl, gt.normals[i + 2]! / nl);
    }
  }
  return { points: Float32Array.from(pts), normals: Float32Array.from(nrm) };
}

export interface FrameAccuracy {
  chamferL1mm: number;
  normalConsistency: number;
  recall: { '1mm': number; '2.5mm': number; '5mm': number };
  points: number;
}

export function frameAccuracy(mesh: MeshArrays, gt: MeshArrays, camera: Camera): FrameAccuracy {
  const { points, normals } = visiblePoints(gt, camera);
  const m: ReconMetrics = reconstructionMetrics(mesh, points, normals, [1 / MM_PER_UNIT, 2.5 / MM_PER_UNIT, 5 / MM_PER_UNIT]);
  const r = Object.values(m.recall);
  return { chamferL1mm: m.chamferL1 * MM_PER_UNIT, normalConsistency: m.normalConsistency, recall: { '1mm': r[0]!, '2.5mm': r[1]!, '5mm': r[2]! }, points: m.points };
}

export function meanAccuracy(rows: FrameAccuracy[]): FrameAccuracy {
  const avg = (f: (r: FrameAccuracy) => number) => rows.reduce((a, r) => a + f(r), 0) / rows.length;
  return {
    chamferL1mm: avg((r) => r.chamferL1mm),
    normalConsistency: avg((r) => r.normalConsistency),
    recall: { '1mm': avg((r) => r.recall['1mm']), '2.5mm': avg((r) => r.recall['2.5mm']), '5mm': avg((r) => r.recall['5mm']) },
    points: avg((r) => r.points),
  };
}

export interface TrackingRunAccuracy {
  /** The tracked meshes, per frame and their mean. */
  tracked: FrameAccuracy[];
  trackedMean: FrameAccuracy;
  /** The zero-code start (the mean head at the identity pose) against the same ground truth. */
  start: FrameAccuracy[];
  startMean: FrameAccuracy;
  /**
   * The mean head at each frame's ground-truth pose: what a perfect pose alone reaches, without
   * fitting identity or expression (the reference for a tracking bound).
   */
  truePose: FrameAccuracy[];
  truePoseMean: FrameAccuracy;
}

/**
 * Accuracy of a finished tracking graph run (the example graph's node ids: `video`, `optimizer`,
 * `model`, and `meshes` exporting world-space PLY meshes of every frame) against the sample's
 * ground-truth meshes, and of the zero-code start against the same meshes.
 */
export async function trackingRunAccuracy(engine: Engine, ids = { video: 'video', optimizer: 'optimizer', model: 'model', meshes: 'meshes' }): Promise<TrackingRunAccuracy> {
  const video = engine.outputs(ids.video)?.video as VideoValue | undefined;
  const seq = engine.outputs(ids.optimizer)?.sequence as CodeSequenceValue | undefined;
  const model = engine.outputs(ids.model)?.model as ModelValue | undefined;
  if (!video || !seq || !model) throw new Error('tracking accuracy: the run has no video, sequence or model output');
  if (!video.truth) throw new Error('tracking accuracy: the video has no ground-truth meshes (only synthetic sequences do)');
  const meshes = engine.artifacts(ids.meshes).map((a) => parsePly(a.data as Uint8Array));
  if (meshes.length !== video.frames.length) throw new Error(`tracking accuracy: ${meshes.length} meshes for ${video.frames.length} frames`);
  const zero = { zGeo: new Float32Array(seq.zGeo.length), zApp: new Float32Array(seq.zApp.length), zExp: new Float32Array(seq.frames[0]!.zExp.length) };
  const mean = await meshCodes(model.model, zero, { resolution: 64, colors: false, normals: 'none' });
  const tracked: FrameAccuracy[] = [];
  const start: FrameAccuracy[] = [];
  const truePose: FrameAccuracy[] = [];
  for (const i of video.frameIndex.keys()) {
    const gt = parsePly(new Uint8Array(readFileSync(`${PUBLIC_DIR}${video.truth.meshUris[i]!}`)));
    const cam = video.truth.cameras[i]!;
    tracked.push(frameAccuracy(meshes[i]!, gt, cam));
    start.push(frameAccuracy(mean, gt, cam));
    const hp = video.truth.headPose[i]!;
    truePose.push(frameAccuracy({ ...mean, positions: modelToWorldNumbers(mean.positions, residualFromHeadPose(hp.rot, hp.trans)) }, gt, cam));
  }
  return { tracked, trackedMean: meanAccuracy(tracked), start, startMean: meanAccuracy(start), truePose, truePoseMean: meanAccuracy(truePose) };
}
