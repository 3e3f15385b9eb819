/**
 * UI responsiveness benchmark: `npx tsx bench/ui-responsiveness.ts [--nodes 200] [--backend wasm] [--no-build]`.
 *
 * Builds and serves the studio, then in Debian chromium (SwiftShader WebGPU):
 *  1. time to interactive of a generated N-node graph restored from the autosave on a page load
 *     (navigation start → every card rendered and the next animation frame painted);
 *  2. time to open the same graph from a file inside a running studio;
 *  3. main-thread long tasks (> 50 ms, PerformanceObserver 'longtask') during a full run of the graph,
 *     plus the worst gap between animation frames while it runs.
 */
import { build, launch, serve } from '../tests/e2e/harness.ts';

const args = process.argv.slice(2);
// Chains of four nodes: N is rounded down to a multiple of 4.
const backendArg = args.includes('--backend') ? args[args.indexOf('--backend') + 1] : undefined;
const N = Math.max(4, Math.floor((Number(args[args.indexOf('--nodes') + 1]) || 200) / 4) * 4);
if (!args.includes('--no-build')) build();

/** N nodes in chains of four: random → tanh → matmul(·, random) → sum. */
function generateGraph(n: number) {
  const nodes: unknown[] = [];
  const edges: unknown[] = [];
  const ui: Record<string, { x: number; y: number }> = {};
  const chains = n / 4;
  let e = 0;
  for (let c = 0; c < chains; c++) {
    const ids = [`r${c}`, `t${c}`, `m${c}`, `s${c}`];
    nodes.push(
      { id: ids[0], type: 'tensor.random', typeVersion: 1, params: { shape: [32, 32], seed: c } },
      { id: ids[1], type: 'tensor.unary', typeVersion: 1, params: { op: 'tanh' } },
      { id: ids[2], type: 'tensor.matmul', typeVersion: 1, params: {} },
      { id: ids[3], type: 'tensor.reduce', typeVersion: 1, params: { op: 'sum' } },
    );
    edges.push(
      { id: `e${e++}`, from: { node: ids[0], port: 'tensor' }, to: { node: ids[1], port: 'x' } },
      { id: `e${e++}`, from: { node: ids[1], port: 'y' }, to: { node: ids[2], port: 'a' } },
      { id: `e${e++}`, from: { node: ids[0], port: 'tensor' }, to: { node: ids[2], port: 'b' } },
      { id: `e${e++}`, from: { node: ids[2], port: 'product' }, to: { node: ids[3], port: 'x' } },
    );
    ids.forEach((id, i) => (ui[id] = { x: i * 280 + (c % 10) * 1200, y: Math.floor(c / 10) * 320 }));
  }
  return { format: 'nphm-studio/graph', schemaVersion: 2, id: `bench-${n}`, meta: { title: `${n}-node benchmark` }, nodes, edges, ui: { nodes: ui, comments: [] } };
}

const graph = generateGraph(N);
const text = JSON.stringify(graph);
const served = await serve();
const browser = await launch();

try {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  // tsx (esbuild keepNames) wraps named inner functions in `__name(...)`: give the page a no-op one.
  await context.addInitScript({ content: 'window.__name = (f) => f;' });
  await context.addInitScript(() => {
    localStorage.setItem('nphm.autoRun', 'false');
    const w = window as unknown as { __longTasks: { start: number; duration: number }[] };
    w.__longTasks = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) w.__longTasks.push({ start: e.startTime, duration: e.duration });
    }).observe({ type: 'longtask', buffered: true });
  });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(served.url + (backendArg ? `?backend=${backendArg}` : ''));
  await page.waitForFunction(() => document.body.dataset.ready === 'true', undefined, { timeout: 60_000 });

  // 2. open from a file inside the running studio
  const openMs = await page.evaluate(async ({ text, n }) => {
    const s = (window as unknown as { __studio: { studio: { loadText(t: string, src: string): Promise<boolean> } } }).__studio.studio;
    const t0 = performance.now();
    await s.loadText(text, 'bench.graph.json');
    while (document.querySelectorAll('[data-testid="node"]').length < n) await new Promise((r) => requestAnimationFrame(r));
    await new Promise((r) => requestAnimationFrame(r));
    return performance.now() - t0;
  }, { text, n: N });
  await page.evaluate(() => (window as unknown as { __studio: { studio: { autosaveNow(): Promise<void> } } }).__studio.studio.autosaveNow());

  // 1. reload: the autosaved 200-node graph is restored on start
  await page.reload();
  const tti = await page.evaluate(async (n) => {
    while (document.querySelectorAll('[data-testid="node"]').length < n) await new Promise((r) => requestAnimationFrame(r));
    await new Promise((r) => requestAnimationFrame(r));
    const w = window as unknown as { __longTasks: { duration: number }[] };
    return { ms: performance.now(), longTasks: w.__longTasks.length, longest: Math.max(0, ...w.__longTasks.map((t) => t.duration)) };
  }, N);
  await page.waitForFunction(() => document.body.dataset.ready === 'true');

  // 3. long tasks and frame gaps during a full run
  const run = await page.evaluate(async () => {
    const w = window as unknown as { __longTasks: { start: number; duration: number }[]; __studio: { studio: { runGraph(): Promise<{ ran: string[]; ms: number; ok: boolean } | undefined> } } };
    w.__longTasks = [];
    let worstGap = 0;
    let last = performance.now();
    let frames = 0;
    let running = true;
    const tick = () => {
      const now = performance.now();
      worstGap = Math.max(worstGap, now - last);
      last = now;
      frames++;
      if (running) requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
    const t0 = performance.now();
    const summary = await w.__studio.studio.runGraph();
    const wall = performance.now() - t0;
    await new Promise((r) => setTimeout(r, 1000)); // previews are applied over the next frames
    running = false;
    return { wall, summary, frames, worstGap, longTasks: w.__longTasks.map((t) => Math.round(t.duration)) };
  });
  const backend = await page.getByTestId('backend').innerText();

  console.log(`UI responsiveness (${N}-node graph, chromium ${browser.version()}, ${backend.trim()})`);
  console.log(`  open from file in a running studio:          ${openMs.toFixed(0)} ms (parse in worker + reconcile + first paint of ${N} cards)`);
  console.log(`  time to interactive after reload (autosave): ${tti.ms.toFixed(0)} ms from navigation start; ${tti.longTasks} long tasks during start (longest ${tti.longest.toFixed(0)} ms)`);
  console.log(`  full run: ${run.summary?.ran.length ?? 0} nodes ran in ${run.wall.toFixed(0)} ms (worker ${run.summary?.ms.toFixed(0)} ms, ok=${run.summary?.ok})`);
  console.log(`  long tasks (> 50 ms) on the main thread during the run: ${run.longTasks.length}${run.longTasks.length ? ` [${run.longTasks.join(', ')} ms]` : ''}`);
  console.log(`  frames during the run: ${run.frames}, worst gap between frames: ${run.worstGap.toFixed(0)} ms`);
  if (errors.length) console.log(`  page errors: ${errors.join('; ')}`);
  await context.close();
} finally {
  await browser.close();
  served.stop();
}
