/**
 * The example tracking graph on a synthetic sequence with ground truth, per graph preset: seconds
 * of the optimiser node, the time of the whole graph, and the accuracy reached against the
 * ground-truth meshes (src/track/accuracy.ts: face region as the original's protocol, the head in
 * the model's mesh box, and every visible point), next to the mean head at the identity pose
 * (where tracking starts) and the mean head at the true pose (what the pose alone gives), measured
 * in the same run; with `--codes`, the per-frame error of the expression when the sequence
 * records its true codes (model-rendered sequences).
 *
 * Run: `nphm bench tracking-graph [--presets quick,full] [--frames N] [--video DIR] [--model URI] [--backend wasm|cpu|webgpu]`
 * - `--video DIR`: any sequence with ground truth (`nphm synth video` or `nphm synth model-video`
 *   output) instead of the shipped sample; DIR relative to the working directory or public/.
 * - `--frames N`: the first N frames only (the full preset over 24 frames takes hours).
 * - `--model models/x/model.json`: another studio model (relative to public/).
 * - `--pose-init truth`: start every frame at its ground-truth pose (separates shape from pose);
 *   `--set NODE.PARAM=V,…`: any other override of the graph.
 * - `--threads N`: worker threads for the tracking steps and renders (default 1 here, so that
 *   figures compare across runs; `nphm graph run` defaults to every core).
 * - `--floor`: also the model's floor on a procedural sequence (src/cli/model-floor.ts): codes
 *   fitted in 3-D to each frame's true head, placed at the true pose: what no tracker can beat.
 */
import { fileURLToPath } from 'node:url';
import { initNodeTf, parseBackend } from '../src/cli/tf-node.ts';
import { runGraphFile } from '../src/cli/graph-runner.ts';
import { sequenceTruth, trackingRunAccuracy } from '../src/cli/tracking-eval.ts';
import { formatAccuracy, REGIONS } from '../src/track/accuracy.ts';
import type { EngineEvent } from '../src/graph/runtime-types.ts';
import type { CodeSequenceValue, VideoValue } from '../src/nodes/nphm/values.ts';
import { readTrueCodes, expressionErrors } from '../src/cli/true-codes.ts';
import { threadCount, withRayThreads } from '../src/cli/threads.ts';
import { modelFloor, sequenceHeads } from '../src/cli/model-floor.ts';
import type { ModelValue } from '../src/nodes/nphm/values.ts';

const GRAPH = fileURLToPath(new URL('../graphs/tracking.graph.json', import.meta.url));

export async function runTrackingGraphBench(opts: { presets?: string; frames?: number; model?: string; backend?: string; video?: string; 'pose-init'?: string; set?: string; threads?: number; floor?: boolean } = {}): Promise<void> {
  const backend = await initNodeTf(parseBackend(opts.backend ?? 'wasm'));
  const threads = threadCount(opts.threads === undefined ? '1' : String(opts.threads), undefined);
  await withRayThreads(threads, backend, () => trackingGraphBench(opts, backend, threads));
}

async function trackingGraphBench(opts: Parameters<typeof runTrackingGraphBench>[0] & object, backend: string, threads: number): Promise<void> {
  for (const preset of (opts.presets ?? 'quick').split(',')) {
    const sets = [
      ...(opts.frames ? [`video.end=${opts.frames - 1}`] : []),
      ...(opts.model ? [`model.uri=${opts.model}`] : []),
      ...(opts.video ? [`video.uri=${opts.video.replace(/\/$/, '')}/sequence.json`] : []),
      ...(opts['pose-init'] ? [`optimizer.poseInit=${opts['pose-init']}`] : []),
      ...(opts.set ? String(opts.set).split(',') : []),
    ];
    const nodeMs = new Map<string, number>();
    const onEvent = (e: EngineEvent) => {
      if (e.type === 'state' && e.state.status === 'done' && e.state.ms !== undefined) nodeMs.set(e.nodeId, e.state.ms);
    };
    const t0 = performance.now();
    const { engine, summary } = await runGraphFile(GRAPH, { preset, sets, onEvent });
    const wall = (performance.now() - t0) / 1000;
    if (!summary.ok) throw new Error(`tracking graph (${preset}) failed: ${JSON.stringify(summary.failed)}`);
    const acc = await trackingRunAccuracy(engine);
    const video = engine.outputs('video')!.video as VideoValue;
    const frames = acc.tracked.length;
    const opt = (nodeMs.get('optimizer') ?? NaN) / 1000;
    console.log(`tracking graph, preset ${preset}, ${video.name}, ${frames} frames, backend ${backend}, ${threads} thread${threads > 1 ? 's' : ''}`);
    console.log(`  optimiser ${opt.toFixed(1)} s = ${(opt / frames).toFixed(1)} s/frame; meshes ${((nodeMs.get('meshes') ?? NaN) / 1000).toFixed(1)} s; overlays ${((nodeMs.get('overlay') ?? NaN) / 1000).toFixed(1)} s; whole graph ${wall.toFixed(1)} s`);
    for (const region of REGIONS) {
      console.log(`  [${region}] (${Math.round(acc.trackedMean[region].points)} ground-truth points per frame)`);
      console.log(`    tracked:                    ${formatAccuracy(acc.trackedMean[region])}`);
      console.log(`    mean head, identity pose:   ${formatAccuracy(acc.startMean[region])}`);
      console.log(`    mean head at the true pose: ${formatAccuracy(acc.truePoseMean[region])}`);
      console.log(`    per frame Chamfer-L1 (mm): tracked ${acc.tracked.map((a) => a[region].chamferL1mm.toFixed(2)).join(' ')} | mean head at the true pose ${acc.truePose.map((a) => a[region].chamferL1mm.toFixed(2)).join(' ')}`);
    }
    if (opts.floor) {
      const heads = await sequenceHeads(video, engine.assets);
      if (!heads) console.log('  (--floor: this sequence records no procedural head parameters; skipped)');
      else {
        const model = engine.outputs('model')!.model as ModelValue;
        const floor = await modelFloor(model.model, heads, await sequenceTruth(video, engine.assets), model.stats);
        for (const region of REGIONS) {
          console.log(`  [${region}] the model's 3-D fit at the true pose (floor): ${formatAccuracy(floor.mean[region])}`);
          console.log(`    per frame Chamfer-L1 (mm): ${floor.frames.map((a) => a[region].chamferL1mm.toFixed(2)).join(' ')}`);
        }
      }
    }
    const truth = await readTrueCodes(video, engine.assets);
    if (truth) {
      const seq = engine.outputs('optimizer')!.sequence as CodeSequenceValue;
      const e = expressionErrors(seq, truth);
      console.log(`  codes against the truth (RMS per element, in units of the true code's RMS): z_geo ${e.geo.toFixed(3)}, z_app ${e.app.toFixed(3)}; z_exp per frame ${e.exp.map((x) => x.toFixed(3)).join(' ')}`);
    }
    engine.dispose();
  }
}
