/**
 * Seeds for the 65 anchors and the iBUG-68 landmarks of one identity, before they are projected onto
 * its neutral surface. Each anchor's mean position (anchors_65.json) is moved with the feature it
 * belongs to (eye, nose, mouth, jaw …) by the same offsets and scales the identity applies to that
 * feature's primitives. iBUG-68 points are the anchors paired with them in MonoNPHM's tracker
 * (`landmark_pairs.json`) plus midpoints and a few explicit points (inner lips, nose base).
 */
import { MEAN_ANCHORS } from './anchors-mean.ts';
import { BASE, type Shape } from './shape.ts';

type Group = 'cranium' | 'ear' | 'jaw' | 'chin' | 'neck' | 'mouth' | 'nose' | 'eye' | 'brow' | 'cheek';

const GROUPS: Record<Group, number[]> = {
  cranium: [22, 23, 24, 25, 26, 27, 28, 29, 30, 31],
  ear: [0, 1],
  jaw: [2, 3, 4, 5, 38, 39, 56, 57],
  chin: [54, 55, 60],
  neck: [32, 33, 63],
  mouth: [16, 17, 18, 19, 20, 21, 44, 45, 46, 47],
  nose: [10, 11, 61, 62, 64],
  eye: [12, 13, 14, 15, 48, 49, 50, 51],
  brow: [6, 7, 8, 9, 52, 53],
  cheek: [34, 35, 36, 37, 40, 41, 42, 43, 58, 59],
};

const GROUP_OF: Group[] = (() => {
  const g: Group[] = new Array(65);
  for (const [name, ids] of Object.entries(GROUPS) as [Group, number[]][]) for (const i of ids) g[i] = name;
  return g;
})();

/** Moves a mean-head point that belongs to `group` to the identity `s`. */
function moveWith(group: Group, s: Shape, x: number, y: number, z: number, out: Float64Array, o: number): void {
  const B = BASE;
  const sg = x < 0 ? -1 : 1;
  const ax = Math.abs(x);
  let nx = ax, ny = y, nz = z;
  switch (group) {
    case 'cranium':
      nx = ax * (s.crRx / B.crRx);
      ny = s.crCy + (y - B.crCy) * (s.crRy / B.crRy);
      nz = s.crCz + (z - B.crCz) * (s.crRz / B.crRz);
      break;
    case 'ear':
      nx = ax + (s.eaX - B.eaX); ny = y + (s.eaY - B.eaY);
      break;
    case 'jaw':
      nx = ax * (s.jaX / B.jaX); ny = y + (s.jaY - B.jaY); nz = z + (s.jcZ - B.jcZ) * 0.5;
      break;
    case 'chin':
      nx = ax; ny = y + (s.chCy - B.chCy); nz = z + (s.chCz - B.chCz);
      break;
    case 'neck':
      nx = ax * (s.nkRx / B.nkRx);
      break;
    case 'mouth':
      nx = ax * (s.ulRx / B.ulRx); ny = y + (s.ym - B.ym); nz = z + (s.ulZ - B.ulZ);
      break;
    case 'nose': {
      const t = Math.max(0, Math.min(1, (B.ntY - y) / (B.ntY - B.tipY)));
      nx = ax + (ax > 0.02 ? s.alX - B.alX : 0);
      ny = y + t * (s.tipY - B.tipY);
      nz = z + t * (s.tipZ - B.tipZ);
      break;
    }
    case 'eye':
      nx = s.eyX + (ax - B.eyX) * (s.opRx / B.opRx);
      ny = s.eyY + (y - B.eyY) * (s.opRy / B.opRy);
      break;
    case 'brow':
      nx = ax + (s.eyX - B.eyX); nz = z + (s.brCz - B.brCz);
      break;
    case 'cheek':
      nx = ax * (s.ckX / B.ckX); ny = y + (s.fcCy - B.fcCy);
      break;
  }
  out[o] = sg * nx; out[o + 1] = ny; out[o + 2] = nz;
}

export function anchorSeeds(s: Shape): Float64Array {
  const out = new Float64Array(65 * 3);
  for (let i = 0; i < 65; i++) {
    moveWith(GROUP_OF[i]!, s, MEAN_ANCHORS[3 * i]!, MEAN_ANCHORS[3 * i + 1]!, MEAN_ANCHORS[3 * i + 2]!, out, 3 * i);
  }
  return out;
}

/** iBUG-68 (0-based) → anchor index, from MonoNPHM's ANCHOR_iBUG68_pairs_65 (landmark_pairs.json). */
export const IBUG_FROM_ANCHOR: Readonly<Record<number, number>> = {
  0: 0, 16: 1, 2: 38, 14: 39, 4: 2, 12: 3, 6: 4, 10: 5, 8: 60, 31: 10, 35: 11, 30: 62, 27: 61,
  17: 6, 26: 7, 36: 12, 45: 13, 39: 14, 42: 15, 48: 16, 54: 17, 50: 18, 52: 19, 58: 20, 56: 21,
  49: 44, 53: 45, 59: 46, 55: 47, 38: 48, 43: 49, 41: 50, 46: 51, 21: 52, 22: 53,
};

/** Landmarks that are (weighted) midpoints of two others: [index, a, b, t] → (1−t)·a + t·b. */
const MIDPOINTS: [number, number, number, number][] = [
  [1, 0, 2, 0.5], [3, 2, 4, 0.5], [5, 4, 6, 0.5], [7, 6, 8, 0.5], [9, 8, 10, 0.5], [11, 10, 12, 0.5],
  [13, 12, 14, 0.5], [15, 14, 16, 0.5],
  [28, 27, 30, 1 / 3], [29, 27, 30, 2 / 3],
  [37, 36, 38, 0.5], [40, 39, 41, 0.5], [44, 43, 45, 0.5], [47, 42, 46, 0.5],
];

/**
 * Explicit mean positions (mouth and nose groups) for points without an anchor; the inner-lip
 * points sit 1.5 mm above/below the mouth line so they project onto the right lip.
 */
const EXPLICIT: [number, 'mouth' | 'nose' | 'brow', number, number, number][] = [
  [33, 'nose', 0, -0.105, 0.235], [32, 'nose', -0.022, -0.102, 0.225], [34, 'nose', 0.022, -0.102, 0.225],
  [51, 'mouth', 0, -0.16, 0.23], [57, 'mouth', 0, -0.252, 0.2],
  [60, 'mouth', -0.078, -0.203, 0.16], [61, 'mouth', -0.035, -0.199, 0.2], [62, 'mouth', 0, -0.199, 0.21], [63, 'mouth', 0.035, -0.199, 0.2],
  [64, 'mouth', 0.078, -0.203, 0.16], [65, 'mouth', 0.035, -0.211, 0.2], [66, 'mouth', 0, -0.211, 0.21], [67, 'mouth', -0.035, -0.211, 0.2],
  // brow arches (18–20, 23–25): above the eye centres, on the brow ridge
  [18, 'brow', -0.2, 0.165, 0.14], [19, 'brow', -0.154, 0.176, 0.17], [20, 'brow', -0.095, 0.165, 0.19],
  [23, 'brow', 0.095, 0.165, 0.19], [24, 'brow', 0.154, 0.176, 0.17], [25, 'brow', 0.2, 0.165, 0.14],
];

/** Seeds of the 68 landmarks given the identity's (projected) anchors. */
export function landmarkSeeds(s: Shape, anchors: Float64Array): Float64Array {
  const out = new Float64Array(68 * 3);
  for (const [k, a] of Object.entries(IBUG_FROM_ANCHOR)) {
    const i = Number(k);
    out[3 * i] = anchors[3 * a]!; out[3 * i + 1] = anchors[3 * a + 1]!; out[3 * i + 2] = anchors[3 * a + 2]!;
  }
  // the eyebrow anchors 6/7 sit at the temples; the outer brow ends are pulled towards the eyes
  for (const [i, sg] of [[17, -1], [26, 1]] as const) {
    out[3 * i] = sg * (s.eyX + 0.1); out[3 * i + 1] = s.eyY + 0.075; out[3 * i + 2] = s.eyZ + 0.0;
  }
  for (const [i, g, x, y, z] of EXPLICIT) moveWith(g, s, x, y, z, out, 3 * i);
  for (const [i, a, b, t] of MIDPOINTS) {
    for (let c = 0; c < 3; c++) out[3 * i + c] = (1 - t) * out[3 * a + c]! + t * out[3 * b + c]!;
  }
  return out;
}
