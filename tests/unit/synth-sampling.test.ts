import { describe, expect, it } from 'vitest';
import { ProceduralHead } from '../../src/synth/head.ts';
import { randomExpression, randomIdentity } from '../../src/synth/params.ts';
import { Rng } from '../../src/graph/rng.ts';
import { MONONPHM_COUNTS, isFaceLabel, sampleCorrespondences, sampleSurface, sampleTrainingData } from '../../src/synth/sampling.ts';

const head = new ProceduralHead({ identity: randomIdentity(new Rng(21), 0.5), expression: { jawOpen: 0.6, smile: 0.5, eyeCloseR: 0.7, browRaise: 0.4 } });

describe('synth sampling', () => {
  it('the PRNG is deterministic per seed and differs across seeds', () => {
    const a = new Rng(7), b = new Rng(7), c = new Rng(8);
    const xs = Array.from({ length: 5 }, () => a.next());
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(xs);
    expect(Array.from({ length: 5 }, () => c.next())).not.toEqual(xs);
    const n = new Rng(1);
    const g = Array.from({ length: 20000 }, () => n.normal());
    const mean = g.reduce((s, x) => s + x, 0) / g.length;
    const varc = g.reduce((s, x) => s + (x - mean) ** 2, 0) / g.length;
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(Math.abs(varc - 1)).toBeLessThan(0.05);
  });

  it('surface samples lie on the surface, with unit normals along the SDF gradient', () => {
    const s = sampleSurface(head, 400, 3);
    const g = new Float64Array(3);
    let creased = 0;
    for (let i = 0; i < s.n; i++) {
      const [x, y, z] = [s.points[3 * i]!, s.points[3 * i + 1]!, s.points[3 * i + 2]!];
      expect(Math.abs(head.sdf(x, y, z))).toBeLessThan(1.5e-4);
      const nx = s.normals[3 * i]!, ny = s.normals[3 * i + 1]!, nz = s.normals[3 * i + 2]!;
      expect(Math.hypot(nx, ny, nz)).toBeCloseTo(1, 4);
      head.gradient(x, y, z, g);
      const gl = Math.hypot(g[0]!, g[1]!, g[2]!);
      // finite differences of a field with creases (lid margins, slit edges): agree almost everywhere
      if ((nx * g[0]! + ny * g[1]! + nz * g[2]!) / gl < 0.9) creased++;
      for (let c = 0; c < 3; c++) expect(s.colors[3 * i + c]!).toBeGreaterThanOrEqual(0);
    }
    expect(creased).toBeLessThanOrEqual(4);
    // both strata of MonoNPHM's sampling occur
    const face = Array.from(s.labels).filter(isFaceLabel).length;
    expect(face).toBeGreaterThan(0.3 * s.n);
    expect(face).toBeLessThan(0.9 * s.n);
  });

  it('is deterministic for a seed', () => {
    const a = sampleTrainingData(head, { face: 60, nonFace: 20, offSurface: 20, space: 20, correspondences: 20 }, 99);
    const b = sampleTrainingData(head, { face: 60, nonFace: 20, offSurface: 20, space: 20, correspondences: 20 }, 99);
    const c = sampleTrainingData(head, { face: 60, nonFace: 20, offSurface: 20, space: 20, correspondences: 20 }, 100);
    expect(Array.from(a.face.points)).toEqual(Array.from(b.face.points));
    expect(Array.from(a.space.sdf)).toEqual(Array.from(b.space.sdf));
    expect(Array.from(a.correspondences.posed)).toEqual(Array.from(b.correspondences.posed));
    expect(Array.from(a.face.points)).not.toEqual(Array.from(c.face.points));
  });

  it('off-surface and space samples carry the field value; counts follow MonoNPHM', () => {
    const t = sampleTrainingData(head, MONONPHM_COUNTS, 5);
    expect(t.face.n).toBe(1000);
    expect(t.nonFace.n).toBe(250);
    expect(t.offSurface.n).toBe(250);
    expect(t.correspondences.n).toBe(250);
    expect(t.anchors.length).toBe(65 * 3);
    for (const s of [t.offSurface, t.space]) {
      for (let i = 0; i < s.n; i += 7) expect(s.sdf[i]).toBeCloseTo(head.sdf(s.points[3 * i]!, s.points[3 * i + 1]!, s.points[3 * i + 2]!), 5);
    }
    expect(Array.from(t.face.labels).every(isFaceLabel)).toBe(true);
    expect(Array.from(t.nonFace.labels).some(isFaceLabel)).toBe(false);
    // space samples see both inside and outside
    expect(Array.from(t.space.sdf).some((d) => d < 0)).toBe(true);
    expect(Array.from(t.space.sdf).some((d) => d > 0.1)).toBe(true);
  });

  it('correspondences are the same material point: neutral on the neutral surface, posed on the posed one', () => {
    for (const seed of [1, 2]) {
      const h = new ProceduralHead({ identity: randomIdentity(new Rng(seed), 0.5), expression: randomExpression(new Rng(seed + 10), 0.7) });
      const neutral = new ProceduralHead({ identity: h.params.identity });
      const c = sampleCorrespondences(h, 200, seed);
      const q = new Float32Array(3);
      let moved = 0;
      for (let i = 0; i < c.n; i++) {
        const [nx, ny, nz] = [c.neutral[3 * i]!, c.neutral[3 * i + 1]!, c.neutral[3 * i + 2]!];
        const [px, py, pz] = [c.posed[3 * i]!, c.posed[3 * i + 1]!, c.posed[3 * i + 2]!];
        expect(Math.abs(neutral.sdf(nx, ny, nz))).toBeLessThan(2e-4);
        expect(Math.abs(h.sdf(px, py, pz))).toBeLessThan(2e-4);
        // B(posed) = neutral, and the forward map takes neutral back to posed
        h.toCanonical(px, py, pz, q);
        expect(Math.hypot(q[0]! - nx, q[1]! - ny, q[2]! - nz)).toBeLessThan(1e-6);
        const f = new Float64Array(3);
        const res = h.toPosed(nx, ny, nz, f);
        if (res < 1e-6) expect(Math.hypot(f[0]! - px, f[1]! - py, f[2]! - pz)).toBeLessThan(1e-4);
        if (Math.hypot(px - nx, py - ny, pz - nz) > 1e-3) moved++;
      }
      expect(moved).toBeGreaterThan(10);
    }
  });
});
