/**
 * How often a long run shows signs of life, and what it costs: runs a graph headless (in this
 * process, as the worker runs it) and prints, per node, the longest and the 95th-percentile gap
 * between its progress events, the longest gap between turns of the event loop (what Ctrl-C, Stop
 * and timers wait for), and the run's time. With `--compare`, the same run again in a child
 * process with breathing and time-sized chunks off (one 512-ray / 40 000-point chunk, no yields),
 * and the ratio of the run times: the overhead of yielding.
 * Run: `npm run bench -- progress-gaps [--graph FILE] [--preset quick] [--set NODE.PARAM=V,…] [--compare]`
 * (default: the tracking example, short schedule, 2 frames, 24 + 8 iterations).
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { prepareGraphRun } from '../src/cli/graph-runner.ts';
import { initNodeTf } from '../src/cli/tf-node.ts';
import type { EngineEvent } from '../src/graph/runtime-types.ts';
import { BREATH_SLICE_MS, CHUNK_TARGET_MS } from '../src/graph/breathe.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const DEFAULT_SETS = ['video.end=1', 'optimizer.schedule=short', 'optimizer.firstIterations=24', 'optimizer.laterIterations=8', 'optimizer.stages=1', 'overlay.allFrames=false', 'meshes.allFrames=false', 'meshes.resolution=48', 'overlay.samples=16'];

interface Figures {
  seconds: number;
  loopGapMaxMs: number;
  nodes: { id: string; events: number; maxGapMs: number; p95GapMs: number; seconds: number }[];
}

async function measure(graph: string, preset: string | undefined, sets: string[]): Promise<Figures> {
  await initNodeTf('wasm');
  const { engine } = await prepareGraphRun(graph, { ...(preset ? { preset } : {}), sets });
  const lastEvent = new Map<string, number>();
  const gaps = new Map<string, number[]>();
  const began = new Map<string, number>();
  const ended = new Map<string, number>();
  engine.subscribe((e: EngineEvent) => {
    if (e.type !== 'state') return;
    const t = performance.now();
    const id = e.nodeId;
    if (e.state.status === 'running') {
      if (!began.has(id)) began.set(id, t);
      const prev = lastEvent.get(id);
      if (prev !== undefined) gaps.get(id)!.push(t - prev);
      else gaps.set(id, []);
      lastEvent.set(id, t);
    } else if (began.has(id) && !ended.has(id)) {
      ended.set(id, t);
      const prev = lastEvent.get(id);
      if (prev !== undefined) gaps.get(id)!.push(t - prev);
    }
  });
  let loopGapMax = 0;
  let last = performance.now();
  const ticker = setInterval(() => {
    const t = performance.now();
    loopGapMax = Math.max(loopGapMax, t - last);
    last = t;
  }, 10);
  const t0 = performance.now();
  const summary = await engine.run({ previews: false });
  const seconds = (performance.now() - t0) / 1000;
  // A loop that never yields never lets the ticker run at all: the gap up to the end counts too.
  loopGapMax = Math.max(loopGapMax, performance.now() - last);
  clearInterval(ticker);
  if (!summary.ok) throw new Error(`the run failed: ${summary.failed.map((f) => `${f.nodeId}: ${f.message}`).join('; ')}`);
  engine.dispose();
  const nodes = [...gaps]
    .map(([id, g]) => {
      const sorted = [...g].sort((a, b) => a - b);
      return { id, events: g.length, maxGapMs: sorted.at(-1) ?? 0, p95GapMs: sorted[Math.floor(0.95 * (sorted.length - 1))] ?? 0, seconds: ((ended.get(id) ?? t0) - began.get(id)!) / 1000 };
    })
    .filter((n) => n.seconds > 1)
    .sort((a, b) => b.seconds - a.seconds);
  return { seconds, loopGapMaxMs: loopGapMax, nodes };
}

function print(label: string, f: Figures): void {
  console.log(`${label}: run ${f.seconds.toFixed(1)} s; longest event-loop gap ${f.loopGapMaxMs.toFixed(0)} ms (includes the model load)`);
  for (const n of f.nodes) console.log(`  ${n.id.padEnd(12)} ${n.seconds.toFixed(1).padStart(7)} s  ${String(n.events).padStart(5)} progress events  gap max ${n.maxGapMs.toFixed(0).padStart(5)} ms  p95 ${n.p95GapMs.toFixed(0).padStart(5)} ms`);
}

export async function runProgressGapsBench(o: { graph?: string; preset?: string; set?: string | string[]; compare?: boolean; child?: boolean } = {}): Promise<void> {
  const graph = o.graph ?? `${ROOT}graphs/tracking.graph.json`;
  const sets = o.set === undefined ? DEFAULT_SETS : (Array.isArray(o.set) ? o.set : o.set.split(',')).map(String);
  const figures = await measure(graph, o.preset, sets);
  if (o.child) {
    console.log(JSON.stringify(figures));
    return;
  }
  print(`breathing (slices of ${BREATH_SLICE_MS} ms, chunks of ~${CHUNK_TARGET_MS} ms)`, figures);
  if (!o.compare) return;
  const args = ['bin/nphm.mjs', 'bench', 'progress-gaps', '--graph', graph, '--set', sets.join(','), '--child', ...(o.preset ? ['--preset', o.preset] : [])];
  const off = spawnSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NPHM_BREATH_SLICE_MS: '1e12', NPHM_CHUNK_TARGET_MS: '1e12' }, maxBuffer: 1 << 24 });
  const line = off.stdout.trim().split('\n').at(-1) ?? '';
  if (off.status !== 0 || !line.startsWith('{')) throw new Error(`the run without breathing failed:\n${off.stderr.slice(-2000)}`);
  const without = JSON.parse(line) as Figures;
  print('without breathing (fixed chunks, no yields)', without);
  console.log(`overhead of breathing: run time ×${(figures.seconds / without.seconds).toFixed(3)} (${(100 * (figures.seconds / without.seconds - 1)).toFixed(1)} %)`);
}
