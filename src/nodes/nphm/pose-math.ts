import { so3ExpNumbers } from '../../render/pose.ts';

/** Model points [n·3] → world: Rᵀ(p − t)/s for a residual pose (world → model); identity when absent. */
export function modelToWorldNumbers(points: Float32Array, pose?: { rot: ArrayLike<number>; trans: ArrayLike<number>; scale?: number }): Float32Array {
  if (!pose) return points;
  const R = so3ExpNumbers(Array.from(pose.rot));
  const s = pose.scale ?? 1;
  const out = new Float32Array(points.length);
  for (let i = 0; i < points.length; i += 3) {
    const q = [0, 1, 2].map((k) => (points[i + k]! - pose.trans[k]!) / s);
    for (let r = 0; r < 3; r++) out[i + r] = R[0]![r]! * q[0]! + R[1]![r]! * q[1]! + R[2]![r]! * q[2]!;
  }
  return out;
}
