/**
 * Accuracy of a finished tracking-graph run against its synthetic sequence's ground truth
 * (src/track/accuracy.ts): the run's world-space PLY meshes, the mean head at the identity pose
 * (where tracking starts) and the mean head placed at each frame's true pose (what a perfect pose
 * alone reaches, without identity or expression), all against the same ground-truth points.
 */
import * as THREE from 'three';
import { PLYLoader } from 'three/examples/jsm/loaders/PLYLoader.js';
import type { Engine } from '../graph/engine.ts';
import type { NphmModel } from '../nphm/model.ts';
import type { LatentStats } from '../nphm/latent-stats.ts';
import type { CodeSequenceValue, ModelValue, VideoValue } from '../nodes/nphm/values.ts';
import { frameCodes, meshCodes } from '../track/state-render.ts';
import type { TrackingState } from '../track/state.ts';
import { groundTruthPoints, meanRegionAccuracy, regionAccuracy, type FrameTruth, type RegionAccuracy } from '../track/accuracy.ts';
import type { AssetReader } from '../graph/runtime-types.ts';
import { modelToWorldNumbers } from '../nodes/nphm/pose-math.ts';
import { residualFromHeadPose } from '../nodes/nphm/sample-sequence.ts';

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

export interface TrackingRunAccuracy {
  /** Per frame and the mean, for each region. */
  tracked: RegionAccuracy[];
  trackedMean: RegionAccuracy;
  /** The mean head at the identity pose: where tracking starts. */
  start: RegionAccuracy[];
  startMean: RegionAccuracy;
  /** The mean head at each frame's true pose: what the pose alone reaches. */
  truePose: RegionAccuracy[];
  truePoseMean: RegionAccuracy;
}

/** The model's mean codes: the latent mean with statistics, zero without (the original's start). */
export function meanCodes(model: NphmModel, stats?: LatentStats): { zGeo: Float32Array; zApp: Float32Array; zExp: Float32Array } {
  const s = model.sizes;
  return { zGeo: stats ? Float32Array.from(stats.geo.mean) : new Float32Array(s.zGeoDim), zApp: stats ? Float32Array.from(stats.app.mean) : new Float32Array(s.zAppDim), zExp: new Float32Array(s.zExpDim) };
}

/**
 * The truths of a synthetic sequence's frames; meshes are read through `assets`, the reader the
 * graph that loaded the video read it with (the same allowed folders, never the working directory).
 */
export async function sequenceTruth(video: VideoValue, assets: AssetReader): Promise<FrameTruth[]> {
  if (!video.truth) throw new Error('tracking accuracy: the video has no ground truth (only synthetic sequences do)');
  const truth = video.truth;
  const out: FrameTruth[] = [];
  for (const i of video.frameIndex.keys()) {
    const hp = truth.headPose[i]!;
    if (!truth.meshUris[i]) throw new Error(`tracking accuracy: frame ${video.frameIndex[i]} has no ground-truth mesh`);
    out.push({ mesh: parsePly(await assets.read(truth.meshUris[i]!)), camera: truth.cameras[i]!, pose: residualFromHeadPose(hp.rot, hp.trans), labels: truth.labels[i]! });
  }
  return out;
}

/** The tracked head of one frame, meshed and placed in world space (what `scoreTracking` takes). */
export async function trackedFrameMesh(model: NphmModel, state: TrackingState, frame: number, resolution = 96): Promise<MeshArrays> {
  const m = await meshCodes(model, frameCodes(state, frame), { resolution, colors: false, normals: 'none' });
  return { positions: modelToWorldNumbers(m.positions, state.frames[frame]!), indices: m.indices };
}

/** Scores world-space tracked meshes and the two references against per-frame truths. */
export async function scoreTracking(model: NphmModel, tracked: readonly MeshArrays[], truths: readonly FrameTruth[], stats?: LatentStats): Promise<TrackingRunAccuracy> {
  if (tracked.length !== truths.length) throw new Error(`tracking accuracy: ${tracked.length} meshes for ${truths.length} frames`);
  const mean = await meshCodes(model, meanCodes(model, stats), { resolution: 96, colors: false, normals: 'none' });
  const rows = truths.map((t, i) => {
    const gt = groundTruthPoints(t);
    return {
      tracked: regionAccuracy(tracked[i]!, gt),
      start: regionAccuracy(mean, gt),
      truePose: regionAccuracy({ ...mean, positions: modelToWorldNumbers(mean.positions, t.pose) }, gt),
    };
  });
  const pick = (k: 'tracked' | 'start' | 'truePose') => rows.map((r) => r[k]);
  return {
    tracked: pick('tracked'), trackedMean: meanRegionAccuracy(pick('tracked')),
    start: pick('start'), startMean: meanRegionAccuracy(pick('start')),
    truePose: pick('truePose'), truePoseMean: meanRegionAccuracy(pick('truePose')),
  };
}

/**
 * Accuracy of a finished tracking graph run (the example graph's node ids: `video`, `optimizer`,
 * `model`, and `meshes` exporting world-space PLY meshes of every frame).
 */
export async function trackingRunAccuracy(engine: Engine, ids = { video: 'video', optimizer: 'optimizer', model: 'model', meshes: 'meshes' }): Promise<TrackingRunAccuracy> {
  const video = engine.outputs(ids.video)?.video as VideoValue | undefined;
  const seq = engine.outputs(ids.optimizer)?.sequence as CodeSequenceValue | undefined;
  const model = engine.outputs(ids.model)?.model as ModelValue | undefined;
  if (!video || !seq || !model) throw new Error('tracking accuracy: the run has no video, sequence or model output');
  const meshes = engine.artifacts(ids.meshes).map((a) => parsePly(a.data as Uint8Array));
  return scoreTracking(model.model, meshes, await sequenceTruth(video, engine.assets), model.stats);
}
