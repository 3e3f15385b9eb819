/**
 * The example tracking graph on the sample sequence, per preset: seconds per frame of the
 * optimiser node (stage 1 + stage 2 on wasm), the time of the whole graph, and the accuracy reached
 * against the ground-truth meshes (Chamfer-L1, normal consistency, recall at 1 / 2.5 / 5 mm-
 * equivalent), next to the zero-code start measured in the same run.
 * Run: `nphm bench tracking-graph [--presets quick,full] [--frames N] [--model URI] [--backend wasm|cpu|webgpu]`
 * (`--frames N` tracks the first N frames only: the full preset over all 24 frames takes hours;
 * `--model models/x/model.json` swaps the HeadModel's studio weights, relative to public/).
 */
import { fileURLToPath } from 'node:url';
import { initNodeTf, parseBackend } from '../src/cli/tf-node.ts';
import { runGraphFile } from '../src/cli/graph-runner.ts';
import { trackingRunAccuracy, type FrameAccuracy } from '../src/cli/tracking-eval.ts';
import type { EngineEvent } from '../src/graph/runtime-types.ts';

const GRAPH = fileURLToPath(new URL('../graphs/tracking.graph.json', import.meta.url));

const row = (a: FrameAccuracy) =>
  `Chamfer-L1 ${a.chamferL1mm.toFixed(2)} mm, NC ${a.normalConsistency.toFixed(3)}, recall@1/2.5/5mm ${a.recall['1mm'].toFixed(3)}/${a.recall['2.5mm'].toFixed(3)}/${a.recall['5mm'].toFixed(3)}`;

export async function runTrackingGraphBench(opts: { presets?: string; frames?: number; model?: string; backend?: string } = {}): Promise<void> {
  const backend = await initNodeTf(parseBackend(opts.backend ?? 'wasm'));
  for (const preset of (opts.presets ?? 'quick').split(',')) {
    const sets = [...(opts.frames ? [`video.end=${opts.frames - 1}`] : []), ...(opts.model ? [`model.uri=${opts.model}`] : [])];
    const nodeMs = new Map<string, number>();
    const onEvent = (e: EngineEvent) => {
      if (e.type === 'state' && e.state.status === 'done' && e.state.ms !== undefined) nodeMs.set(e.nodeId, e.state.ms);
    };
    const t0 = performance.now();
    const { engine, summary } = await runGraphFile(GRAPH, { preset, sets, onEvent });
    const wall = (performance.now() - t0) / 1000;
    if (!summary.ok) throw new Error(`tracking graph (${preset}) failed: ${JSON.stringify(summary.failed)}`);
    const acc = await trackingRunAccuracy(engine);
    const frames = acc.tracked.length;
    const opt = (nodeMs.get('optimizer') ?? NaN) / 1000;
    console.log(`tracking graph, preset ${preset}, ${frames} frames, backend ${backend}`);
    console.log(`  optimiser ${opt.toFixed(1)} s = ${(opt / frames).toFixed(1)} s/frame; meshes ${((nodeMs.get('meshes') ?? NaN) / 1000).toFixed(1)} s; overlays ${((nodeMs.get('overlay') ?? NaN) / 1000).toFixed(1)} s; whole graph ${wall.toFixed(1)} s`);
    console.log(`  tracked:          ${row(acc.trackedMean)}`);
    console.log(`  zero-code start:  ${row(acc.startMean)}`);
    console.log(`  mean head at the true pose: ${row(acc.truePoseMean)}`);
    console.log(`  per frame Chamfer-L1 (mm): ${acc.tracked.map((a) => a.chamferL1mm.toFixed(1)).join(' ')}`);
    engine.dispose();
  }
}
