/**
 * Reconstruction metrics as MonoNPHM's eval.py computes them (reference §6): one-directional from
 * ground-truth points to their closest points on the mesh's triangles — Chamfer-L1 (mean L1 norm of
 * the offset vector), Chamfer-L2 (mean Euclidean distance), normal consistency (mean |n_gt·n_face|)
 * and recall at thresholds. Closest points use a uniform grid of triangle bounding boxes searched in
 * growing shells, exact (a shell stops the search once it lies farther than the best hit).
 */

export interface MeshLike {
  positions: Float32Array;
  indices: Uint32Array | Int32Array | number[];
}

export interface ClosestResult {
  /** Offset vectors closest − point, n×3. */
  offsets: Float32Array;
  /** Closest triangle per point. */
  triangle: Int32Array;
}

/** Closest point on triangle abc to p (Ericson, Real-Time Collision Detection §5.1.5). */
function closestOnTriangle(p: number[], a: number[], b: number[], c: number[], out: number[]): void {
  const ab = [b[0]! - a[0]!, b[1]! - a[1]!, b[2]! - a[2]!];
  const ac = [c[0]! - a[0]!, c[1]! - a[1]!, c[2]! - a[2]!];
  const ap = [p[0]! - a[0]!, p[1]! - a[1]!, p[2]! - a[2]!];
  const dot = (u: number[], v: number[]) => u[0]! * v[0]! + u[1]! * v[1]! + u[2]! * v[2]!;
  const set = (u: number[], s = 0, v?: number[], t = 0, w?: number[]) => {
    for (let k = 0; k < 3; k++) out[k] = u[k]! + (v ? s * v[k]! : 0) + (w ? t * w[k]! : 0);
  };
  const d1 = dot(ab, ap), d2 = dot(ac, ap);
  if (d1 <= 0 && d2 <= 0) return set(a);
  const bp = [p[0]! - b[0]!, p[1]! - b[1]!, p[2]! - b[2]!];
  const d3 = dot(ab, bp), d4 = dot(ac, bp);
  if (d3 >= 0 && d4 <= d3) return set(b);
  const vc = d1 * d4 - d3 * d2;
  if (vc <= 0 && d1 >= 0 && d3 <= 0) return set(a, d1 / (d1 - d3), ab);
  const cp = [p[0]! - c[0]!, p[1]! - c[1]!, p[2]! - c[2]!];
  const d5 = dot(ab, cp), d6 = dot(ac, cp);
  if (d6 >= 0 && d5 <= d6) return set(c);
  const vb = d5 * d2 - d1 * d6;
  if (vb <= 0 && d2 >= 0 && d6 <= 0) return set(a, 0, undefined, d2 / (d2 - d6), ac);
  const va = d3 * d6 - d5 * d4;
  if (va <= 0 && d4 - d3 >= 0 && d5 - d6 >= 0) {
    const w = (d4 - d3) / (d4 - d3 + (d5 - d6));
    const bc = [c[0]! - b[0]!, c[1]! - b[1]!, c[2]! - b[2]!];
    return set(b, w, bc);
  }
  const denom = 1 / (va + vb + vc);
  set(a, vb * denom, ab, vc * denom, ac);
}

export function closestPointsOnMesh(mesh: MeshLike, points: Float32Array): ClosestResult {
  const P = mesh.positions;
  const T = mesh.indices;
  const nt = T.length / 3;
  const n = points.length / 3;
  if (nt === 0) throw new Error('closest points: the mesh has no triangles');
  const lo = [Infinity, Infinity, Infinity];
  const hi = [-Infinity, -Infinity, -Infinity];
  for (let i = 0; i < P.length; i += 3) for (let k = 0; k < 3; k++) {
    lo[k] = Math.min(lo[k]!, P[i + k]!);
    hi[k] = Math.max(hi[k]!, P[i + k]!);
  }
  // ~8 triangles per occupied cell on average: cell edge from the mean triangle size.
  let edge = 0;
  for (let t = 0; t < nt; t++) {
    const a = 3 * T[3 * t]!, b = 3 * T[3 * t + 1]!;
    edge += Math.hypot(P[a]! - P[b]!, P[a + 1]! - P[b + 1]!, P[a + 2]! - P[b + 2]!);
  }
  const h = Math.max(2 * (edge / nt), 1e-6);
  const dims = [0, 1, 2].map((k) => Math.max(1, Math.ceil((hi[k]! - lo[k]!) / h) + 1));
  const cellOf = (v: number, k: number) => Math.min(dims[k]! - 1, Math.max(0, Math.floor((v - lo[k]!) / h)));
  const cells = new Map<number, number[]>();
  const key = (i: number, j: number, k: number) => (k * dims[1]! + j) * dims[0]! + i;
  for (let t = 0; t < nt; t++) {
    const ia = 3 * T[3 * t]!, ib = 3 * T[3 * t + 1]!, ic = 3 * T[3 * t + 2]!;
    const r0 = [0, 1, 2].map((k) => cellOf(Math.min(P[ia + k]!, P[ib + k]!, P[ic + k]!), k));
    const r1 = [0, 1, 2].map((k) => cellOf(Math.max(P[ia + k]!, P[ib + k]!, P[ic + k]!), k));
    for (let k = r0[2]!; k <= r1[2]!; k++) for (let j = r0[1]!; j <= r1[1]!; j++) for (let i = r0[0]!; i <= r1[0]!; i++) {
      const c = key(i, j, k);
      const l = cells.get(c);
      if (l) l.push(t);
      else cells.set(c, [t]);
    }
  }
  const offsets = new Float32Array(3 * n);
  const triangle = new Int32Array(n);
  const p = [0, 0, 0], a = [0, 0, 0], b = [0, 0, 0], c = [0, 0, 0], q = [0, 0, 0];
  const maxShell = Math.max(...dims);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < 3; k++) p[k] = points[3 * i + k]!;
    const ci = [0, 1, 2].map((k) => cellOf(p[k]!, k));
    // Distance from p to the outside of its (clamped) cell's box, for points outside the grid.
    let outside = 0;
    for (let k = 0; k < 3; k++) {
      const cl = lo[k]! + ci[k]! * h, ch = cl + h;
      const d = p[k]! < cl ? cl - p[k]! : p[k]! > ch ? p[k]! - ch : 0;
      outside = Math.max(outside, d);
    }
    let best = Infinity;
    let bestT = -1;
    const bq = [0, 0, 0];
    for (let r = 0; r <= maxShell; r++) {
      // Every unvisited cell is ≥ (r − 1)·h + outside away... conservative: stop when best < (r−1)·h.
      if (r > 0 && Math.sqrt(best) <= (r - 1) * h + outside) break;
      for (let dk = -r; dk <= r; dk++) for (let dj = -r; dj <= r; dj++) for (let di = -r; di <= r; di++) {
        if (Math.max(Math.abs(di), Math.abs(dj), Math.abs(dk)) !== r) continue;
        const x = ci[0]! + di, y = ci[1]! + dj, z = ci[2]! + dk;
        if (x < 0 || y < 0 || z < 0 || x >= dims[0]! || y >= dims[1]! || z >= dims[2]!) continue;
        const list = cells.get(key(x, y, z));
        if (!list) continue;
        for (const t of list) {
          for (let k = 0; k < 3; k++) {
            a[k] = P[3 * T[3 * t]! + k]!;
            b[k] = P[3 * T[3 * t + 1]! + k]!;
            c[k] = P[3 * T[3 * t + 2]! + k]!;
          }
          closestOnTriangle(p, a, b, c, q);
          const d = (q[0]! - p[0]!) ** 2 + (q[1]! - p[1]!) ** 2 + (q[2]! - p[2]!) ** 2;
          if (d < best) {
            best = d;
            bestT = t;
            bq[0] = q[0]!; bq[1] = q[1]!; bq[2] = q[2]!;
          }
        }
      }
    }
    for (let k = 0; k < 3; k++) offsets[3 * i + k] = bq[k]! - p[k]!;
    triangle[i] = bestT;
  }
  return { offsets, triangle };
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

/** Metrics of ground-truth points (with unit normals) against a mesh; thresholds in model units. */
export function reconstructionMetrics(mesh: MeshLike, points: Float32Array, normals: Float32Array, thresholds: number[]): ReconMetrics {
  const n = points.length / 3;
  const { offsets, triangle } = closestPointsOnMesh(mesh, points);
  const P = mesh.positions;
  const T = mesh.indices;
  let l1 = 0, l2 = 0, nc = 0;
  const hits = thresholds.map(() => 0);
  for (let i = 0; i < n; i++) {
    const ox = offsets[3 * i]!, oy = offsets[3 * i + 1]!, oz = offsets[3 * i + 2]!;
    l1 += Math.abs(ox) + Math.abs(oy) + Math.abs(oz);
    const d = Math.hypot(ox, oy, oz);
    l2 += d;
    thresholds.forEach((t, k) => { if (d <= t) hits[k]!++; });
    const t = triangle[i]!;
    const a = 3 * T[3 * t]!, b = 3 * T[3 * t + 1]!, c = 3 * T[3 * t + 2]!;
    const ux = P[b]! - P[a]!, uy = P[b + 1]! - P[a + 1]!, uz = P[b + 2]! - P[a + 2]!;
    const vx = P[c]! - P[a]!, vy = P[c + 1]! - P[a + 1]!, vz = P[c + 2]! - P[a + 2]!;
    const fx = uy * vz - uz * vy, fy = uz * vx - ux * vz, fz = ux * vy - uy * vx;
    const fl = Math.hypot(fx, fy, fz) || 1;
    nc += Math.abs((fx * normals[3 * i]! + fy * normals[3 * i + 1]! + fz * normals[3 * i + 2]!) / fl);
  }
  const recall: Record<string, number> = {};
  thresholds.forEach((t, k) => (recall[String(t)] = hits[k]! / n));
  return { chamferL1: l1 / n, chamferL2: l2 / n, normalConsistency: nc / n, recall, points: n };
}
