/**
 * Throughput of the paper-size MonoNPHM field (random PyTorch-like weights; the cost does not
 * depend on the values), batch 14 400 posed points (= 450 rays × 32 samples, one tracking batch):
 *   1. sdf + rgb, no gradients;
 *   2. sdf + rgb + normals, and the backward of a loss of all three into the codes (z_geo, z_app,
 *      z_exp): the tracking iteration's double-backward shape.
 * Prints points/s, the ratio to the machine's float32 matmul ceiling, peak memory, and (with
 * --profile) the time per kernel of one chunk.
 * Run: `nphm bench field [--backend wasm|cpu|webgpu] [--batch 14400] [--reps 3] [--chunk N]
 *       [--grad-chunk N] [--profile] [--dispatch] [--skip-grad] [--copying-identity] [--workers N]`.
 * --workers N (default: every core; 0: none) also runs the batch split over N worker threads (one
 * wasm backend each). --reference DIR (or MONONPHM_REPO): a checkout of the original MonoNPHM code;
 * its field is then timed in the same run with ../shared/tools/torch-reference (Debian's
 * python3-torch) and the ratios printed; without one the bench says so and skips it.
 */
import * as tf from '@tensorflow/tfjs-core';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { initNodeTf, parseBackend } from '../src/cli/tf-node.ts';
import { PAPER_CONFIG, derivedSizes } from '../src/nphm/config.ts';
import { buildModel, randomStateDicts } from '../src/nphm/state-dict.ts';
import { MEAN_ANCHORS_65 } from '../src/nphm/mean-anchors.ts';
import { disposeConditioning } from '../src/nphm/conditioning.ts';
import { disposePlan } from '../src/nphm/edge-plan.ts';
import { deformPoints } from '../src/nphm/deform.ts';
import { canonicalField } from '../src/nphm/canonical.ts';
import { installZeroCopyWasmIdentity } from '../src/nphm/wasm-identity.ts';

/** Forward FLOP per point of the paper model as the original evaluates it (issue 3's figure). */
export const FLOP_PER_POINT = 7.4e6;
/** This machine's float32 matmul ceiling (2 cores), from the issue. */
export const CEILING_FLOPS = 200e9;

export interface FieldBenchResult {
  backend: string;
  batch: number;
  noGrad: { ms: number; cpuMs?: number; pointsPerSecond: number; ceilingRatio: number; chunk: number };
  grad?: { ms: number; cpuMs: number; pointsPerSecond: number; chunk: number };
  peakRssMB: number;
  peakTfMB: number;
}

function opt(argv: string[], k: string): string | undefined {
  const i = argv.indexOf(`--${k}`);
  return i >= 0 ? argv[i + 1] : undefined;
}

export async function main(argv: string[] = []): Promise<FieldBenchResult> {
  const backend = await initNodeTf(parseBackend(opt(argv, 'backend') ?? 'wasm'));
  // Saved tensors share data instead of being copied (−13 % wasm heap for the double backward).
  if (!argv.includes('--copying-identity')) installZeroCopyWasmIdentity();
  const batch = Number(opt(argv, 'batch') ?? 14400);
  const reps = Number(opt(argv, 'reps') ?? 3);
  const chunk = Number(opt(argv, 'chunk') ?? batch);
  // ≈ 1.6 MB of tape per point for the double backward of the paper model: 1024 points stay well
  // inside wasm32 memory (2400 aborts).
  const gradChunk = Number(opt(argv, 'grad-chunk') ?? 1024);
  const cfg = PAPER_CONFIG;
  const s = derivedSizes(cfg);

  // Peak tf memory comes from tf.profile around the (untimed) warm-up runs.
  let peakTf = 0;
  const profilePeak = async (f: () => Promise<void>) => {
    const info = await tf.profile(async () => {
      await f();
      return [];
    });
    peakTf = Math.max(peakTf, info.peakBytes);
    return info.peakBytes;
  };
  const tBuild = performance.now();
  const model = buildModel(cfg, randomStateDicts(cfg, 1), MEAN_ANCHORS_65);
  const msBuild = performance.now() - tBuild;

  let seed = 12345;
  const rnd = () => ((seed = (seed * 1664525 + 1013904223) >>> 0) / 4294967296);
  const lo = [-0.55, -0.5, -0.95];
  const hi = [0.55, 0.75, 0.4];
  const pts = Float32Array.from({ length: 3 * batch }, (_, i) => lo[i % 3]! + (hi[i % 3]! - lo[i % 3]!) * rnd());
  const codeArr = (n: number) => Float32Array.from({ length: n }, () => 0.1 * (rnd() - 0.5));
  const zGeo = tf.variable(tf.tensor1d(codeArr(s.zGeoDim)));
  const zApp = tf.variable(tf.tensor1d(codeArr(s.zAppDim)));
  const zExp = tf.variable(tf.tensor1d(codeArr(s.zExpDim)));
  const codes = { zGeo, zApp, zExp };
  console.log(`field bench: paper model (${s.zGeoDim}/${s.zAppDim}/${s.zExpDim} codes) on ${backend}, batch ${batch}; weights built in ${msBuild.toFixed(0)} ms`);

  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

  // 1. sdf + rgb without gradients.
  const cpuMs = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  };
  const noGradOnce = async () => {
    return model.evaluate(pts, codes, { chunk });
  };
  // Warm-up (XNNPACK packs each weight matrix on first use), profiled for the peak tf memory.
  const peakNo = await profilePeak(async () => void (await noGradOnce()));
  const tNo: number[] = [];
  const cNo: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    const c0 = cpuMs();
    await noGradOnce();
    tNo.push(performance.now() - t0);
    cNo.push(cpuMs() - c0);
  }
  const msNo = median(tNo);
  const cpuNo = median(cNo);
  const ppsNo = (batch / msNo) * 1000;
  const result: FieldBenchResult = {
    backend,
    batch,
    noGrad: { ms: msNo, pointsPerSecond: ppsNo, ceilingRatio: (ppsNo * FLOP_PER_POINT) / CEILING_FLOPS, chunk },
    peakRssMB: 0,
    peakTfMB: 0,
  };
  console.log(
    `  sdf+rgb, no grad:            ${msNo.toFixed(0)} ms / batch = ${ppsNo.toFixed(0)} points/s ` +
      `(${((ppsNo * FLOP_PER_POINT) / 1e9).toFixed(1)} GFLOP/s nominal, ${(100 * result.noGrad.ceilingRatio).toFixed(1)} % of the ${CEILING_FLOPS / 1e9} GFLOP/s ceiling; chunk ${chunk})`,
  );
  // Wall time suffers when other processes share the 2 cores; the process CPU time does not.
  console.log(`      process CPU time ${cpuNo.toFixed(0)} ms / batch = ${((batch / cpuNo) * 1000).toFixed(0)} points per CPU-second`);
  result.noGrad.cpuMs = cpuNo;
  console.log(`      peak tf memory without grad: ${(peakNo / 2 ** 20).toFixed(0)} MB (chunk ${chunk})`);

  // 1b. sdf only (the coarse pass of the renderer needs no colour; the original computes it anyway).
  {
    const c0 = cpuMs();
    const t0 = performance.now();
    await model.evaluate(pts, codes, { chunk, rgb: false });
    const ms = performance.now() - t0;
    const cpu = cpuMs() - c0;
    console.log(`  sdf only, no grad:           ${ms.toFixed(0)} ms / batch = ${((batch / ms) * 1000).toFixed(0)} points/s; ${((batch / cpu) * 1000).toFixed(0)} points per CPU-second`);
  }

  // 2. sdf + rgb + normals, backward of a loss of all three into the codes, accumulated over chunks.
  if (!argv.includes('--skip-grad')) {
    /** Gradient of the loss over points [start, start + n) w.r.t. the codes. */
    const gradChunkOnce = async (start: number, n: number): Promise<tf.Tensor[]> => {
      const x = tf.tensor2d(pts.subarray(3 * start, 3 * (start + n)), [n, 3]);
      // The edge plan is a constant of the chunk; built once, asynchronously, like on webgpu.
      const cond0 = model.condition(codes);
      const xc = tf.tidy(() => deformPoints(model.params, cond0, x));
      const plan = await model.plan(xc, cond0);
      disposeConditioning(cond0);
      xc.dispose();
      const { grads } = tf.variableGrads(() => {
        const cond = model.condition(codes);
        const r = model.fieldWithNormals(x, cond, { plan });
        const eik = tf.square(tf.sub(tf.norm(r.normals, 'euclidean', 1), 1));
        return tf.add(tf.add(tf.sum(tf.square(r.sdf)), tf.sum(tf.square(r.rgb!))), tf.sum(eik)) as tf.Scalar;
      }, [zGeo, zApp, zExp]);
      disposePlan(plan);
      x.dispose();
      return [grads[zGeo.name]!, grads[zApp.name]!, grads[zExp.name]!];
    };
    const gradOnce = async () => {
      let acc: tf.Tensor[] | undefined;
      for (let start = 0; start < batch; start += gradChunk) {
        const g = await gradChunkOnce(start, Math.min(gradChunk, batch - start));
        if (!acc) acc = g;
        else {
          const next = acc.map((a, i) => tf.add(a, g[i]!));
          tf.dispose([...acc, ...g]);
          acc = next;
        }
      }
      await Promise.all(acc!.map((a) => a.data()));
      tf.dispose(acc);
    };
    await gradOnce(); // warm-up
    // The tape lives for one chunk at a time: profile one chunk for the peak.
    const peakG = await profilePeak(async () => {
      const g = await gradChunkOnce(0, Math.min(gradChunk, batch));
      await Promise.all(g.map((t) => t.data()));
      tf.dispose(g);
    });
    console.log(`      peak tf memory with normals + backward: ${(peakG / 2 ** 20).toFixed(0)} MB (chunk ${gradChunk})`);
    const tG: number[] = [];
    const cG: number[] = [];
    for (let i = 0; i < Math.max(1, Math.min(reps, 2)); i++) {
      const t0 = performance.now();
      const c0 = cpuMs();
      await gradOnce();
      tG.push(performance.now() - t0);
      cG.push(cpuMs() - c0);
    }
    const msG = median(tG);
    const cpuG = median(cG);
    result.grad = { ms: msG, cpuMs: cpuG, pointsPerSecond: (batch / msG) * 1000, chunk: gradChunk };
    console.log(`  sdf+rgb+normals + backward:  ${msG.toFixed(0)} ms / batch = ${result.grad.pointsPerSecond.toFixed(0)} points/s (chunks of ${gradChunk})`);
    console.log(`      process CPU time ${cpuG.toFixed(0)} ms / batch = ${((batch / cpuG) * 1000).toFixed(0)} points per CPU-second`);
  }

  result.peakRssMB = process.resourceUsage().maxRSS / 1024;
  result.peakTfMB = peakTf / 2 ** 20;
  console.log(`  peak memory: process RSS ${result.peakRssMB.toFixed(0)} MB (wasm memory only grows), tf.memory() peak ${result.peakTfMB.toFixed(0)} MB`);

  if (argv.includes('--profile')) await profile(model, pts.subarray(0, 3 * Math.min(batch, chunk)), codes);
  if (argv.includes('--dispatch')) await compareDispatch(batch);
  const workers = Number(opt(argv, 'workers') ?? availableParallelism());
  let threaded: Awaited<ReturnType<typeof workerPool>> | undefined;
  if (workers >= 1) {
    const codeData = { zGeo: (await zGeo.data()) as Float32Array, zApp: (await zApp.data()) as Float32Array, zExp: (await zExp.data()) as Float32Array };
    threaded = await workerPool(workers, pts, codeData, { chunk: Math.ceil(chunk / workers), gradChunk, reps, skipGrad: argv.includes('--skip-grad'), backend });
  }
  tf.dispose([zGeo, zApp, zExp]);
  model.dispose();

  // The original runs after ours, never beside it: two heavy processes on two cores time neither.
  const ref = torchReference(opt(argv, 'reference') ?? process.env.MONONPHM_REPO, batch, Math.max(1, workers || availableParallelism()));
  if (ref) {
    const row = (what: string, ours: number | undefined, theirs: number) =>
      console.log(`  ${what.padEnd(34)} ${ours === undefined ? '–' : ours.toFixed(0).padStart(6)} points/s against ${theirs.toFixed(0).padStart(6)}: ${ours === undefined ? '–' : `${(ours / theirs).toFixed(2)}×`}`);
    console.log(`  original MonoNPHM (PyTorch ${ref.torch}, ${ref.threads} threads, same run, ${batch} points):`);
    row('sdf+rgb no grad, one thread', result.noGrad.pointsPerSecond, ref.eval_nograd_points_per_s);
    if (threaded) row(`sdf+rgb no grad, ${workers} threads`, threaded.noGradPps, ref.eval_nograd_points_per_s);
    row('normals + backward, one thread', result.grad?.pointsPerSecond, ref.eval_grad_points_per_s);
    if (threaded) row(`normals + backward, ${workers} threads`, threaded.gradPps, ref.eval_grad_points_per_s);
  }
  return result;
}

interface TorchFigures {
  torch: string;
  threads: number;
  eval_nograd_points_per_s: number;
  eval_grad_points_per_s: number;
}

/** The original field's speed on this machine now, or undefined (with the reason printed). */
function torchReference(repo: string | undefined, points: number, threads: number): TorchFigures | undefined {
  const script = fileURLToPath(new URL('../../shared/tools/torch-reference/field_bench.py', import.meta.url));
  const skip = (why: string) => {
    console.log(`  original MonoNPHM: not timed (${why})`);
    return undefined;
  };
  if (!existsSync(script)) return skip(`no ${script}`);
  if (!repo) return skip('give --reference DIR or MONONPHM_REPO: a checkout of github SimonGiebenhain/MonoNPHM, see that folder\'s README');
  if (!existsSync(join(repo, 'src'))) return skip(`${repo} is not a MonoNPHM checkout`);
  console.log(`  original MonoNPHM: timing ${points} points with ${script} …`);
  const r = spawnSync('/usr/bin/python3', [script, '--repo', repo, '--points', String(points), '--threads', String(threads)], { encoding: 'utf8', timeout: 1_800_000 });
  const line = r.stdout?.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line) as TorchFigures;
  } catch {
    return skip(`the reference script failed: ${(r.stderr || r.error?.message || line).trim().split('\n').pop()}`);
  }
}

/** Time per kernel (summed by name) and per stage of one no-grad chunk. */
async function profile(model: ReturnType<typeof buildModel>, pts: Float32Array, codes: { zGeo: tf.Tensor; zApp: tf.Tensor; zExp: tf.Tensor }): Promise<void> {
  const n = pts.length / 3;
  const x = tf.tensor2d(pts, [n, 3]);
  const cond = model.condition(codes);
  const stages: [string, number][] = [];
  let t0 = performance.now();
  const xc = tf.tidy(() => deformPoints(model.params, cond, x));
  await xc.data();
  stages.push(['deformation MLP', performance.now() - t0]);
  t0 = performance.now();
  const plan = await model.plan(xc, cond);
  stages.push(['kNN + edge plan (topk, JS sort by type)', performance.now() - t0]);
  t0 = performance.now();
  const out = canonicalField(model.params, cond, xc, plan, { rgb: false });
  await out.sdf.data();
  stages.push(['canonical ensemble, sdf only', performance.now() - t0]);
  tf.dispose(out as unknown as tf.TensorContainer);
  t0 = performance.now();
  const out2 = canonicalField(model.params, cond, xc, plan, { rgb: true });
  await out2.sdf.data();
  stages.push(['canonical ensemble, sdf + rgb', performance.now() - t0]);
  tf.dispose(out2 as unknown as tf.TensorContainer);
  console.log(`  stages (${n} points):`);
  for (const [k, v] of stages) console.log(`    ${k.padEnd(42)} ${v.toFixed(0).padStart(7)} ms`);

  const info = await tf.profile(async () => {
    const r = canonicalField(model.params, cond, xc, plan, { rgb: true });
    await r.sdf.data();
    tf.dispose(r as unknown as tf.TensorContainer);
    const y = tf.tidy(() => deformPoints(model.params, cond, x));
    await y.data();
    y.dispose();
  });
  const byKernel = new Map<string, { ms: number; calls: number }>();
  // Op wrappers (`…__op`), custom-gradient scopes and the backward scope time their inner kernels
  // again: leave them out so that the table adds up.
  const composite = (name: string) => name.endsWith('__op') || name === 'unnamed scope' || name === 'backward';
  for (const k of info.kernels) {
    if (composite(k.name)) continue;
    const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
    const e = byKernel.get(k.name) ?? { ms: 0, calls: 0 };
    e.ms += ms;
    e.calls++;
    byKernel.set(k.name, e);
  }
  const total = [...byKernel.values()].reduce((a, b) => a + b.ms, 0);
  console.log(`  kernels (one no-grad chunk: deformation + ensemble with colour; ${info.kernels.length} kernel calls, ${total.toFixed(0)} ms):`);
  for (const [k, v] of [...byKernel].sort((a, b) => b[1].ms - a[1].ms).slice(0, 12)) {
    console.log(`    ${k.padEnd(20)} ${v.ms.toFixed(0).padStart(7)} ms ${((100 * v.ms) / total).toFixed(1).padStart(5)} %  (${v.calls} calls)`);
  }
  disposePlan(plan);
  disposeConditioning(cond);
  tf.dispose([x, xc]);
}

/**
 * The same batch split over `n` worker threads, each with its own wasm backend and model copy (the
 * wasm backend runs one thread, so this is how it uses more cores). Gradients are summed.
 */
async function workerPool(
  n: number,
  pts: Float32Array,
  codes: { zGeo: Float32Array; zApp: Float32Array; zExp: Float32Array },
  o: { chunk: number; gradChunk: number; reps: number; skipGrad: boolean; backend: string },
): Promise<{ noGradPps: number; gradPps?: number }> {
  const { Worker } = await import('node:worker_threads');
  // The worker is TypeScript: register tsx inside it before importing the module.
  const api = import.meta.resolve('tsx/esm/api');
  const url = new URL('./workers/field-worker.ts', import.meta.url).href;
  const boot = `import { register } from ${JSON.stringify(api)}; register(); await import(${JSON.stringify(url)});`;
  const pool = Array.from({ length: n }, () => new Worker(new URL('data:text/javascript,' + encodeURIComponent(boot)), { workerData: { seed: 1, backend: o.backend } }));
  const ask = (w: InstanceType<typeof Worker>, msg: unknown) =>
    new Promise<Float32Array[]>((res, rej) => {
      w.once('message', res);
      w.once('error', rej);
      w.postMessage(msg);
    });
  await Promise.all(pool.map((w) => new Promise<void>((res, rej) => (w.once('message', () => res()), w.once('error', rej)))));
  const N = pts.length / 3;
  const per = Math.ceil(N / n);
  const batchOnce = (kind: 'nograd' | 'grad') =>
    Promise.all(
      pool.map((w, i) => {
        const part = pts.slice(3 * per * i, 3 * Math.min(N, per * (i + 1)));
        return ask(w, { kind, pts: part, ...codes, chunk: kind === 'grad' ? o.gradChunk : o.chunk });
      }),
    );
  const cpu = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  };
  const measure = async (kind: 'nograd' | 'grad', reps: number) => {
    await batchOnce(kind);
    const t: number[] = [];
    let c = 0;
    for (let r = 0; r < reps; r++) {
      const t0 = performance.now();
      const c0 = cpu();
      const parts = await batchOnce(kind);
      t.push(performance.now() - t0);
      c += cpu() - c0;
      if (kind === 'grad') {
        // The codes' gradient of the whole batch is the sum of the workers' gradients.
        const sum = parts[0]!.map((_, j) => parts.reduce((a, p) => a + p[0]![j]!, 0));
        if (!sum.every(Number.isFinite)) throw new Error('worker gradients are not finite');
      }
    }
    t.sort((a, b) => a - b);
    return { ms: t[Math.floor(t.length / 2)]!, cpuMs: c / reps };
  };
  const no = await measure('nograd', o.reps);
  let gradPps: number | undefined;
  console.log(`  ${n} worker threads, sdf+rgb no grad:  ${no.ms.toFixed(0)} ms / batch = ${((N / no.ms) * 1000).toFixed(0)} points/s (${((100 * (N / no.ms) * 1000 * FLOP_PER_POINT) / CEILING_FLOPS).toFixed(1)} % of the ceiling); CPU ${no.cpuMs.toFixed(0)} ms`);
  if (!o.skipGrad) {
    const g = await measure('grad', Math.max(1, Math.min(o.reps, 2)));
    gradPps = (N / g.ms) * 1000;
    console.log(`  ${n} worker threads, normals + backward: ${g.ms.toFixed(0)} ms / batch = ${((N / g.ms) * 1000).toFixed(0)} points/s; CPU ${g.cpuMs.toFixed(0)} ms`);
  }
  console.log(`      process RSS peak with workers: ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
  await Promise.all(pool.map((w) => w.terminate()));
  return { noGradPps: (N / no.ms) * 1000, ...(gradPps !== undefined ? { gradPps } : {}) };
}

/**
 * The design choice for the 36 member types, measured: one 200×200 hidden layer over all edges of a
 * batch (13 per point, spread over the types as the mean anchors spread them) as (a) one 2-D matMul
 * per type on its row block, or (b) one stacked batchMatMul [36, rows_max, 200] × [36, 200, 200]
 * with each type padded to the largest block.
 */
async function compareDispatch(batch: number): Promise<void> {
  const types = 36;
  const E = batch * 13;
  // Uneven blocks like a real plan: the global type gets one row per point, the others share the rest.
  let seed = 7;
  const rnd = () => ((seed = (seed * 1664525 + 1013904223) >>> 0) / 4294967296);
  const w = Array.from({ length: types - 1 }, () => 0.2 + rnd());
  const tot = w.reduce((a, b) => a + b, 0);
  const counts = [...w.map((x) => Math.max(1, Math.round((x / tot) * (E - batch)))), batch];
  const W = Array.from({ length: types }, () => tf.randomNormal([200, 200]) as tf.Tensor2D);
  const Ws = tf.stack(W) as tf.Tensor3D;
  const X = counts.map((c) => tf.randomNormal([c, 200]) as tf.Tensor2D);
  const maxRows = Math.max(...counts);
  const Xs = tf.stack(X.map((x) => tf.pad(x, [[0, maxRows - x.shape[0]], [0, 0]]))) as tf.Tensor3D;
  const time = async (f: () => tf.Tensor | tf.Tensor[]) => {
    const once = async () => {
      const r = f();
      const list = Array.isArray(r) ? r : [r];
      await Promise.all(list.map((t) => t.data()));
      tf.dispose(list);
    };
    await once();
    const t0 = performance.now();
    await once();
    return performance.now() - t0;
  };
  const perType = await time(() => X.map((x, i) => tf.matMul(x, W[i]!)));
  const stacked = await time(() => tf.matMul(Xs, Ws));
  const flop = 2 * E * 200 * 200;
  console.log(`  one hidden layer over ${E} edges in ${types} types (${tf.getBackend()}):`);
  console.log(`    per-type 2-D matMuls:        ${perType.toFixed(0)} ms (${(flop / perType / 1e6).toFixed(1)} GFLOP/s)`);
  console.log(`    stacked batchMatMul, padded: ${stacked.toFixed(0)} ms (${((2 * types * maxRows * 200 * 200) / stacked / 1e6).toFixed(1)} GFLOP/s on ${((types * maxRows) / E).toFixed(2)}× the rows)`);
  tf.dispose([...W, Ws, ...X, Xs]);
}

if (import.meta.url === `file://${process.argv[1]}`) await main(process.argv.slice(2));
