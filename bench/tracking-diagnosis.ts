/**
 * Why tracking recovers what it recovers: the first frame of a video rendered by the default model
 * itself (src/synth/model-video.ts: known identity, appearance, expression, pose; no domain gap),
 * tracked with a schedule while every N-th step differentiates each family of terms on its own.
 * Prints, over the iterations: each term's share of the objective, the gradient norm each family
 * puts on each parameter group (code groups in code units), how far the codes have moved from
 * their start and how far they are from the truth (RMS per element, in units of the model's code
 * spread), the pose error; at the end the accuracy against the true mesh next to the mean head at
 * the true pose.
 *
 * Run: `nphm bench tracking-diagnosis [--schedule short|paper] [--iterations 60] [--every 10]
 *   [--size 96] [--seed 5] [--spread 1.5] [--rays N] [--true-pose] [--code-steps spread|raw]
 *   [--weights regLocGeo=0.3,regLocApp=0.3]` (loss weights held for every iteration)
 * (`--true-pose` starts at the true pose instead of the landmark fit: separates pose from shape.)
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { initNodeTf } from '../src/cli/tf-node.ts';
import { nodeAssetReader, PUBLIC_DIR } from '../src/cli/assets-node.ts';
import { loadStudioModel } from '../src/nodes/nphm/load-model.ts';
import { parseNamedExpressions } from '../src/nphm/named-expressions.ts';
import { renderModelVideo, pinholeToCamera, trackingFrameOf, type ModelVideoFrame } from '../src/synth/model-video.ts';
import { LANDMARK_PAIRS } from '../src/track/landmark-pairs.ts';
import { TRACKING_SCHEDULES } from '../src/track/schedules.ts';
import { resolveTrackingPlan, type PlanOverrides } from '../src/track/plan.ts';
import { track, type TrackProgress } from '../src/track/tracker.ts';
import { TERM_FAMILIES } from '../src/track/step.ts';
import { scoreTracking, trackedFrameMesh } from '../src/cli/tracking-eval.ts';
import { formatAccuracy, MM_PER_UNIT } from '../src/track/accuracy.ts';
import { so3ExpNumbers } from '../src/render/pose.ts';

const GROUPS = ['geo', 'app', 'color', 'expr', 'sh', 'rot', 'trans'] as const;

export async function runTrackingDiagnosisBench(o: { schedule?: string; iterations?: number; every?: number; size?: number; seed?: number; spread?: number; rays?: number; 'true-pose'?: boolean; 'code-steps'?: string; weights?: string } = {}): Promise<void> {
  await initNodeTf('wasm');
  const mv = await loadStudioModel(nodeAssetReader([PUBLIC_DIR]), 'models/default/model.json');
  const stats = mv.stats!;
  const model = mv.model;
  const exprFile = fileURLToPath(new URL('../public/models/default/expressions.json', import.meta.url));
  const expressions = parseNamedExpressions(JSON.parse(readFileSync(exprFile, 'utf8')), model.sizes.zExpDim, exprFile);
  const size = o.size ?? 96;
  const frames: ModelVideoFrame[] = [];
  const setup = await renderModelVideo(model, stats, { frames: 1, size, seed: o.seed ?? 5, spread: o.spread ?? 1.5, expressions, meshResolution: 128, pairs: LANDMARK_PAIRS }, (f) => void frames.push(f));
  const f0 = frames[0]!;
  const camera = pinholeToCamera(setup.camera);
  const schedule = TRACKING_SCHEDULES[o.schedule ?? 'short'];
  if (!schedule) throw new Error(`--schedule: one of ${Object.keys(TRACKING_SCHEDULES).join(', ')}`);
  const iterations = o.iterations ?? 60;
  const every = o.every ?? 10;
  const steps = o['code-steps'] as PlanOverrides['codeSteps'];
  const weights = Object.fromEntries((o.weights ?? '').split(',').filter(Boolean).map((kv) => {
    const [k, v] = kv.split('=');
    if (!k || !(Number(v) >= 0)) throw new Error(`--weights: '${kv}' is not term=weight`);
    return [k, Number(v)];
  }));
  const plan = resolveTrackingPlan(schedule, [0], { firstIterations: iterations, stages: '1', ...(o.rays ? { raysPerIteration: o.rays } : {}), ...(steps ? { codeSteps: steps } : {}), ...(o.weights ? { weights } : {}) });
  for (const msg of plan.ignored) console.log(`  ignored: ${msg}`);
  const truth = { zGeo: setup.zGeo, zApp: setup.zApp, zExp: f0.zExp };
  const G = model.config.decoder.id.lat_dim_glob;
  const std = { geo: stats.geo.std, app: stats.app.std, exp: Float32Array.from(stats.exp.std, (s, i) => Math.hypot(s, stats.exp.mean[i]!)) };
  const rmsIn = (a: ArrayLike<number>, b: ArrayLike<number>, s: ArrayLike<number>, from = 0, to = a.length) => {
    let q = 0;
    for (let i = from; i < to; i++) q += ((a[i]! - b[i]!) / s[i]!) ** 2;
    return Math.sqrt(q / (to - from));
  };
  const start = { zGeo: Float32Array.from(stats.geo.mean), zApp: Float32Array.from(stats.app.mean), zExp: new Float32Array(model.sizes.zExpDim) };
  console.log(`tracking diagnosis: first frame of a default-model video (seed ${o.seed ?? 5}, spread ${o.spread ?? 1.5}, ${size} px, expression ${JSON.stringify(f0.expressionWeights)}), schedule ${schedule.name} (${plan.codeSteps} code steps), ${iterations} iterations, ${plan.sampling.raysPerIteration} rays`);
  console.log(`  truth from the start (spreads RMS per element): z_geo global ${rmsIn(truth.zGeo, start.zGeo, std.geo, 0, G).toFixed(2)}, local ${rmsIn(truth.zGeo, start.zGeo, std.geo, G).toFixed(2)}; z_app ${rmsIn(truth.zApp, start.zApp, std.app).toFixed(2)}; z_exp ${rmsIn(truth.zExp, start.zExp, std.exp).toFixed(2)}`);
  const rotDeg = (a: ArrayLike<number>, b: ArrayLike<number>) => {
    const A = so3ExpNumbers(Array.from(a)), B = so3ExpNumbers(Array.from(b));
    let tr = 0;
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) tr += A[i]![j]! * B[i]![j]!;
    return (Math.acos(Math.min(1, Math.max(-1, (tr - 1) / 2))) * 180) / Math.PI;
  };
  const rows: string[] = [];
  const onProgress = (p: TrackProgress) => {
    if (!p.familyGradNorms || !p.codes) return;
    const w = p.settings.weights;
    const weighted = Object.entries(p.losses).filter(([k]) => k !== 'total').map(([k, v]) => [k, v * (w[k as keyof typeof w] ?? 0)] as const);
    const total = p.losses.total!;
    rows.push(`  it ${String(p.iteration).padStart(3)}  objective ${total.toFixed(2)}  shares ${weighted.filter(([, v]) => v / total > 0.005).map(([k, v]) => `${k} ${((100 * v) / total).toFixed(0)}%`).join(' ')}`);
    for (const fam of TERM_FAMILIES) {
      const g = p.familyGradNorms[fam];
      if (g) rows.push(`      ∇ ${fam.padEnd(12)} ${GROUPS.filter((k) => g[k] !== undefined).map((k) => `${k} ${g[k]!.toExponential(1)}`).join('  ')}`);
    }
    const c = p.codes;
    rows.push(`      moved  z_geo glob ${rmsIn(c.zGeo, start.zGeo, std.geo, 0, G).toFixed(2)} loc ${rmsIn(c.zGeo, start.zGeo, std.geo, G).toFixed(2)} z_app ${rmsIn(c.zApp, start.zApp, std.app).toFixed(2)} z_exp ${rmsIn(c.zExp, start.zExp, std.exp).toFixed(2)}   from truth  z_geo glob ${rmsIn(c.zGeo, truth.zGeo, std.geo, 0, G).toFixed(2)} loc ${rmsIn(c.zGeo, truth.zGeo, std.geo, G).toFixed(2)} z_app ${rmsIn(c.zApp, truth.zApp, std.app).toFixed(2)} z_exp ${rmsIn(c.zExp, truth.zExp, std.exp).toFixed(2)}   lr geo ${p.settings.lr.geo.toExponential(1)} expr ${p.settings.lr.expr.toExponential(1)}`);
  };
  const t0 = performance.now();
  const state = await track(model, [trackingFrameOf(f0, camera)], {
    plan, pairs: LANDMARK_PAIRS, stats, seed: 1, diagnoseEvery: every, onProgress,
    ...(o['true-pose'] ? { initialPose: [f0.residual], poseInit: 'identity' as const } : {}),
  });
  const seconds = (performance.now() - t0) / 1000;
  for (const r of rows) console.log(r);
  const fr = state.frames[0]!;
  const dt = Array.from(fr.trans, (t, i) => (t - f0.residual.trans[i]!) * MM_PER_UNIT);
  console.log(`  pose error: rotation ${rotDeg(fr.rot, f0.residual.rot).toFixed(2)}°, translation ${dt.map((x) => x.toFixed(1)).join(', ')} mm (x, y, z model)`);
  const acc = await scoreTracking(model, [await trackedFrameMesh(model, state, 0, 128)], [{ mesh: f0.mesh, camera, pose: f0.residual, labels: f0.labels }], stats);
  for (const r of ['face', 'faceAligned'] as const) {
    console.log(`  [${r}] tracked ${formatAccuracy(acc.trackedMean[r])}`);
    console.log(`  [${r}] mean head at the true pose ${formatAccuracy(acc.truePoseMean[r])}`);
  }
  console.log(`  ${seconds.toFixed(1)} s for ${iterations} iterations (diagnosed ones cost about twice)`);
  mv.dispose();
}
