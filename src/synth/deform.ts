/**
 * Expressions as a deformation of the neutral head. The field is defined backwards, as MonoNPHM's:
 * a posed point x maps to the canonical (neutral) point B(x) and sdf(x) = sdf_neutral(B(x)). So a
 * posed surface point and B of it are the same material point, and correspondences are exact.
 *
 * B = B_jaw ∘ B_eyes ∘ B_local, applied to x from right to left:
 * - B_local: Gaussian-weighted displacement bumps (smile, pucker, brows, frown, cheek puff, sneer,
 *   mouth shift). Small amplitudes against their widths keep B invertible.
 * - B_eyes: per eye, a monotone re-map of the angle about the eyeball's horizontal axis: the lid
 *   margins move towards a meeting line, the opening in between is stretched over the canonical
 *   opening. Rotations about the eyeball centre leave the eyeball itself unchanged.
 * - B_jaw: the lower face rotated about a hinge axis; the wedge that opens between the lips maps
 *   onto the canonical mouth line y = ym, where the lips are separated by the slit and the cavity,
 *   so the opening shows the mouth interior.
 */
import { smoothstep } from './primitives.ts';
import type { Shape } from './shape.ts';
import type { ParamValues } from './params.ts';

const BUMP_STRIDE = 11; // cx cy cz isx isy isz dx dy dz kind amp

export class ExpressionDeformation {
  readonly s: Shape;
  readonly jawTheta: number;
  private readonly jawCos: number;
  private readonly jawSin: number;
  private readonly closeL: number;
  private readonly closeR: number;
  private readonly bumps: Float64Array;
  private readonly nBumps: number;
  readonly isNeutral: boolean;
  /** Output of `backward`: the canonical point, and whether x fell in the opened jaw wedge. */
  qx = 0;
  qy = 0;
  qz = 0;
  inJawGap = false;

  constructor(shape: Shape, expr: ParamValues) {
    this.s = shape;
    const e = (k: string): number => expr[k] ?? 0;
    this.jawTheta = e('jawOpen') * shape.jawMax;
    this.jawCos = Math.cos(this.jawTheta);
    this.jawSin = Math.sin(this.jawTheta);
    // A fully shut lid would collapse the opening to a line, where B has no inverse (anchors on the
    // eyeball could not be carried forwards); 0.98 leaves a gap below 0.2 mm.
    this.closeL = Math.min(e('eyeCloseL'), 1) * 0.98;
    this.closeR = Math.min(e('eyeCloseR'), 1) * 0.98;
    const list: number[] = [];
    const add = (cx: number, cy: number, cz: number, wx: number, wy: number, wz: number, dx: number, dy: number, dz: number, kind: number, amp: number) => {
      if (amp === 0) return;
      list.push(cx, cy, cz, 1 / wx, 1 / wy, 1 / wz, dx, dy, dz, kind, amp);
    };
    const s = shape;
    const ym = s.ym;
    for (const sg of [-1, 1]) {
      add(sg * s.ulRx * 0.95, ym, 0.15, 0.045, 0.04, 0.06, sg * 0.02, 0.025, -0.012, 0, e('smile'));
      add(sg * 0.12, -0.08, 0.12, 0.06, 0.05, 0.08, 0, 0.012, 0.005, 0, e('smile'));
      add(sg * 0.1, 0.165, 0.17, 0.1, 0.07, 0.12, 0, 0.025, 0, 2, e('browRaise'));
      add(sg * 0.045, 0.15, 0.19, 0.04, 0.035, 0.06, -sg * 0.01, -0.015, 0.003, 2, e('frown'));
      add(sg * 0.14, -0.17, 0.1, 0.07, 0.07, 0.09, sg * 0.03, 0, 0.015, 0, e('cheekPuff'));
      add(sg * 0.035, ym + 0.05, 0.19, 0.05, 0.035, 0.06, 0, 0.015, 0, 0, e('sneer'));
      add(sg * s.alX, s.alY, s.alZ, 0.03, 0.03, 0.04, 0, 0.008, 0, 0, e('sneer'));
    }
    add(0, ym, 0.19, 0.08, 0.07, 0.06, 0, 0, 0.035, 1, e('pucker'));
    add(0, ym, 0.17, 0.1, 0.07, 0.08, 0.02, 0, 0, 0, e('mouthSide'));
    this.bumps = Float64Array.from(list);
    this.nBumps = list.length / BUMP_STRIDE;
    this.isNeutral = this.nBumps === 0 && this.jawTheta === 0 && this.closeL === 0 && this.closeR === 0;
  }

  /** Posed → canonical; result in qx, qy, qz (and inJawGap). */
  backward(x: number, y: number, z: number): void {
    this.inJawGap = false;
    if (this.isNeutral) {
      this.qx = x; this.qy = y; this.qz = z;
      return;
    }
    this.backwardLocal(x, y, z);
    if (this.closeL > 0 || this.closeR > 0) this.backwardEyes(this.qx, this.qy, this.qz);
    if (this.jawTheta > 0) this.jawRemap(this.qx, this.qy, this.qz);
  }

  /** The bump stage of B alone (weights evaluated at the posed point). */
  backwardLocal(x: number, y: number, z: number): void {
    let px = x, py = y, pz = z;
    const b = this.bumps;
    const s = this.s;
    for (let i = 0, o = 0; i < this.nBumps; i++, o += BUMP_STRIDE) {
      const ux = (x - b[o]!) * b[o + 3]!, uy = (y - b[o + 1]!) * b[o + 4]!, uz = (z - b[o + 2]!) * b[o + 5]!;
      const q = ux * ux + uy * uy + uz * uz;
      if (q > 9) continue; // exp(−9)·amplitude < 5e-6
      let w = b[o + 10]! * Math.exp(-q);
      const kind = b[o + 9]!;
      if (kind === 1) {
        // pucker: forwards and towards the mid-line
        px -= w * -0.3 * (x - b[o]!);
        pz -= w * b[o + 8]!;
        continue;
      }
      if (kind === 2) {
        // brow bumps leave the eyeballs in place
        const ex = (x < 0 ? -x : x) - s.eyX, ey = y - s.eyY, ez = z - s.eyZ;
        w *= smoothstep(s.eyR + 0.004, s.eyR + 0.035, Math.sqrt(ex * ex + ey * ey + ez * ez));
      }
      px -= w * b[o + 6]!; py -= w * b[o + 7]!; pz -= w * b[o + 8]!;
    }
    this.qx = px; this.qy = py; this.qz = pz;
  }

  /** The eyelid stage of B alone. */
  backwardEyes(x: number, y: number, z: number): void {
    this.qx = x; this.qy = y; this.qz = z;
    if (this.closeL > 0 && x > 0) this.eyeRemap(x, y, z, 1, this.closeL, false);
    else if (this.closeR > 0 && x < 0) this.eyeRemap(x, y, z, -1, this.closeR, false);
  }

  /** Inverse of the eyelid stage, exact (the angle map is piecewise linear and keeps |x| and r). */
  forwardEyes(x: number, y: number, z: number): void {
    this.qx = x; this.qy = y; this.qz = z;
    if (this.closeL > 0 && x > 0) this.eyeRemap(x, y, z, 1, this.closeL, true);
    else if (this.closeR > 0 && x < 0) this.eyeRemap(x, y, z, -1, this.closeR, true);
  }

  /** The jaw stage of B alone (sets inJawGap). */
  backwardJaw(x: number, y: number, z: number): void {
    this.inJawGap = false;
    if (this.jawTheta > 0) this.jawRemap(x, y, z);
    else { this.qx = x; this.qy = y; this.qz = z; }
  }

  private eyeRemap(x: number, y: number, z: number, side: number, c: number, inverse: boolean): void {
    const s = this.s;
    this.qx = x; this.qy = y; this.qz = z;
    const lx = x * side - s.eyX, ly = y - s.eyY, lz = z - s.eyZ;
    const alx = lx < 0 ? -lx : lx;
    if (alx > s.opRx + 0.035 || lz < -0.01) return;
    const r = Math.sqrt(ly * ly + lz * lz);
    const rOut = s.eyR + 0.05;
    if (r > rOut) return;
    const w = (1 - smoothstep(s.opRx, s.opRx + 0.035, alx)) * (1 - smoothstep(s.eyR + 0.02, rOut, r));
    if (w <= 0) return;
    const rl = s.eyR + s.lidT;
    const phiU = Math.atan2(s.opDy + s.opRy * 0.95, rl);
    const phiL = Math.atan2(s.opDy - s.opRy * 0.95, rl);
    const phiM = phiL + 0.3 * (phiU - phiL);
    const phiT = phiU + 0.6, phiB = phiL - 0.5;
    const pu = phiU + c * (phiM - phiU);
    const pl = phiL + c * (phiM - phiL);
    const phi = Math.atan2(ly, lz);
    // g(φ) = φ + w·(m(φ) − φ), m piecewise linear: (φB, pl, pu, φT) ↦ (φB, φL, φU, φT)
    let d = 0;
    if (phi > phiB && phi < phiT) {
      const gl = pl + w * (phiL - pl), gu = pu + w * (phiU - pu);
      const x0 = phiB, x1 = inverse ? gl : pl, x2 = inverse ? gu : pu;
      const y1 = inverse ? pl : gl, y2 = inverse ? pu : gu;
      let out: number;
      if (phi <= x1) out = phiB + ((phi - x0) * (y1 - phiB)) / (x1 - x0);
      else if (phi >= x2) out = y2 + ((phi - x2) * (phiT - y2)) / (phiT - x2);
      else out = x2 - x1 > 1e-12 ? y1 + ((phi - x1) * (y2 - y1)) / (x2 - x1) : 0.5 * (y1 + y2);
      d = out - phi;
    }
    if (d === 0) return;
    const cs = Math.cos(d), sn = Math.sin(d);
    // rotate (ly, lz) by d about the eye's x-axis (positive = upwards)
    const nz = cs * lz - sn * ly;
    const ny = sn * lz + cs * ly;
    this.qy = ny + s.eyY;
    this.qz = nz + s.eyZ;
  }

  private jawRemap(x: number, y: number, z: number): void {
    const s = this.s;
    const t0 = this.jawTheta;
    const dy = y - s.jpY, dz = z - s.jpZ;
    this.qx = x; this.qy = y; this.qz = z;
    const ax = x < 0 ? -x : x;
    if (ax >= 0.34 || dz <= 0) return;
    // falloff: evaluated at the point rotated back by the full angle, so that the moved chin keeps
    // its full weight while the neck, the ears and the back of the head stay put.
    const c0 = this.jawCos, s0 = this.jawSin;
    const bz = c0 * dz - s0 * dy + s.jpZ, by = s0 * dz + c0 * dy + s.jpY;
    const u = bz + 0.6 * (by - s.ym);
    if (u <= -0.2) return;
    const f = smoothstep(-0.2, -0.03, u) * (1 - smoothstep(0.2, 0.34, ax));
    const th = t0 * f;
    if (th <= 0) return;
    const r = Math.sqrt(dy * dy + dz * dz);
    const hgt = (s.ym - s.jpY) / r;
    if (hgt >= 1 || hgt <= -1) return;
    const phiLine = Math.asin(hgt);
    const phi = Math.atan2(dy, dz);
    // Within the mouth's width the opened wedge collapses onto the mouth line (a hard hinge that
    // shows the interior); beside it the rotation fades smoothly over a wider angle, so the cheeks
    // stretch instead of showing a seam. Both maps are monotone in φ, so their blend is too.
    const gf = 1 - smoothstep(s.slitRx * 0.85, s.slitRx * 1.5, ax);
    let dHard = 0;
    if (gf > 0 && phi < phiLine) {
      if (phi <= phiLine - th) dHard = th;
      else {
        dHard = phiLine - phi;
        if (gf > 0.5) this.inJawGap = true;
      }
    }
    let dSoft = 0;
    if (gf < 1) dSoft = th * smoothstep(phiLine + 0.06, phiLine - th - 0.25, phi);
    const d = gf * dHard + (1 - gf) * dSoft;
    if (d === 0) return;
    const cs = Math.cos(d), sn = Math.sin(d);
    this.qz = cs * dz - sn * dy + s.jpZ;
    this.qy = sn * dz + cs * dy + s.jpY;
  }
}
