/**
 * The tracking plan (src/track/plan.ts) against the original's schedule (reference §4.3–4.4) and
 * every override the Optimizer and Loss nodes can set: each one changes what it names, in every
 * iteration it should, and nothing else; a setting that cannot act is reported.
 */
import { describe, expect, it } from 'vitest';
import { MAX_TAPE_POINTS, resolveTrackingPlan } from '../../src/track/plan.ts';
import { LOSS_TERMS, PAPER_SCHEDULE, SHORT_SCHEDULE, type LossWeights } from '../../src/track/schedules.ts';

/** 24 frames: the first, then motion that gives each of the three multipliers. */
const MOTION = [0, ...Array.from({ length: 23 }, (_, i) => [6, 1.5, 0.1][i % 3]!)];

describe('the paper schedule, as the original', () => {
  const plan = resolveTrackingPlan(PAPER_SCHEDULE, MOTION, { codeSteps: 'raw' }); // the original's numbers, in its raw code units

  it('has 251 iterations on the first frame, 125 / 62 / 25 on later ones by landmark motion, 62.75 per frame in stage 2', () => {
    expect(plan.stage1[0]!.iterations).toBe(251);
    const mean = MOTION.slice(1).reduce((a, b) => a + b, 0) / 23;
    for (const [f, m] of MOTION.entries()) {
      if (f === 0) continue;
      // int(251 · 0.5) = 125, int(251 · 0.25) = 62, int(251 · 0.1) = 25
      const expected = m > 2 * mean ? 125 : m > 0.5 * mean ? 62 : 25;
      expect(plan.stage1[f]!.iterations, `frame ${f}`).toBe(expected);
    }
    expect(plan.stage2!.iterations).toBe(Math.floor(251 * 0.25 * 24));
    expect(plan.ignored).toEqual([]);
  });

  it('moves the first frame\'s learning rates at iterations 32, 150, 200 and 225', () => {
    const lr = (it: number) => plan.stage1[0]!.settings(it).lr;
    expect(lr(0)).toEqual(PAPER_SCHEDULE.stage1.lrFirst);
    expect(lr(31).rot).toBe(5e-3);
    expect(lr(32).rot).toBe(2.5e-3);
    expect(lr(32).trans).toBe(1.25e-3);
    expect(lr(149).geo).toBe(5e-4);
    expect(lr(150).geo).toBeCloseTo(5e-4, 12); // the original sets codes and expression to 5e-4 here
    expect(lr(150).expr).toBeCloseTo(5e-4, 12); // so the expression rate goes up by 2.5
    expect(lr(150).sh).toBeCloseTo(0.025, 12);
    expect(lr(200).geo).toBeCloseTo(2.5e-4, 12);
    expect(lr(200).rot).toBeCloseTo(1.25e-3, 12);
    expect(lr(225).geo).toBeCloseTo(1.25e-4, 12);
    expect(lr(225).sh).toBeCloseTo(0.0125, 12);
    expect(lr(225).rot).toBeCloseTo(1.25e-3, 12);
  });

  it('keeps identity, appearance, colour and SH frozen on later frames, and scales the milestones to their length', () => {
    const f = plan.stage1.find((p) => p.iterations === 62)!;
    for (const it of [0, 40, 62]) {
      const lr = f.settings(it).lr;
      expect([lr.geo, lr.app, lr.color, lr.sh]).toEqual([0, 0, 0, 0]);
    }
    expect(f.settings(7).lr.rot).toBe(4.95e-4);
    expect(f.settings(8).lr.rot).toBeCloseTo(4.95e-4 / 2, 12); // round(32/251 · 62) = 8
  });

  it('weights landmarks 100 → 50 → 20 → 10 over a frame and the first frame\'s expression by 1000', () => {
    const w = (it: number) => plan.stage1[0]!.settings(it).weights;
    expect([w(0).landmark, w(24).landmark, w(25).landmark, w(49).landmark, w(50).landmark, w(99).landmark, w(100).landmark, w(250).landmark]).toEqual([100, 100, 50, 50, 20, 20, 10, 10]);
    expect(w(0).regExpr).toBe(1000);
    expect(plan.stage1[1]!.settings(0).weights.regExpr).toBe(150);
    expect(w(0).exprSmooth).toBe(0);
  });

  it('anneals the NeuS variance 0.3 → 0.8 on the first frame and from 0.5 later', () => {
    const v = (f: number, it: number) => plan.stage1[f]!.settings(it).variance;
    expect([v(0, 0), v(0, 25), v(0, 50), v(0, 75), v(0, 100), v(0, 250)]).toEqual([0.3, 0.45, 0.6, 0.75, 0.8, 0.8].map((x) => expect.closeTo(x, 12)));
    expect(v(1, 0)).toBe(0.5);
  });

  it('halves every stage-2 rate at n/2 and 3n/4 and the smoothness weights in the second half', () => {
    const s2 = plan.stage2!;
    const n = s2.iterations;
    expect(s2.settings(0).lr).toEqual(PAPER_SCHEDULE.stage2.lr);
    expect(s2.settings(Math.round(n / 2)).lr.expr).toBeCloseTo(5e-5, 12);
    expect(s2.settings(Math.round((3 * n) / 4)).lr.expr).toBeCloseTo(2.5e-5, 12);
    expect(s2.settings(0).weights.exprSmooth).toBe(2000);
    expect(s2.settings(n - 1).weights.exprSmooth).toBe(1000);
    expect(s2.settings(n - 1).weights.poseSmooth).toBe(25_000);
    expect(s2.settings(0).weights.landmark).toBe(5);
  });
});

describe('overrides', () => {
  const loss = (weights: Partial<LossWeights>) => resolveTrackingPlan(SHORT_SCHEDULE, [0, 1, 1, 1], { weights });
  const everyStep = (plan: ReturnType<typeof loss>) => [
    ...plan.stage1.flatMap((f) => Array.from({ length: f.iterations }, (_, it) => f.settings(it))),
    ...Array.from({ length: plan.stage2!.iterations }, (_, it) => plan.stage2!.settings(it)),
  ];

  for (const term of LOSS_TERMS) {
    it(`Loss.${term} holds that term's weight in every iteration of both stages and changes no other`, () => {
      const base = everyStep(loss({}));
      const set = everyStep(loss({ [term]: 7 }));
      expect(set).toHaveLength(base.length);
      set.forEach((s, i) => {
        // Stage 1 optimises one frame at a time: smoothness there has no neighbours and stays off.
        const inStage1 = i < base.length - loss({}).stage2!.iterations;
        const expected = inStage1 && (term === 'exprSmooth' || term === 'poseSmooth') ? 0 : 7;
        expect(s.weights[term]).toBe(expected);
        for (const other of LOSS_TERMS) if (other !== term) expect(s.weights[other]).toBe(base[i]!.weights[other]);
        expect(s.lr).toEqual(base[i]!.lr);
      });
    });
  }

  it('Optimizer.firstIterations / laterIterations / stage2Iterations / rays set what they name', () => {
    const p = resolveTrackingPlan(SHORT_SCHEDULE, [0, 5, 0.1], { firstIterations: 11, laterIterations: 4, stage2Iterations: 9, raysPerIteration: 33 });
    expect(p.stage1.map((f) => f.iterations)).toEqual([11, 4, 4]);
    expect(p.stage2!.iterations).toBe(9);
    expect(p.sampling.raysPerIteration).toBe(33);
    // The milestones follow the frame's own length: 32/251 of 11 iterations is iteration 1.
    expect(p.stage1[0]!.settings(1).lr.rot).toBe(SHORT_SCHEDULE.stage1.lrFirst.rot / 2);
  });

  it('Optimizer.holdPose sets the rotation and translation rates to 0 at every iteration of both stages, and nothing else', () => {
    const free = resolveTrackingPlan(SHORT_SCHEDULE, [0, 2, 0.5]);
    const held = resolveTrackingPlan(SHORT_SCHEDULE, [0, 2, 0.5], { holdPose: true });
    const all = (p: typeof free) => [...p.stage1.flatMap((f) => Array.from({ length: f.iterations }, (_, i) => f.settings(i))), ...Array.from({ length: p.stage2!.iterations }, (_, i) => p.stage2!.settings(i))];
    const [a, b] = [all(free), all(held)];
    expect(b).toHaveLength(a.length);
    expect(a.some((s) => s.lr.rot > 0 && s.lr.trans > 0)).toBe(true);
    b.forEach((s, i) => {
      expect(s.lr).toEqual({ ...a[i]!.lr, rot: 0, trans: 0 });
      expect(s.weights).toEqual(a[i]!.weights);
    });
    expect(() => resolveTrackingPlan(SHORT_SCHEDULE, [0], { holdPose: 'yes' as never })).toThrow(/holdPose must be true or false/);
  });

  it('Optimizer.stages = 1 drops stage 2', () => {
    expect(resolveTrackingPlan(SHORT_SCHEDULE, [0, 1], { stages: '1' }).stage2).toBeNull();
  });

  it('reports settings that cannot act, with the reason', () => {
    const one = resolveTrackingPlan(SHORT_SCHEDULE, [0], { laterIterations: 5, weights: { exprSmooth: 3 } });
    expect(one.ignored).toEqual(['laterIterations: the video has one frame', 'exprSmooth: smoothness needs two frames or more']);
    const s1 = resolveTrackingPlan(SHORT_SCHEDULE, [0, 1], { stages: '1', stage2Iterations: 5, weights: { poseSmooth: 1 } });
    expect(s1.ignored).toEqual(['stage2Iterations: stage 2 is off (stages = 1)', 'poseSmooth: smoothness acts in stage 2 only, which is off']);
  });

  it('refuses invalid settings by name', () => {
    expect(() => resolveTrackingPlan(SHORT_SCHEDULE, [0], { weights: { rgbb: 1 } as never })).toThrow(/'rgbb' is not a tracking term/);
    expect(() => resolveTrackingPlan(SHORT_SCHEDULE, [0], { weights: { constructor: 1 } as never })).toThrow(/'constructor' is not a tracking term/);
    expect(() => resolveTrackingPlan(SHORT_SCHEDULE, [0], { weights: { rgb: -1 } })).toThrow(/'rgb' must be a finite number ≥ 0/);
    expect(() => resolveTrackingPlan(SHORT_SCHEDULE, [0], { firstIterations: 2.5 })).toThrow(/firstIterations must be an integer ≥ 1/);
    expect(() => resolveTrackingPlan(SHORT_SCHEDULE, [])).toThrow(/at least one frame/);
    expect(() => resolveTrackingPlan(SHORT_SCHEDULE, [0], { codeSteps: 'spreads' as never })).toThrow(/codeSteps must be 'spread' or 'raw'/);
  });

  it('chunks the rays when one tape would hold more than MAX_TAPE_POINTS sample points (a schedule\'s own chunk wins)', () => {
    const short = SHORT_SCHEDULE.sampling.nCoarse + SHORT_SCHEDULE.sampling.nImportance;
    expect(resolveTrackingPlan(SHORT_SCHEDULE, [0]).sampling.rayChunk).toBeUndefined();
    const many = resolveTrackingPlan(SHORT_SCHEDULE, [0], { raysPerIteration: 1024 }).sampling;
    expect(many.raysPerIteration).toBe(1024);
    expect(many.rayChunk! * short).toBeLessThanOrEqual(MAX_TAPE_POINTS);
    expect(many.rayChunk).toBe(Math.floor(MAX_TAPE_POINTS / short));
    expect(resolveTrackingPlan(PAPER_SCHEDULE, [0], { raysPerIteration: 1024 }).sampling.rayChunk).toBe(32);
  });
});
