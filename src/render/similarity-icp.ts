/**
 * Similarity ICP of a mesh onto ground-truth points, as MonoNPHM's evaluation aligns a
 * reconstruction before measuring it (reference §6): repeatedly pair each ground-truth point with
 * its closest point on the mesh and solve the similarity transform that best maps the one onto the
 * other (Umeyama 1991, least squares over rotation, translation and one
 * scale; SVD by ml-matrix). The alignment removes what a monocular tracker cannot know — the head's
 * absolute size and distance trade off along the viewing ray — so the metric after it measures
 * shape and expression.
 */
import { determinant, Matrix, SingularValueDecomposition } from 'ml-matrix';
import { ClosestPointQuery, type MeshLike } from './recon-metrics.ts';

export interface Similarity {
  /** x ↦ s·R·x + t, R row-major 3×3. */
  scale: number;
  rotation: number[];
  translation: [number, number, number];
}

/** The similarity minimising Σ‖s·R·src_i + t − dst_i‖² (Umeyama). */
export function umeyama(src: Float32Array, dst: Float32Array): Similarity {
  const n = src.length / 3;
  if (n < 3 || dst.length !== src.length) throw new Error(`umeyama: need ≥ 3 point pairs, got ${n} and ${dst.length / 3}`);
  const ms = [0, 0, 0], md = [0, 0, 0];
  for (let i = 0; i < n; i++) for (let k = 0; k < 3; k++) (ms[k]! += src[3 * i + k]! / n), (md[k]! += dst[3 * i + k]! / n);
  const cov = Matrix.zeros(3, 3);
  let varS = 0;
  for (let i = 0; i < n; i++) {
    for (let r = 0; r < 3; r++) {
      const d = dst[3 * i + r]! - md[r]!;
      for (let c = 0; c < 3; c++) cov.set(r, c, cov.get(r, c) + (d * (src[3 * i + c]! - ms[c]!)) / n);
      varS += (src[3 * i + r]! - ms[r]!) ** 2 / n;
    }
  }
  const svd = new SingularValueDecomposition(cov);
  const U = svd.leftSingularVectors, V = svd.rightSingularVectors, D = svd.diagonal;
  const det = determinant(U) * determinant(V);
  const S = Matrix.eye(3, 3);
  if (det < 0) S.set(2, 2, -1);
  const R = U.mmul(S).mmul(V.transpose());
  const scale = (D[0]! * S.get(0, 0) + D[1]! * S.get(1, 1) + D[2]! * S.get(2, 2)) / varS;
  const t = [0, 1, 2].map((r) => md[r]! - scale * (R.get(r, 0) * ms[0]! + R.get(r, 1) * ms[1]! + R.get(r, 2) * ms[2]!)) as [number, number, number];
  return { scale, rotation: R.to1DArray(), translation: t };
}

export function applySimilarity(t: Similarity, points: Float32Array): Float32Array {
  const R = t.rotation, s = t.scale;
  const out = new Float32Array(points.length);
  for (let i = 0; i < points.length; i += 3) {
    const x = points[i]!, y = points[i + 1]!, z = points[i + 2]!;
    for (let r = 0; r < 3; r++) out[i + r] = s * (R[3 * r]! * x + R[3 * r + 1]! * y + R[3 * r + 2]! * z) + t.translation[r]!;
  }
  return out;
}

/**
 * The mesh moved by similarity ICP onto `points`, and the transform. The points move instead of
 * the mesh (each paired with its closest point on the fixed mesh; the inverse of their accumulated
 * transform moves the mesh at the end), so one closest-point tree serves every iteration.
 */
export function alignMeshToPoints(mesh: MeshLike, points: Float32Array, iterations = 10, closest = new ClosestPointQuery(mesh)): { mesh: MeshLike; transform: Similarity } {
  let moved = points;
  let toMesh: Similarity = { scale: 1, rotation: [1, 0, 0, 0, 1, 0, 0, 0, 1], translation: [0, 0, 0] };
  for (let it = 0; it < iterations; it++) {
    const { offsets } = closest.query(moved);
    const onMesh = Float32Array.from(moved, (p, i) => p + offsets[i]!);
    const step = umeyama(moved, onMesh);
    moved = applySimilarity(step, moved);
    toMesh = compose(step, toMesh);
  }
  const transform = invert(toMesh);
  return { mesh: { positions: applySimilarity(transform, mesh.positions), indices: mesh.indices }, transform };
}

/** x ↦ s·R·x + t inverted: y ↦ (1/s)·Rᵀ·(y − t). */
function invert(a: Similarity): Similarity {
  const R = a.rotation;
  const Rt = [R[0]!, R[3]!, R[6]!, R[1]!, R[4]!, R[7]!, R[2]!, R[5]!, R[8]!];
  const s = 1 / a.scale;
  const t = [0, 1, 2].map((r) => -s * (Rt[3 * r]! * a.translation[0] + Rt[3 * r + 1]! * a.translation[1] + Rt[3 * r + 2]! * a.translation[2])) as [number, number, number];
  return { scale: s, rotation: Rt, translation: t };
}

/** a ∘ b. */
function compose(a: Similarity, b: Similarity): Similarity {
  const R = [0, 1, 2].flatMap((r) => [0, 1, 2].map((c) => a.rotation[3 * r]! * b.rotation[c]! + a.rotation[3 * r + 1]! * b.rotation[3 + c]! + a.rotation[3 * r + 2]! * b.rotation[6 + c]!));
  const tb = applySimilarity(a, Float32Array.from(b.translation));
  return { scale: a.scale * b.scale, rotation: R, translation: [tb[0]!, tb[1]!, tb[2]!] };
}
