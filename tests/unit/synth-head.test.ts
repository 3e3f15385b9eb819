import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ProceduralHead } from '../../src/synth/head.ts';
import { SEG } from '../../src/synth/neutral.ts';
import { APPEARANCE_PARAMS, EXPRESSION_PARAMS, IDENTITY_PARAMS, completeParams, randomIdentity } from '../../src/synth/params.ts';
import { sampleSurface } from '../../src/synth/sampling.ts';
import { Rng } from '../../src/graph/rng.ts';

const fixtureAnchors: number[][] = JSON.parse(readFileSync(new URL('../../../shared/fixtures/anchors_65.json', import.meta.url), 'utf8'));

/** |∇sdf| by central differences (h = 1e-4) at points offset from the surface along the normal. */
function gradientNorms(head: ProceduralHead, n: number, band: number, seed: number): number[] {
  const s = sampleSurface(head, n, seed);
  const rng = new Rng(seed + 1);
  const h = 1e-4;
  const out: number[] = [];
  for (let i = 0; i < s.n; i++) {
    const t = (2 * rng.next() - 1) * band;
    const x = s.points[3 * i]! + t * s.normals[3 * i]!, y = s.points[3 * i + 1]! + t * s.normals[3 * i + 1]!, z = s.points[3 * i + 2]! + t * s.normals[3 * i + 2]!;
    const gx = (head.sdf(x + h, y, z) - head.sdf(x - h, y, z)) / (2 * h);
    const gy = (head.sdf(x, y + h, z) - head.sdf(x, y - h, z)) / (2 * h);
    const gz = (head.sdf(x, y, z + h) - head.sdf(x, y, z - h)) / (2 * h);
    out.push(Math.hypot(gx, gy, gz));
  }
  return out.sort((a, b) => a - b);
}
const frac = (xs: number[], lo: number, hi: number) => xs.filter((x) => x >= lo && x <= hi).length / xs.length;
const quant = (xs: number[], q: number) => xs[Math.min(xs.length - 1, Math.floor(q * xs.length))]!;

const EXPRESSED = { jawOpen: 0.7, smile: 0.6, browRaise: 0.5, eyeCloseL: 0.6, cheekPuff: 0.4 };

describe('procedural head: parameters', () => {
  it('has ≥ 12 identity, ≥ 8 expression and ≥ 6 appearance parameters with ranges and meanings', () => {
    expect(IDENTITY_PARAMS.length).toBeGreaterThanOrEqual(12);
    expect(EXPRESSION_PARAMS.length).toBeGreaterThanOrEqual(8);
    expect(APPEARANCE_PARAMS.length).toBeGreaterThanOrEqual(6);
    for (const p of [...IDENTITY_PARAMS, ...EXPRESSION_PARAMS, ...APPEARANCE_PARAMS]) {
      expect(p.min).toBeLessThan(p.max);
      expect(p.neutral).toBeGreaterThanOrEqual(p.min);
      expect(p.neutral).toBeLessThanOrEqual(p.max);
      expect(p.meaning.length).toBeGreaterThan(8);
    }
    const names = ['jawOpen', 'smile', 'pucker', 'browRaise', 'frown', 'eyeCloseL', 'eyeCloseR', 'cheekPuff'];
    for (const n of names) expect(EXPRESSION_PARAMS.some((p) => p.name === n)).toBe(true);
  });

  it('rejects unknown names and out-of-range values, naming them', () => {
    expect(() => completeParams({ expression: { jawOpn: 1 } })).toThrow(/jawOpn/);
    expect(() => completeParams({ identity: { noseLength: 3 } })).toThrow(/noseLength = 3 is outside \[-1, 1\]/);
  });
});

describe('procedural head: distance field', () => {
  it('|∇sdf| ≈ 1 within ±0.01 (2.5 mm) of the mean neutral surface', () => {
    const g = gradientNorms(new ProceduralHead(), 1500, 0.01, 11);
    // Polynomial smooth unions of (near-)exact distances dip below 1 inside blend zones; right-angle
    // joints (hairline, neck under the jaw) use round fillets, which are exact there. Measured with
    // 3000 points: median 0.987, 10 % quantile 0.86, 90 % of points in [0.85, 1.05]; overestimates,
    // which would break sphere tracing, stay rare (99 % quantile 1.04).
    expect(quant(g, 0.5)).toBeGreaterThan(0.97);
    expect(quant(g, 0.5)).toBeLessThan(1.02);
    expect(frac(g, 0.85, 1.05)).toBeGreaterThan(0.85);
    expect(quant(g, 0.01)).toBeGreaterThan(0.45);
    expect(quant(g, 0.99)).toBeLessThan(1.06);
  });

  it('|∇sdf| stays near 1 with an expression and a random identity (looser: the deformation stretches skin)', () => {
    const head = new ProceduralHead({ identity: randomIdentity(new Rng(5), 0.6), expression: EXPRESSED });
    const g = gradientNorms(head, 1500, 0.01, 12);
    expect(quant(g, 0.5)).toBeGreaterThan(0.95);
    expect(quant(g, 0.5)).toBeLessThan(1.03);
    expect(frac(g, 0.85, 1.05)).toBeGreaterThan(0.83);
    expect(frac(g, 0.75, 1.25)).toBeGreaterThan(0.9);
    expect(quant(g, 0.99)).toBeLessThan(1.2);
  });
});

describe('procedural head: anchors and landmarks', () => {
  it("the mean head's anchors are close to anchors_65.json", () => {
    const a = new ProceduralHead().canonicalAnchors();
    const d = fixtureAnchors.map((p, i) => Math.hypot(a[3 * i]! - p[0]!, a[3 * i + 1]! - p[1]!, a[3 * i + 2]! - p[2]!));
    const mean = d.reduce((s, x) => s + x, 0) / d.length;
    expect(mean).toBeLessThan(0.006); // 1.5 mm
    expect(Math.max(...d)).toBeLessThan(0.025); // 6 mm
  });

  it('anchors and landmarks lie on the surface, neutral and expressed', () => {
    for (const expression of [{}, EXPRESSED, { pucker: 1, frown: 1, eyeCloseR: 1, sneer: 1, mouthSide: -1 }] as Record<string, number>[]) {
      const head = new ProceduralHead({ identity: randomIdentity(new Rng(3), 0.5), expression });
      for (const pts of [head.anchors(), head.landmarks()]) {
        for (let i = 0; i < pts.length / 3; i++) {
          expect(Math.abs(head.sdf(pts[3 * i]!, pts[3 * i + 1]!, pts[3 * i + 2]!))).toBeLessThan(5e-4);
        }
      }
    }
  });

  it('stays well-formed at the corners of the parameter box', () => {
    const r = new Rng(5);
    for (let k = 0; k < 12; k++) {
      const identity: Record<string, number> = {};
      for (const p of IDENTITY_PARAMS) identity[p.name] = k === 0 ? p.max : k === 1 ? p.min : r.next() < 0.5 ? p.min : p.max;
      const expression: Record<string, number> = {};
      for (const p of EXPRESSION_PARAMS) expression[p.name] = r.next() < 0.5 ? p.max : p.neutral;
      const head = new ProceduralHead({ identity, expression });
      for (const pts of [head.anchors(), head.landmarks()]) {
        for (let i = 0; i < pts.length / 3; i++) expect(Math.abs(head.sdf(pts[3 * i]!, pts[3 * i + 1]!, pts[3 * i + 2]!))).toBeLessThan(5e-4);
      }
    }
  });

  it('jaw open moves chin and lower-lip anchors down, not the forehead or the upper lip', () => {
    const id = randomIdentity(new Rng(8), 0.5);
    const a0 = new ProceduralHead({ identity: id }).anchors();
    const a1 = new ProceduralHead({ identity: id, expression: { jawOpen: 1 } }).anchors();
    const dy = (i: number) => a1[3 * i + 1]! - a0[3 * i + 1]!;
    const dist = (i: number) => Math.hypot(a1[3 * i]! - a0[3 * i]!, dy(i), a1[3 * i + 2]! - a0[3 * i + 2]!);
    expect(dy(60)).toBeLessThan(-0.05); // chin
    expect(dy(20)).toBeLessThan(-0.05); // lower lip
    expect(dy(21)).toBeLessThan(-0.05);
    expect(dy(4)).toBeLessThan(-0.02); // jaw
    for (const i of [24, 25, 26, 27, 61, 62, 12, 13, 52, 53]) expect(dist(i)).toBeLessThan(1e-3); // forehead, nose, eyes, brows
    expect(Math.abs(dy(18))).toBeLessThan(0.005); // upper lip
  });

  it('other expressions move their own anchors', () => {
    const base = new ProceduralHead().anchors();
    const moved = (e: Record<string, number>, i: number, c: number) => new ProceduralHead({ expression: e }).anchors()[3 * i + c]! - base[3 * i + c]!;
    expect(moved({ browRaise: 1 }, 52, 1)).toBeGreaterThan(0.01);
    expect(moved({ eyeCloseL: 1 }, 49, 1)).toBeLessThan(-0.01); // left (+x) upper lid down
    expect(Math.abs(moved({ eyeCloseL: 1 }, 48, 1))).toBeLessThan(1e-4); // right eye untouched
    expect(moved({ smile: 1 }, 17, 1)).toBeGreaterThan(0.01); // mouth corner up
    expect(moved({ pucker: 1 }, 18, 2)).toBeGreaterThan(0.008); // lips forward
    expect(moved({ cheekPuff: 1 }, 35, 0)).toBeGreaterThan(0.005); // left cheek out
  });

  it('identity parameters move the features they name', () => {
    const tip = (identity: Record<string, number>) => new ProceduralHead({ identity }).anchors().subarray(62 * 3, 62 * 3 + 3);
    expect(tip({ noseProjection: 1 })[2]! - tip({ noseProjection: -1 })[2]!).toBeGreaterThan(0.03);
    const eye = (identity: Record<string, number>) => new ProceduralHead({ identity }).anchors()[13 * 3]!;
    expect(eye({ eyeSpacing: 1 }) - eye({ eyeSpacing: -1 })).toBeGreaterThan(0.015);
  });
});

describe('procedural head: region labels', () => {
  const head = new ProceduralHead();
  const a = head.anchors();
  const at = (i: number) => head.label(a[3 * i]!, a[3 * i + 1]!, a[3 * i + 2]!);
  const onSurface = (x: number, y: number, z: number) => {
    const p = new Float64Array([x, y, z]);
    head.project(p);
    return head.label(p[0]!, p[1]!, p[2]!);
  };

  it('labels nose, lips, skin, hair, eyes, ears and neck where they are', () => {
    expect(at(62)).toBe(SEG.nose); // nose tip
    expect(at(64)).toBe(SEG.nose); // nose bridge
    expect(at(10)).toBe(SEG.nose); // nostril wing
    expect(at(44)).toBe(SEG.lipUpper);
    expect(at(45)).toBe(SEG.lipUpper);
    expect(at(46)).toBe(SEG.lipLower);
    expect(at(47)).toBe(SEG.lipLower);
    expect(at(60)).toBe(SEG.skin); // chin
    expect(at(24)).toBe(SEG.skin); // forehead
    expect(onSurface(0, 0.7, -0.15)).toBe(SEG.hair); // top of the head
    expect(onSurface(0, 0.3, -0.8)).toBe(SEG.hair); // back of the head
    const s = head.shape;
    // front of the eyeballs (exposed through the lid opening)
    expect(Math.abs(head.sdf(s.eyX, s.eyY, s.eyZ + s.eyR))).toBeLessThan(1e-6);
    expect(head.label(s.eyX, s.eyY, s.eyZ + s.eyR)).toBe(SEG.eyeL);
    expect(head.label(-s.eyX, s.eyY, s.eyZ + s.eyR)).toBe(SEG.eyeR);
    // seen from the side, the first surface at the ear's centre is the ear
    const hitX = (sx: number) => {
      let x = 0.7 * sx;
      for (let i = 0; i < 500; i++) {
        const d = head.sdf(x, s.eaY, s.eaZ);
        if (d < 1e-5) break;
        x -= sx * Math.max(d, 1e-4);
      }
      return head.label(x, s.eaY, s.eaZ);
    };
    expect(hitX(1)).toBe(SEG.earL);
    expect(hitX(-1)).toBe(SEG.earR);
    let z = 0.5; // throat, seen from the front
    for (let i = 0; i < 500 && head.sdf(0, -0.65, z) > 1e-5; i++) z -= Math.max(head.sdf(0, -0.65, z), 1e-4);
    expect(head.label(0, -0.65, z)).toBe(SEG.neck);
  });

  it('an open jaw shows the mouth interior between the lips', () => {
    const open = new ProceduralHead({ expression: { jawOpen: 1 } });
    // march along −z through the mouth centre
    const y = open.shape.ym - 0.03;
    let z = 0.5;
    while (open.sdf(0, y, z) > 1e-4 && z > -0.5) z -= Math.max(open.sdf(0, y, z) * 0.9, 2e-4);
    expect(open.label(0, y, z)).toBe(SEG.mouth);
    expect(z).toBeLessThan(0.15); // behind the lips
  });
});
