/**
 * Tracking-iteration benchmark (stage 1, first frame: every parameter group trainable): wall time
 * of one optimiser step for the `paper` and `short` schedules, and its split into the coarse pass
 * (SDF without gradients), the fine pass (SDF, colour and normals on the tape), the anchor
 * inversion (Broyden) and the backward pass (the rest of the step). Random weights of the paper-
 * size model by default (`--config small` for the fixture's small sizes, `--config default` for the
 * shipped default model's sizes).
 * With `--threads N` (default: every core) the same iterations run again with their ray chunks on N
 * worker threads (src/parallel), and the ratio to one thread is printed.
 * Run: `nphm bench track [--backend wasm] [--reps 3] [--schedules paper,short] [--config paper|small|default] [--threads N]`.
 */
import * as tf from '@tensorflow/tfjs-core';
import { initNodeTf, parseBackend } from '../src/cli/tf-node.ts';
import { readFileSync } from 'node:fs';
import { PAPER_CONFIG, validateConfig, type NphmConfig } from '../src/nphm/config.ts';
import { buildModel, randomStateDicts } from '../src/nphm/state-dict.ts';
import { MEAN_ANCHORS_65 } from '../src/nphm/mean-anchors.ts';
import { invertRigid, lookAtOpenGL, makeCamera } from '../src/render/camera.ts';
import { TRACKING_SCHEDULES } from '../src/track/schedules.ts';
import { resolveTrackingPlan } from '../src/track/plan.ts';
import { track, type TrackProgress } from '../src/track/tracker.ts';
import type { TrackingFrame } from '../src/track/state.ts';
import { LANDMARK_PAIRS } from '../src/track/landmark-pairs.ts';
import { withCodes } from '../src/track/state-render.ts';
import { RayPool } from '../src/parallel/ray-pool.ts';
import { threadCount } from '../src/cli/threads.ts';

const SMALL: NphmConfig = {
  decoder: {
    id: { lat_dim_glob: 16, lat_dim_loc_geo: 8, lat_dim_loc_app: 8, nloc: 65, nsymm_pairs: 30, nneigh: 12, blend_std: 3.75, pos_mlp_dim: 16, gnn: { hidden_dim_geo: 32, hidden_dim_app: 32, nlayers_geo: 4, nlayers_app: 4 } },
    ex: { mode: 'compress', lat_dim_ex: 16, lat_dim_id: 8, hidden_dim: 64, nlayers: 6, nhyper: 2 },
  },
} as NphmConfig;

async function timeIt(reps: number, fn: () => Promise<void>): Promise<number> {
  await fn(); // warm-up (kernel compilation, wasm init)
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) await fn();
  return (performance.now() - t0) / reps;
}

export async function main(argv: string[]): Promise<void> {
  const arg = (k: string, d: string) => {
    const i = argv.indexOf(`--${k}`);
    return i >= 0 && argv[i + 1] ? argv[i + 1]! : d;
  };
  const backend = await initNodeTf(parseBackend(arg('backend', 'wasm')));
  const reps = Number(arg('reps', '3'));
  const threads = threadCount(argv.includes('--threads') ? arg('threads', '') : undefined, '');
  const cfgName = arg('config', 'paper');
  const configs: Record<string, () => NphmConfig> = {
    paper: () => PAPER_CONFIG,
    small: () => SMALL,
    default: () => validateConfig(JSON.parse(readFileSync(new URL('../public/models/default/model.json', import.meta.url), 'utf8')).config),
  };
  if (!configs[cfgName]) throw new Error(`--config: one of ${Object.keys(configs).join(', ')}`);
  const cfg = configs[cfgName]!();
  const model = buildModel(cfg, randomStateDicts(cfg, 7), MEAN_ANCHORS_65);
  const W = 96;
  const camera = makeCamera(W, W, [[2 * W, 0, (W - 1) / 2], [0, 2 * W, (W - 1) / 2], [0, 0, 1]], invertRigid(lookAtOpenGL([0, 0, 2.6], [0, 0, 0], [0, 1, 0])), 'opengl');
  const frame: TrackingFrame = {
    width: W,
    height: W,
    rgb: new Float32Array(W * W * 3).fill(0.2),
    labels: Uint8Array.from({ length: W * W }, (_, i) => (Math.hypot((i % W) - W / 2, Math.floor(i / W) - W / 2) < W / 3 ? 2 : 0)),
    landmarks: Float32Array.from({ length: 136 }, (_, i) => W / 2 + ((i * 7) % 21) - 10),
    camera,
  };
  const codes = { zGeo: new Float32Array(model.sizes.zGeoDim), zApp: new Float32Array(model.sizes.zAppDim), zExp: new Float32Array(model.sizes.zExpDim) };
  console.log(`tracking iteration benchmark: ${cfgName} model (z_geo ${model.sizes.zGeoDim}), backend ${backend}, ${reps} reps after a warm-up`);
  for (const name of arg('schedules', 'paper,short').split(',')) {
    const schedule = TRACKING_SCHEDULES[name];
    if (!schedule) throw new Error(`unknown schedule '${name}' (${Object.keys(TRACKING_SCHEDULES).join(', ')})`);
    const sampling = schedule.sampling;
    const R = sampling.raysPerIteration, K = sampling.nCoarse, M = sampling.nImportance;
    const coarsePts = tf.randomUniform([R * K, 3], -0.4, 0.4, 'float32', 1) as tf.Tensor2D;
    const finePts = tf.randomUniform([R * M, 3], -0.4, 0.4, 'float32', 2) as tf.Tensor2D;
    console.log(`${name}: timing the coarse pass …`);
    const coarse = await timeIt(reps, () => withCodes(model, codes, async (cond) => {
      const s = tf.tidy(() => model.field(coarsePts, cond, { rgb: false }).sdf);
      await s.data();
      s.dispose();
    }));
    // In the ray chunks the tracker uses (the paper model's tape does not fit wasm's 4 GB at once).
    const finePerChunk = (sampling.rayChunk ?? R) * M;
    const fine = await timeIt(reps, () => withCodes(model, codes, async (cond) => {
      for (let at = 0; at < R * M; at += finePerChunk) {
        const n = Math.min(finePerChunk, R * M - at);
        const pts = tf.slice(finePts, [at, 0], [n, 3]);
        const r = model.fieldWithNormals(pts, cond, { rgb: true });
        await r.normals.data();
        tf.dispose([pts, r.sdf, r.normals, r.queries, ...(r.rgb ? [r.rgb] : [])]);
      }
    }));
    console.log(`${name}: timing the anchor inversion …`);
    const anchors = await timeIt(reps, async () => void (await withCodes(model, codes, (cond) => model.solveAnchors(cond))));
    console.log(`${name}: timing ${reps + 1} tracking iterations …`);
    let last = 0;
    const stamps: number[] = [];
    const onProgress = (_p: TrackProgress) => {
      const now = performance.now();
      stamps.push(now - last);
      last = now;
    };
    const plan = resolveTrackingPlan(schedule, [0], { firstIterations: reps + 1, stages: '1', codeSteps: 'raw' }); // random-weight models carry no code statistics to step in
    const perIteration = async (workers: RayPool | false) => {
      stamps.length = 0;
      last = performance.now();
      await track(model, [frame], { plan, pairs: LANDMARK_PAIRS, onProgress, workers });
      // The first iteration warms up (and, with threads, builds each thread's model).
      return stamps.slice(1).reduce((a, b) => a + b, 0) / Math.max(1, stamps.length - 1);
    };
    const step = await perIteration(false);
    const backward = Math.max(0, step - coarse - fine - anchors);
    console.log(
      `${name.padEnd(6)} ${R} rays × (${K}+${M}) samples: ${step.toFixed(0)} ms/iteration = coarse ${coarse.toFixed(0)} + fine with normals ${fine.toFixed(0)} + anchor inversion ${anchors.toFixed(0)} + backward and the rest ${backward.toFixed(0)} ms`,
    );
    if (threads > 1) {
      const pool = new RayPool(threads, backend);
      try {
        const threaded = await perIteration(pool);
        console.log(`${name.padEnd(6)} on ${threads} threads: ${threaded.toFixed(0)} ms/iteration, ${(step / threaded).toFixed(2)}× one thread`);
      } finally {
        await pool.close();
      }
    }
    tf.dispose([coarsePts, finePts]);
  }
  model.dispose();
  console.log(`peak RSS ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB, tensors left ${tf.memory().numTensors}`);
}
