/**
 * Accuracy of tracked heads against ground truth, as MonoNPHM's evaluation measures it (reference
 * §6): one-directional from ground-truth points to the tracked mesh — Chamfer-L1, normal
 * consistency, recall at 1 / 2.5 / 5 mm-equivalent (1 model unit = 250 mm). Ground-truth points are
 * what a depth camera at the frame's camera sees of the true mesh (render/visible-surface.ts).
 *
 * Four figures, reported side by side:
 * - `face`: the original's protocol — points on skin, brows, nose and lips in the frame's labels,
 *   away from the neck, eyes, mouth interior, hair and the silhouette (a 1-pixel margin);
 * - `head`: every visible point inside the model's mesh box (reference §8), where a model mesh can
 *   reach at all;
 * - `all`: every visible point, neck and shoulders below the box included (what earlier versions
 *   of this evaluation reported; a model mesh cut at the box cannot approach it);
 * - `faceAligned`: the face region after a similarity ICP of the mesh onto it — the original's full
 *   protocol. The first three apply no alignment, so pose errors count, including the depth a
 *   monocular tracker trades against the head's size; the aligned figure measures shape.
 */
import { ClosestPointQuery, reconstructionMetrics } from '../render/recon-metrics.ts';
import { REFERENCE_BOX } from '../render/mesh.ts';
import { so3ExpNumbers } from '../render/pose.ts';
import type { Camera } from '../render/camera.ts';
import { selectSamples, visibleSurface, type SurfaceSamples } from '../render/visible-surface.ts';
import type { MeshLike } from '../render/recon-metrics.ts';
import { alignMeshToPoints } from '../render/similarity-icp.ts';
import type { RigidPose } from './state.ts';

export const MM_PER_UNIT = 250;
const THRESHOLDS_MM = [1, 2.5, 5] as const;

export interface FrameAccuracy {
  chamferL1mm: number;
  normalConsistency: number;
  recall: { '1mm': number; '2.5mm': number; '5mm': number };
  points: number;
}

export const REGIONS = ['face', 'head', 'all', 'faceAligned'] as const;
export type Region = (typeof REGIONS)[number];
export type RegionAccuracy = Record<Region, FrameAccuracy>;

/** Face classes of the labels (skin, brows, nose, lips) and the classes a face point keeps a pixel away from. */
const FACE_CLASSES = new Set([2, 6, 7, 10, 12, 13]);
const AWAY_FROM = new Set([0, 1, 3, 8, 9, 11, 14]);

/** The ground truth of one frame. */
export interface FrameTruth {
  /** World-space mesh of the true surface, with outward vertex normals. */
  mesh: MeshLike & { normals?: Float32Array };
  camera: Camera;
  /** Residual pose (world → model) of the true head: places the model's mesh box. */
  pose: RigidPose;
  /** Region labels at the camera's resolution (without them, `face` equals `head`). */
  labels?: Uint8Array;
}

export interface GroundTruthPoints {
  face: SurfaceSamples;
  head: SurfaceSamples;
  all: SurfaceSamples;
}

/** The visible ground-truth points of a frame, per region (seeded: the same points for every mesh scored). */
export function groundTruthPoints(t: FrameTruth, samples = 20_000, seed = 1): GroundTruthPoints {
  const all = visibleSurface(t.mesh, t.camera, { samples, seed });
  const R = so3ExpNumbers(Array.from(t.pose.rot));
  const inBox = (i: number) => {
    for (let r = 0; r < 3; r++) {
      const m = R[r]![0]! * all.points[3 * i]! + R[r]![1]! * all.points[3 * i + 1]! + R[r]![2]! * all.points[3 * i + 2]! + t.pose.trans[r]!;
      if (!(m > REFERENCE_BOX.min[r]! && m < REFERENCE_BOX.max[r]!)) return false;
    }
    return true;
  };
  const head = selectSamples(all, inBox);
  const { width: W, height: H } = t.camera;
  const labels = t.labels;
  if (labels && labels.length !== W * H) throw new Error(`ground truth: ${labels.length} labels for a ${W}×${H} camera`);
  const onFace = (i: number) => {
    if (!labels) return true;
    const u = Math.round(head.pixels[2 * i]!), v = Math.round(head.pixels[2 * i + 1]!);
    if (u < 1 || v < 1 || u >= W - 1 || v >= H - 1 || !FACE_CLASSES.has(labels[v * W + u]!)) return false;
    for (let dv = -1; dv <= 1; dv++) for (let du = -1; du <= 1; du++) if (AWAY_FROM.has(labels[(v + dv) * W + u + du]!)) return false;
    return true;
  };
  return { face: selectSamples(head, onFace), head, all };
}

function score(mesh: MeshLike | ClosestPointQuery, gt: SurfaceSamples): FrameAccuracy {
  if (!gt.points.length) throw new Error('accuracy: no ground-truth points in this region');
  const m = reconstructionMetrics(mesh, gt.points, gt.normals, THRESHOLDS_MM.map((t) => t / MM_PER_UNIT));
  const r = Object.values(m.recall);
  return { chamferL1mm: m.chamferL1 * MM_PER_UNIT, normalConsistency: m.normalConsistency, recall: { '1mm': r[0]!, '2.5mm': r[1]!, '5mm': r[2]! }, points: m.points };
}

/** A world-space mesh against a frame's ground-truth points, per region. */
export function regionAccuracy(mesh: MeshLike, gt: GroundTruthPoints): RegionAccuracy {
  // One closest-point tree of the mesh for the ICP and the three regions.
  const closest = new ClosestPointQuery(mesh);
  const aligned = alignMeshToPoints(mesh, gt.face.points, undefined, closest).mesh;
  return { face: score(closest, gt.face), head: score(closest, gt.head), all: score(closest, gt.all), faceAligned: score(aligned, gt.face) };
}

export function meanAccuracy(rows: readonly FrameAccuracy[]): FrameAccuracy {
  const avg = (f: (r: FrameAccuracy) => number) => rows.reduce((a, r) => a + f(r), 0) / rows.length;
  return {
    chamferL1mm: avg((r) => r.chamferL1mm),
    normalConsistency: avg((r) => r.normalConsistency),
    recall: { '1mm': avg((r) => r.recall['1mm']), '2.5mm': avg((r) => r.recall['2.5mm']), '5mm': avg((r) => r.recall['5mm']) },
    points: avg((r) => r.points),
  };
}

export function meanRegionAccuracy(rows: readonly RegionAccuracy[]): RegionAccuracy {
  return Object.fromEntries(REGIONS.map((r) => [r, meanAccuracy(rows.map((x) => x[r]))])) as RegionAccuracy;
}

/** One line of figures, e.g. for a benchmark. */
export function formatAccuracy(a: FrameAccuracy): string {
  return `Chamfer-L1 ${a.chamferL1mm.toFixed(2)} mm, NC ${a.normalConsistency.toFixed(3)}, recall@1/2.5/5mm ${a.recall['1mm'].toFixed(3)}/${a.recall['2.5mm'].toFixed(3)}/${a.recall['5mm'].toFixed(3)}`;
}
