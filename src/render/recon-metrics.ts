/**
 * Reconstruction metrics as MonoNPHM's eval.py computes them (reference §6): one-directional from
 * ground-truth points to their closest points on the mesh's triangles — Chamfer-L1 (mean L1 norm of
 * the offset vector), Chamfer-L2 (mean Euclidean distance), normal consistency (mean |n_gt·n_face|)
 * and recall at thresholds. Closest points are exact, found in a bounding-volume hierarchy of the
 * mesh's triangles (three-mesh-bvh).
 */
import { BufferAttribute, BufferGeometry, Vector3 } from 'three';
import { MeshBVH } from 'three-mesh-bvh';

export interface MeshLike {
  positions: Float32Array;
  indices: Uint32Array | Int32Array | number[];
}

export interface ClosestResult {
  /** Offset vectors closest − point, n×3. */
  offsets: Float32Array;
  /** Unit normal of each point's closest triangle, n×3. */
  normals: Float32Array;
}

/**
 * Closest points on one mesh for many point sets: the mesh's bounding-volume hierarchy
 * (three-mesh-bvh) is built once, so an ICP that moves the points instead of the mesh queries the
 * same tree every iteration.
 */
export class ClosestPointQuery {
  private readonly bvh: MeshBVH;
  private readonly positions: Float32Array;
  /** The tree's own copy of the triangle list (it reorders triangles; faceIndex refers to it). */
  private readonly triangles: ArrayLike<number>;

  constructor(mesh: MeshLike) {
    if (mesh.indices.length < 3) throw new Error('closest points: the mesh has no triangles');
    const geometry = new BufferGeometry();
    this.positions = mesh.positions;
    geometry.setAttribute('position', new BufferAttribute(mesh.positions, 3));
    geometry.setIndex(new BufferAttribute(Uint32Array.from(mesh.indices), 1));
    this.bvh = new MeshBVH(geometry);
    this.triangles = geometry.index!.array;
  }

  /** For every point (n×3): the offset to its closest point on the mesh and that triangle's unit normal. */
  query(points: Float32Array): ClosestResult {
    const n = points.length / 3;
    const offsets = new Float32Array(3 * n);
    const normals = new Float32Array(3 * n);
    const p = new Vector3();
    const hit = { point: new Vector3(), distance: 0, faceIndex: 0 };
    const P = this.positions, T = this.triangles;
    for (let i = 0; i < n; i++) {
      p.set(points[3 * i]!, points[3 * i + 1]!, points[3 * i + 2]!);
      if (!this.bvh.closestPointToPoint(p, hit)) throw new Error('closest points: the mesh has no reachable triangle');
      offsets[3 * i] = hit.point.x - p.x;
      offsets[3 * i + 1] = hit.point.y - p.y;
      offsets[3 * i + 2] = hit.point.z - p.z;
      const a = 3 * T[3 * hit.faceIndex]!, b = 3 * T[3 * hit.faceIndex + 1]!, c = 3 * T[3 * hit.faceIndex + 2]!;
      const ux = P[b]! - P[a]!, uy = P[b + 1]! - P[a + 1]!, uz = P[b + 2]! - P[a + 2]!;
      const vx = P[c]! - P[a]!, vy = P[c + 1]! - P[a + 1]!, vz = P[c + 2]! - P[a + 2]!;
      const fx = uy * vz - uz * vy, fy = uz * vx - ux * vz, fz = ux * vy - uy * vx;
      const fl = Math.hypot(fx, fy, fz) || 1;
      normals[3 * i] = fx / fl;
      normals[3 * i + 1] = fy / fl;
      normals[3 * i + 2] = fz / fl;
    }
    return { offsets, normals };
  }
}

/** Closest points on a mesh's triangles (exact), for one point set. */
export function closestPointsOnMesh(mesh: MeshLike, points: Float32Array): ClosestResult {
  return new ClosestPointQuery(mesh).query(points);
}

export interface ReconMetrics {
  /** Mean L1 norm of the offset (model units). */
  chamferL1: number;
  /** Mean Euclidean distance (model units). */
  chamferL2: number;
  normalConsistency: number;
  /** Fraction of points within each threshold (model units), keyed by the threshold. */
  recall: Record<string, number>;
  points: number;
}

/**
 * Metrics of ground-truth points (with unit normals) against a mesh, or its closest-point query
 * when one mesh is scored against several point sets; thresholds in model units.
 */
export function reconstructionMetrics(mesh: MeshLike | ClosestPointQuery, points: Float32Array, normals: Float32Array, thresholds: number[]): ReconMetrics {
  const n = points.length / 3;
  const { offsets, normals: faceNormals } = (mesh instanceof ClosestPointQuery ? mesh : new ClosestPointQuery(mesh)).query(points);
  let l1 = 0, l2 = 0, nc = 0;
  const hits = thresholds.map(() => 0);
  for (let i = 0; i < n; i++) {
    const ox = offsets[3 * i]!, oy = offsets[3 * i + 1]!, oz = offsets[3 * i + 2]!;
    l1 += Math.abs(ox) + Math.abs(oy) + Math.abs(oz);
    const d = Math.hypot(ox, oy, oz);
    l2 += d;
    thresholds.forEach((t, k) => { if (d <= t) hits[k]!++; });
    nc += Math.abs(faceNormals[3 * i]! * normals[3 * i]! + faceNormals[3 * i + 1]! * normals[3 * i + 1]! + faceNormals[3 * i + 2]! * normals[3 * i + 2]!);
  }
  const recall: Record<string, number> = {};
  thresholds.forEach((t, k) => (recall[String(t)] = hits[k]! / n));
  return { chamferL1: l1 / n, chamferL2: l2 / n, normalConsistency: nc / n, recall, points: n };
}
