/**
 * The neutral (expression-free) head of one identity: a signed distance field built from smooth
 * unions / subtractions of ellipsoids, round cones and spheres, plus region labels and colour. All
 * methods take plain numbers and write into preallocated fields, so evaluating millions of points
 * allocates nothing.
 */
import { sdEllipse2, sdEllipsoid, sdRoundCone, sdSphere, smax, smaxRound, smin, sminRound, smoothstep } from './primitives.ts';
import type { Shape } from './shape.ts';
import type { ParamValues } from './params.ts';

/** Segmentation classes (CelebAMask-HQ / facer `celebm` ids, reference §5). Right = subject's right = −x. */
export const SEG = {
  background: 0, neck: 1, skin: 2, cloth: 3, earR: 4, earL: 5, browR: 6, browL: 7, eyeR: 8, eyeL: 9,
  nose: 10, mouth: 11, lipLower: 12, lipUpper: 13, hair: 14,
} as const;

export const SEG_NAMES: Record<number, string> = {
  0: 'background', 1: 'neck', 2: 'skin', 3: 'cloth', 4: 'r_ear', 5: 'l_ear', 6: 'r_brow', 7: 'l_brow',
  8: 'r_eye', 9: 'l_eye', 10: 'nose', 11: 'mouth', 12: 'l_lip (lower lip)', 13: 'u_lip (upper lip)', 14: 'hair',
};

// Indices into NeutralHead.comp (the component distances of the last evaluation).
const C_EYE = 0, C_CAV = 1, C_BEFORE_CAV = 2, C_HAIR = 3, C_NO_HAIR = 4, C_EAR = 5, C_BEFORE_EAR = 6;
const C_LIPS = 7, C_BEFORE_LIPS = 8, C_NOSE = 9, C_BEFORE_NOSE = 10, C_NECK = 11, C_NO_NECK = 12, C_HEAD = 13;
const C_SLIT = 14, C_BEFORE_SLIT = 15;

/** Centre and radius of a sphere holding every face detail of every identity (checked per head). */
const FACE_C = [0, -0.06, 0.12] as const;
const FACE_R = 0.32;

export class NeutralHead {
  readonly s: Shape;
  /** Component distances of the last `sdf` call (see C_* indices); used for labels. */
  readonly comp = new Float64Array(16);
  private readonly earCos: number;
  private readonly earSin: number;
  private readonly hairN: number;
  /** top of the neck group (cylinder cap or nape ellipsoid, whichever is higher) */
  private readonly neckTop: number;
  /** radius around the ear centre that holds the turned ear */
  private readonly earReach: number;

  constructor(shape: Shape) {
    this.s = shape;
    this.earCos = Math.cos(shape.earAngle);
    this.earSin = Math.sin(shape.earAngle);
    this.hairN = 1 / Math.sqrt(1 + shape.hlS * shape.hlS);
    // nape: smin(cylinder, ellipsoid, 0.15) lies above min(…) − 0.15/4
    this.neckTop = Math.max(shape.nkTop, shape.npCy + shape.npRy);
    this.earReach = Math.hypot(shape.eaRy, 2 * shape.eaRz) + 0.01;
    for (const [cx, cy, cz, r] of this.detailSpheres()) {
      const d = Math.hypot(cx, cy - FACE_C[1], cz - FACE_C[2]) + r;
      if (d > FACE_R) throw new Error(`procedural head: a face detail reaches ${d.toFixed(3)} from the face centre, beyond the bound ${FACE_R}`);
    }
  }

  sdf(x: number, y: number, z: number): number {
    const s = this.s;
    const c = this.comp;
    const ax = x < 0 ? -x : x; // bilateral symmetry: most features are evaluated on the +x side

    // cranium + face + jaw + cheeks + brow ridge + muzzle
    const dCr = sdEllipsoid(x, y - s.crCy, z - s.crCz, s.crRx, s.crRy, s.crRz);
    let h = smin(dCr, sdEllipsoid(x, y - s.fcCy, z - s.fcCz, s.fcRx, s.fcRy, s.fcRz), s.kHead);
    let dJaw = sdRoundCone(ax, y, z, s.jaX, s.jaY, s.jaZ, s.jcX, s.jcY, s.jcZ, s.jaR, s.jcR);
    dJaw = smin(dJaw, sdEllipsoid(x, y - s.chCy, z - s.chCz, s.chRx, s.chRy, s.chRz), 0.04);
    h = smin(h, dJaw, s.kJaw);
    h = smin(h, sdEllipsoid(ax - s.ckX, y - s.ckY, z - s.ckZ, s.ckRx, s.ckRy, s.ckRz), s.kCheek);
    h = smin(h, sdEllipsoid(x, y - s.brCy, z - s.brCz, s.brRx, s.brRy, s.brRz), s.kBrow);
    h = smin(h, sdEllipsoid(x, y - s.muCy, z - s.muCz, s.muRx, s.muRy, s.muRz), s.kMuzzle);

    // Groups below are skipped when a lower bound of their distance shows they cannot change h
    // (min(h, d) = h when d ≥ h + k; max(h, −d) = h when d ≥ −h + k): most training and grid
    // points are far from the neck, the ears or the face details.
    const BIG = 1e9;

    // neck (elliptic cylinder capped above and below) and nape
    c[C_NO_NECK] = h;
    if (y - this.neckTop - 0.04 < h + s.kNeck) {
      let dNk = sdEllipse2(x, z - s.nkZ, s.nkRx, s.nkRz);
      dNk = Math.max(dNk, y - s.nkTop, s.nkBottom - y);
      dNk = smin(dNk, sdEllipsoid(x, y - s.npCy, z - s.npCz, s.npRx, s.npRy, s.npRz), 0.15);
      c[C_NECK] = dNk;
      // Under the jaw the neck meets the head at about a right angle, where a round fillet keeps
      // |∇| ≈ 1 (the polynomial blend dips to 0.7); behind, the surfaces run nearly parallel and the
      // round fillet would overestimate (up to √2), so the blend switches to polynomial there.
      const t = smoothstep(-0.3, -0.12, z);
      h = t >= 1 ? sminRound(h, dNk, s.kNeck) : t <= 0 ? smin(h, dNk, s.kNeck) : t * sminRound(h, dNk, s.kNeck) + (1 - t) * smin(h, dNk, s.kNeck);
    } else c[C_NECK] = BIG;

    // ears: flattened ellipsoids turned out by earAngle about their front edge
    c[C_BEFORE_EAR] = h;
    {
      const qx = ax - s.eaX, qy = y - s.eaY, qz = z - s.eaZ;
      if (Math.sqrt(qx * qx + qy * qy + qz * qz) - this.earReach < h + s.kEar) {
        const lx = qx, lz = qz - s.eaRz;
        const rx = this.earCos * lx - this.earSin * lz;
        const rz = this.earSin * lx + this.earCos * lz + s.eaRz;
        // a rounded elliptic disc (an extruded 2-D ellipse): a flat ellipsoid's bound would
        // overestimate the distance beside it
        let dEar: number;
        {
          const rr = 0.8 * s.eaRx;
          const d2 = sdEllipse2(qy, rz, s.eaRy - rr, s.eaRz - rr);
          const dx = (rx < 0 ? -rx : rx) - (s.eaRx - rr);
          const ox = d2 > 0 ? d2 : 0, oy = dx > 0 ? dx : 0;
          const inner = d2 > dx ? d2 : dx;
          dEar = Math.sqrt(ox * ox + oy * oy) + (inner < 0 ? inner : 0) - rr;
        }
        // the bowl of the ear (concha)
        dEar = smax(dEar, -sdEllipsoid(rx - s.eaRx * 1.2, qy + 0.01, rz + 0.005, s.eaRx * 0.9, s.eaRy * 0.55, s.eaRz * 0.55), 0.01);
        c[C_EAR] = dEar;
        h = smin(h, dEar, s.kEar);
      } else c[C_EAR] = BIG;
    }

    // hair cap: the cranium grown by hairT, kept above a slanted hairline plane
    {
      const dPlane = (y - s.hlY - s.hlS * (z - s.hlZ)) * this.hairN;
      // a grown ellipsoid rather than dCr − hairT: the ellipsoid bound is only exact at its own surface
      const dHair = smaxRound(sdEllipsoid(x, y - s.crCy, z - s.crCz, s.crRx + s.hairT, s.crRy + s.hairT, s.crRz + s.hairT), -dPlane, 0.012);
      c[C_NO_HAIR] = h;
      c[C_HAIR] = dHair;
      h = smin(h, dHair, 0.008);
    }

    // face details: eyes, nose, lips, mouth
    {
      const fx = x, fy = y - FACE_C[1], fz = z - FACE_C[2];
      if (Math.sqrt(fx * fx + fy * fy + fz * fz) - FACE_R >= (h < 0 ? -h : h) + 0.03) {
        c[C_BEFORE_NOSE] = h; c[C_NOSE] = BIG; c[C_BEFORE_LIPS] = h; c[C_LIPS] = BIG;
        c[C_BEFORE_SLIT] = h; c[C_SLIT] = BIG; c[C_BEFORE_CAV] = h; c[C_CAV] = BIG; c[C_HEAD] = h; c[C_EYE] = BIG;
        return h;
      }
    }

    // eye sockets, then the lid shells concentric with the eyeballs
    const ex = ax - s.eyX, ey = y - s.eyY, ez = z - s.eyZ;
    h = smax(h, -sdEllipsoid(ex, ey - s.skDy, ez - s.skDz, s.skRx, s.skRy, s.skRz), 0.02);
    const rEye = Math.sqrt(ex * ex + ey * ey + ez * ez);
    h = smin(h, rEye - s.eyR - s.lidT, 0.012);

    // nose
    let dNose = sdRoundCone(x, y, z, 0, s.ntY, s.ntZ, 0, s.nmY, s.nmZ, s.ntR, s.nmR);
    dNose = smin(dNose, sdSphere(x, y - s.tipY, z - s.tipZ, s.tipR), 0.03);
    dNose = smin(dNose, sdSphere(ax - s.alX, y - s.alY, z - s.alZ, s.alR), 0.02);
    c[C_BEFORE_NOSE] = h;
    c[C_NOSE] = dNose;
    h = smin(h, dNose, s.kNose);

    // lips
    const dLips = Math.min(
      sdEllipsoid(x, y - s.ym - s.ulDy, z - s.ulZ, s.ulRx, s.ulRy, s.ulRz),
      sdEllipsoid(x, y - s.ym - s.llDy, z - s.llZ, s.llRx, s.llRy, s.llRz),
    );
    c[C_BEFORE_LIPS] = h;
    c[C_LIPS] = dLips;
    h = smin(h, dLips, s.kLip);

    // mouth: slit between the lips, and the cavity behind them
    const my = y - s.ym;
    // a slab of half-width slitRy cut to an elliptic outline: a very flat ellipsoid's bound would
    // overestimate the distance inside it
    const dSlit = Math.max((my < 0 ? -my : my) - s.slitRy, sdEllipse2(x, z - s.slitZ, s.slitRx, s.slitRz));
    c[C_BEFORE_SLIT] = h;
    c[C_SLIT] = dSlit;
    h = smax(h, -dSlit, 0.003);
    const dCav = sdEllipsoid(x, my, z - s.cavZ, s.cavRx, s.cavRy, s.cavRz);
    c[C_BEFORE_CAV] = h;
    c[C_CAV] = dCav;
    h = smax(h, -dCav, 0.01);

    // eye openings through the lid shells
    h = smax(h, -sdEllipsoid(ex, ey - s.opDy, ez - s.eyR - s.opDz, s.opRx, s.opRy, s.opRz), 0.004);
    c[C_HEAD] = h;

    const dEye = rEye - s.eyR;
    c[C_EYE] = dEye;
    return h < dEye ? h : dEye;
  }

  /** Bounding spheres (centre, radius) of the face details, to check the skip bound FACE_R. */
  private detailSpheres(): [number, number, number, number][] {
    const s = this.s;
    return [
      [s.eyX, s.eyY + s.skDy, s.eyZ + s.skDz, Math.max(s.skRx, s.skRy, s.skRz)],
      [s.eyX, s.eyY, s.eyZ, s.eyR + s.lidT + 0.012],
      [s.eyX, s.eyY + s.opDy, s.eyZ + s.eyR + s.opDz, Math.max(s.opRx, s.opRy, s.opRz)],
      [0, s.ntY, s.ntZ, s.ntR + 0.03], [0, s.tipY, s.tipZ, s.tipR + 0.03], [s.alX, s.alY, s.alZ, s.alR + 0.02],
      [0, s.ym + s.ulDy, s.ulZ, Math.max(s.ulRx, s.ulRy, s.ulRz) + s.kLip],
      [0, s.ym + s.llDy, s.llZ, Math.max(s.llRx, s.llRy, s.llRz) + s.kLip],
      [0, s.ym, s.slitZ, Math.max(s.slitRx, s.slitRz)],
      [0, s.ym, s.cavZ, Math.max(s.cavRx, s.cavRy, s.cavRz) + 0.01],
    ];
  }

  /** Region label (SEG id) of a point on (or near) the neutral surface. */
  label(x: number, y: number, z: number): number {
    const s = this.s;
    const d = this.sdf(x, y, z);
    const c = this.comp;
    if (c[C_EYE]! <= c[C_HEAD]!) return x < 0 ? SEG.eyeR : SEG.eyeL;
    if (-c[C_CAV]! >= c[C_BEFORE_CAV]! - 0.002 && d < 0.02) return SEG.mouth;
    if (-c[C_SLIT]! >= c[C_BEFORE_SLIT]! - 0.001) return y > s.ym ? SEG.lipUpper : SEG.lipLower;
    if (c[C_HAIR]! <= c[C_NO_HAIR]!) return SEG.hair;
    if (c[C_EAR]! <= c[C_BEFORE_EAR]! + 0.002) return x < 0 ? SEG.earR : SEG.earL;
    if (c[C_LIPS]! <= c[C_BEFORE_LIPS]! + 0.004) return y > s.ym ? SEG.lipUpper : SEG.lipLower;
    if (c[C_NOSE]! <= c[C_BEFORE_NOSE]! + 0.006) return SEG.nose;
    if (c[C_NECK]! < c[C_NO_NECK]! - 0.01 && y < s.chCy) return SEG.neck;
    if (this.inBrow(x, y, z)) return x < 0 ? SEG.browR : SEG.browL;
    return SEG.skin;
  }

  private inBrow(x: number, y: number, z: number): boolean {
    const s = this.s;
    if (z < s.eyZ) return false;
    const ax = x < 0 ? -x : x;
    // an arched band above the eye opening
    const lx = ax - s.eyX - 0.008;
    const arch = s.eyY + 0.085 - 0.9 * lx * lx / 0.07 + (lx < 0 ? 0.25 * lx : 0);
    const halfH = 0.014 * (1 - smoothstep(0.035, 0.075, Math.abs(lx))) + 0.004;
    return Math.abs(lx) < 0.075 && Math.abs(y - arch) < halfH;
  }

  /** Albedo in [0, 1] at a (neutral) surface point, for a given label. Writes into out[o..o+2]. */
  colour(x: number, y: number, z: number, label: number, app: ParamValues, out: Float32Array | Float64Array, o: number): void {
    const s = this.s;
    const tone = app.skinTone ?? 0.35;
    const warm = app.skinWarmth ?? 0;
    const sv = app.shadingVariation ?? 0.4;
    // skin: light → dark, warmth shifts red/blue
    let r = 0.94 + (0.38 - 0.94) * tone + 0.04 * warm;
    let g = 0.78 + (0.24 - 0.78) * tone - 0.01 * warm;
    let b = 0.68 + (0.16 - 0.68) * tone - 0.05 * warm;
    // low-frequency blotches: a fixed sum of sines (deterministic, cheap)
    const n = Math.sin(23 * x + 3.1) * Math.sin(19 * y + 1.7) * Math.sin(21 * z + 0.3) + 0.5 * Math.sin(41 * x + 37 * y + 5) * Math.sin(43 * z + 29 * y);
    const m = 1 + 0.1 * sv * n;
    r *= m; g *= m; b *= m;
    // blush on cheeks and nose tip
    const bl = app.blush ?? 0.3;
    if (bl > 0) {
      const ax = x < 0 ? -x : x;
      const qx = (ax - s.ckX) / 0.06, qy = (y - s.ckY + 0.01) / 0.05;
      const tx = x / 0.03, ty = (y - s.tipY) / 0.03, tz = (z - s.tipZ - s.tipR) / 0.03;
      const w = bl * (0.5 * Math.exp(-(qx * qx + qy * qy)) + 0.35 * Math.exp(-(tx * tx + ty * ty + tz * tz)));
      r += (0.85 * r + 0.1 - r) * w * 0.5; g += (0.55 * g - g) * w * 0.5; b += (0.6 * b - b) * w * 0.5;
    }
    switch (label) {
      case SEG.hair: {
        const hlv = app.hairLightness ?? 0.2, hw = app.hairWarmth ?? 0.3;
        r = 0.05 + 0.8 * hlv + 0.25 * hw * (0.3 + hlv);
        g = 0.045 + 0.65 * hlv + 0.05 * hw;
        b = 0.04 + 0.4 * hlv - 0.02 * hw;
        // strands: fine stripes running front to back
        const st = 1 + 0.12 * Math.sin(160 * x + 11 * Math.sin(9 * z)) + 0.06 * sv * n;
        r *= st; g *= st; b *= st;
        break;
      }
      case SEG.browL:
      case SEG.browR: {
        const k = 0.35 + 0.55 * (app.browDarkness ?? 0.6);
        const hlv = (app.hairLightness ?? 0.2) * 0.7;
        r += (0.08 + 0.5 * hlv - r) * k; g += (0.06 + 0.4 * hlv - g) * k; b += (0.05 + 0.25 * hlv - b) * k;
        break;
      }
      case SEG.lipUpper:
      case SEG.lipLower: {
        const k = 0.3 + 0.5 * (app.lipTint ?? 0.5);
        r += (0.78 * r + 0.12 - r) * k; g += (0.45 * g - g) * k; b += (0.5 * b - b) * k;
        break;
      }
      case SEG.mouth: {
        // teeth at the front of the cavity, dark tissue behind
        const front = z - s.cavZ > 0.55 * s.cavRz && Math.abs(y - s.ym) > 0.008;
        if (front) { r = 0.88; g = 0.85; b = 0.76; } else { r = 0.38; g = 0.1; b = 0.12; }
        break;
      }
      case SEG.eyeL:
      case SEG.eyeR: {
        const ex = (x < 0 ? -x : x) - s.eyX, ey = y - s.eyY, ez = z - s.eyZ;
        const rr = Math.sqrt(ex * ex + ey * ey + ez * ez) || 1;
        const ang = Math.acos(Math.max(-1, Math.min(1, ez / rr)));
        if (ang < 0.17) { r = 0.03; g = 0.03; b = 0.04; }
        else if (ang < 0.4) {
          const ic = app.irisColour ?? 0.2;
          const t = ic < 0.5 ? ic * 2 : (ic - 0.5) * 2;
          if (ic < 0.5) { r = 0.35 + (0.33 - 0.35) * t; g = 0.2 + (0.45 - 0.2) * t; b = 0.1 + (0.28 - 0.1) * t; }
          else { r = 0.33 + (0.35 - 0.33) * t; g = 0.45 + (0.55 - 0.45) * t; b = 0.28 + (0.8 - 0.28) * t; }
          const ring = 0.8 + 0.2 * Math.sin(60 * Math.atan2(ey, ex));
          r *= ring; g *= ring; b *= ring;
        } else { r = 0.93; g = 0.9; b = 0.87; }
        break;
      }
      case SEG.earL:
      case SEG.earR:
        r = r * 1.03 + 0.01; g *= 0.96; b *= 0.95;
        break;
      case SEG.neck:
        r *= 0.95; g *= 0.93; b *= 0.93;
        break;
      default:
        break;
    }
    out[o] = r < 0 ? 0 : r > 1 ? 1 : r;
    out[o + 1] = g < 0 ? 0 : g > 1 ? 1 : g;
    out[o + 2] = b < 0 ? 0 : b > 1 ? 1 : b;
  }
}
