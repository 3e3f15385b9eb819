/**
 * Mean-head constants and their identity-dependent variants. `BASE` holds the mean head: hand-built
 * primitives whose placements were then fitted (fit-mean.ts: Adam on Σ sdf(anchor)² with a pull
 * towards the hand-made values) so that the 65 mean anchors of anchors_65.json lie on its surface
 * (mean |sdf| ≈ 0.0036 = 0.9 mm, max ≈ 0.019 = 4.7 mm at the forehead anchors 24/25). `shapeFor`
 * turns identity parameters into the primitive placements that `NeutralHead` composes.
 * Units: model space (1 = 25 cm), y up, face towards +z.
 */
import type { ParamValues } from './params.ts';

export const BASE = {
  // cranium ellipsoid
  crCy: 0.1381, crCz: -0.203, crRx: 0.3074, crRy: 0.3803, crRz: 0.4019,
  // hair cap: thickness (mean), hairline plane through (0, hlY, hlZ) rising with slope hlS towards the front
  hairT: 0.028, hlY: 0.38, hlZ: 0.1, hlS: 0.8984,
  // face ellipsoid
  fcCy: -0.0298, fcCz: -0.0006, fcRx: 0.2403, fcRy: 0.4075, fcRz: 0.1552,
  // jaw: round cones from the jaw angles to the chin sides
  jaX: 0.2153, jaY: -0.1468, jaZ: -0.0411, jaR: 0.0503, jcX: 0.0365, jcY: -0.3166, jcZ: 0.0937, jcR: 0.0574,
  // chin ellipsoid
  chCy: -0.3619, chCz: 0.0765, chRx: 0.0752, chRy: 0.0555, chRz: 0.0454,
  // cheeks
  ckX: 0.1224, ckY: -0.0525, ckZ: 0.0679, ckRx: 0.0929, ckRy: 0.1017, ckRz: 0.0729,
  // brow ridge
  brCy: 0.176, brCz: 0.1003, brRx: 0.1871, brRy: 0.0595, brRz: 0.0989,
  // nose: bridge round cone (top → mid), tip sphere, nostril wings
  ntY: 0.084, ntZ: 0.1743, ntR: 0.0197, nmY: -0.03, nmZ: 0.2488, nmR: 0.022,
  tipY: -0.0449, tipZ: 0.2505, tipR: 0.033, alX: 0.0399, alY: -0.0845, alZ: 0.1766, alR: 0.0298,
  // muzzle (the maxilla/mandible bulge behind the lips)
  muCy: -0.1759, muCz: 0.1261, muRx: 0.0979, muRy: 0.1027, muRz: 0.1053,
  // lips around the mouth line y = ym
  ym: -0.205, ulDy: 0.022, ulZ: 0.19, ulRx: 0.082, ulRy: 0.026, ulRz: 0.042,
  llDy: -0.022, llZ: 0.172, llRx: 0.074, llRy: 0.025, llRz: 0.036,
  slitZ: 0.2, slitRx: 0.08, slitRy: 0.0035, slitRz: 0.1,
  cavZ: 0.075, cavRx: 0.07, cavRy: 0.045, cavRz: 0.1,
  // eyes
  eyX: 0.1209, eyY: 0.072, eyZ: 0.1012, eyR: 0.048, lidT: 0.007,
  skDy: 0.008, skDz: 0.055, skRx: 0.068, skRy: 0.048, skRz: 0.05,
  opDy: 0, opDz: 0.012, opRx: 0.052, opRy: 0.021, opRz: 0.03,
  // ears
  eaX: 0.3, eaY: 0.0148, eaZ: -0.1349, eaRx: 0.022, eaRy: 0.11, eaRz: 0.06,
  // neck (elliptic cylinder) and nape
  nkZ: -0.2455, nkRx: 0.211, nkRz: 0.1675, nkTop: -0.1, nkBottom: -0.8,
  npCy: -0.5987, npCz: -0.3166, npRx: 0.3646, npRy: 0.3055, npRz: 0.1713,
  // blend radii
  kHead: 0.1, kJaw: 0.06, kCheek: 0.06, kBrow: 0.05, kNose: 0.02, kMuzzle: 0.04, kLip: 0.015, kEar: 0.015, kNeck: 0.06,
  // jaw hinge (axis along x through (y, z)) and maximal rotation
  jpY: -0.3, jpZ: -0.35, jawMax: 0.2,
};

export type BaseShape = typeof BASE;

/** The mean head moved by identity parameters; same keys as BASE plus per-identity extras. */
export interface Shape extends BaseShape {
  earAngle: number;
}

const v = (p: ParamValues, k: string): number => p[k] ?? 0;

export function shapeFor(identity: ParamValues, base: BaseShape = BASE): Shape {
  const s: Shape = { ...base, earAngle: 0.15 };
  const hw = 1 + 0.06 * v(identity, 'headWidth');
  const hl = 1 + 0.06 * v(identity, 'headLength');
  const hh = 1 + 0.05 * v(identity, 'headHeight');
  s.crRx *= hw; s.fcRx *= hw; s.eaX = base.eaX + (hw - 1) * base.crRx; s.nkRx *= 1;
  s.ckX *= hw;
  s.crRz *= hl; s.crCz = base.crCz - (hl - 1) * base.crRz * 0.5;
  s.crRy *= hh; s.crCy = base.crCy + (hh - 1) * base.crRy * 0.5;
  // lower face
  const fl = -0.03 * v(identity, 'faceLength');
  for (const k of ['jcY', 'chCy', 'muCy', 'ym'] as const) s[k] = base[k] + fl;
  s.jaY = base.jaY + fl * 0.5;
  s.fcRy = base.fcRy - fl * 0.5; s.fcCy = base.fcCy + fl * 0.5;
  s.jaX = base.jaX * hw + 0.03 * v(identity, 'jawWidth');
  const cp = 0.025 * v(identity, 'chinProtrusion');
  s.chCz = base.chCz + cp; s.jcZ = base.jcZ + cp * 0.7;
  const cf = 1 + 0.15 * v(identity, 'cheekFullness');
  s.ckRx *= cf; s.ckRy *= cf; s.ckRz *= cf;
  // nose
  const nl = -0.025 * v(identity, 'noseLength');
  s.tipY = base.tipY + nl; s.nmY = base.nmY + nl * 0.8; s.alY = base.alY + nl * 0.6;
  const nw = v(identity, 'noseWidth');
  s.alX = base.alX + 0.012 * nw; s.alR = base.alR * (1 + 0.15 * nw);
  const np = 0.025 * v(identity, 'noseProjection');
  s.tipZ = base.tipZ + np; s.nmZ = base.nmZ + np; s.ntZ = base.ntZ + np * 0.3;
  // eyes and brows
  s.eyX = base.eyX * hw + 0.012 * v(identity, 'eyeSpacing');
  const es = 1 + 0.15 * v(identity, 'eyeSize');
  s.opRx *= es; s.opRy *= es;
  s.brCz = base.brCz + 0.015 * v(identity, 'browRidge');
  // ears
  const ea = 1 + 0.15 * v(identity, 'earSize');
  s.eaRy *= ea; s.eaRz *= ea; s.eaRx *= Math.sqrt(ea);
  s.earAngle = 0.15 + 0.15 * v(identity, 'earProtrusion');
  // lips
  const lf = 1 + 0.2 * v(identity, 'lipFullness');
  s.ulRy *= lf; s.ulRz *= lf; s.llRy *= lf; s.llRz *= lf;
  s.ulZ = base.ulZ + (lf - 1) * 0.01; s.llZ = base.llZ + (lf - 1) * 0.01;
  const mw = 1 + 0.12 * v(identity, 'mouthWidth');
  s.ulRx *= mw; s.llRx *= mw; s.slitRx *= mw; s.cavRx *= mw; s.muRx *= mw;
  // neck and hair
  const nk = 1 + 0.1 * v(identity, 'neckWidth');
  s.nkRx = base.nkRx * nk; s.nkRz = base.nkRz * nk; s.npRx *= nk;
  s.hairT = 0.006 + 0.044 * (identity.hairVolume ?? 0.5);
  return s;
}
