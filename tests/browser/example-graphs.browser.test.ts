/**
 * The example graphs as shipped, run where the studio runs them: in the compute worker in Chromium,
 * with the default model and assets fetched from the studio's origin (quick preset, wasm). The
 * tracking and expression-transfer runs are cut to their first frame (one `--set`-style override
 * each) to keep CI time; their full quick runs and accuracy are checked headless in
 * tests/unit/graphs-*.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ComputeClient } from '../../src/workers/client.ts';
import { applyPreset } from '../../src/graph/presets.ts';
import { Catalog } from '../../src/ui/catalog.ts';
import interpolationText from '../../graphs/interpolation.graph.json?raw';
import trackingText from '../../graphs/tracking.graph.json?raw';
import transferText from '../../graphs/expression-transfer.graph.json?raw';
import type { Artifact, EngineEvent } from '../../src/graph/runtime-types.ts';
import type { GraphDocument } from '../../src/graph/document.ts';

let client: ComputeClient;
let catalog: Catalog;
beforeAll(async () => {
  client = new ComputeClient({ backend: 'wasm' });
  expect((await client.info).backend).toBe('wasm');
  catalog = new Catalog(await client.call((api) => api.catalog()));
});
afterAll(() => client?.dispose());

/** Parses a shipped graph in the worker, applies its quick preset and `overrides`, and runs it. */
async function runShipped(text: string, overrides: Record<string, Record<string, unknown>> = {}) {
  const events: EngineEvent[] = [];
  /** When the page received each event (ms): how live the cards are. */
  const received: number[] = [];
  const off = client.onEvents((batch) => {
    events.push(...batch);
    for (const _ of batch) received.push(performance.now());
  });
  const loaded = await client.call((api) => api.parse(text));
  expect(loaded.problems.filter((p) => p.severity === 'error')).toEqual([]);
  const graph = loaded.graph! as GraphDocument;
  expect(applyPreset(graph, 'quick', catalog)).toEqual([]);
  for (const [id, params] of Object.entries(overrides)) Object.assign(graph.nodes.find((n) => n.id === id)!.params, params);
  await client.setGraph(graph);
  const summary = await client.run();
  // Events travel in batches and may trail the run's answer: wait for its end marker.
  await expect.poll(() => events.some((e) => e.type === 'run-end'), { timeout: 10_000 }).toBe(true);
  off();
  expect(summary.failed).toEqual([]);
  expect(summary.ok).toBe(true);
  expect(summary.ran.length + summary.cached.length).toBe(graph.nodes.length);
  const artifacts = (nodeId: string): Artifact[] => events.filter((e): e is Extract<EngineEvent, { type: 'artifact' }> => e.type === 'artifact' && e.nodeId === nodeId).map((e) => e.artifact);
  const previews = (nodeId: string) => events.filter((e) => e.type === 'preview' && e.nodeId === nodeId).map((e) => (e as { payload: { kind?: string } }).payload);
  /** The longest wait, while `nodeId` ran, between updates of its card (progress or preview). */
  const longestGap = (nodeId: string): { ms: number; updates: number } => {
    const at = events.flatMap((e, i) => ('nodeId' in e && e.nodeId === nodeId && (e.type === 'preview' || e.type === 'state') ? [{ e, t: received[i]! }] : []));
    const start = at.find((x) => x.e.type === 'state' && x.e.state.status === 'running')?.t;
    const end = at.find((x) => x.e.type === 'state' && x.e.state.status === 'done')?.t;
    const ticks = at.filter((x) => start !== undefined && end !== undefined && x.t >= start && x.t <= end).map((x) => x.t);
    let ms = 0;
    for (let i = 1; i < ticks.length; i++) ms = Math.max(ms, ticks[i]! - ticks[i - 1]!);
    return { ms, updates: ticks.length };
  };
  return { graph, summary, artifacts, previews, longestGap };
}

/** Fraction of pixels of a PNG artifact that differ from its corner pixel (the background). */
async function foregroundFraction(a: Artifact): Promise<{ width: number; height: number; fg: number }> {
  const bitmap = await createImageBitmap(new Blob([(a.data as Uint8Array).slice()], { type: 'image/png' }));
  const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
  const ctx = canvas.getContext('2d')!;
  ctx.drawImage(bitmap, 0, 0);
  const px = ctx.getImageData(0, 0, bitmap.width, bitmap.height).data;
  let fg = 0;
  for (let i = 0; i < px.length; i += 4) if (Math.abs(px[i]! - px[0]!) + Math.abs(px[i + 1]! - px[1]!) + Math.abs(px[i + 2]! - px[2]!) > 24) fg++;
  return { width: bitmap.width, height: bitmap.height, fg: fg / (px.length / 4) };
}

describe('example graphs in the studio\'s worker', () => {
  it('runs graphs/interpolation.graph.json (quick) on wasm: every node done, a render and a mesh written', async () => {
    const { artifacts, previews } = await runShipped(interpolationText);
    expect(artifacts('render').map((a) => a.name)).toContain('interpolation-0000.png');
    expect(artifacts('mesh').map((a) => a.name)).toContain('interpolated.glb');
    const render = await foregroundFraction(artifacts('render')[0]!);
    expect(render.width).toBe(64);
    expect(render.fg).toBeGreaterThan(0.1);
    expect(render.fg).toBeLessThan(0.9);
    // The mesh preview reached the page as an orbitable mesh.
    expect(previews('mesh').some((p) => p.kind === 'mesh')).toBe(true);
  }, 600_000);

  it('runs graphs/tracking.graph.json (quick, first frame): the objective halves, codes, an overlay and a mesh are written', async () => {
    const { graph, artifacts, previews, longestGap } = await runShipped(trackingText, { video: { end: 0 } });
    // The Optimizer card moves while it tracks: progress and a growing loss curve reach the page
    // every few seconds (an iteration takes about a second here), not only at the end.
    const gap = longestGap('optimizer');
    const livePlots = previews('optimizer').filter((p) => p.kind === 'plot').length;
    console.log(`tracking in the worker: ${gap.updates} updates of the Optimizer card, longest gap ${(gap.ms / 1000).toFixed(2)} s, ${livePlots} loss-curve previews`);
    expect(gap.updates).toBeGreaterThan(20);
    // 4.2 s measured (the start: pose fit and the first step's kernels); before the loops breathed
    // nothing arrived until the node ended.
    expect(gap.ms).toBeLessThan(8000);
    expect(livePlots).toBeGreaterThan(10);
    // The optimiser's last curve preview holds the whole run; within the first frame's iterations
    // the total must at least halve (the headless test's criterion).
    const plots = previews('optimizer').filter((p) => p.kind === 'plot') as unknown as { series: { name: string; values: number[] }[] }[];
    const total = plots.at(-1)!.series.find((s) => s.name === 'total')!.values;
    const first = total.slice(0, graph.nodes.find((n) => n.id === 'optimizer')!.params.firstIterations as number);
    const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
    console.log(`tracking in the worker: objective ${mean(first.slice(0, 5)).toFixed(1)} → ${mean(first.slice(-5)).toFixed(1)} over ${first.length} iterations`);
    expect(mean(first.slice(-5))).toBeLessThan(0.5 * mean(first.slice(0, 5)));
    const codes = JSON.parse(artifacts('codes')[0]!.data as string) as { frames: { z_exp: number[] }[]; z_geo: number[] };
    expect(artifacts('codes')[0]!.name).toBe('tracking.codes.json');
    expect(codes.frames).toHaveLength(1);
    expect(Math.hypot(...codes.z_geo)).toBeGreaterThan(0);
    expect(artifacts('overlay').map((a) => a.name)).toEqual(['overlay-0000.png']);
    const overlay = await foregroundFraction(artifacts('overlay')[0]!);
    expect(overlay.fg).toBeGreaterThan(0.1);
    expect(artifacts('meshes').map((a) => a.name)).toEqual(['tracked-0000.ply']);
    expect((artifacts('meshes')[0]!.data as Uint8Array).length).toBeGreaterThan(20_000);
  }, 900_000);

  it('runs graphs/expression-transfer.graph.json (quick, first frame): both targets rendered and meshed, differently', async () => {
    const first = { allFrames: false, frame: 0 };
    const { artifacts } = await runShipped(transferText, { renderA: first, renderB: first, meshA: first, meshB: first });
    const renders = [artifacts('renderA'), artifacts('renderB')];
    for (const r of renders) expect(r).toHaveLength(1);
    expect(artifacts('meshA')).toHaveLength(1);
    expect(artifacts('meshB')).toHaveLength(1);
    const [a, b] = await Promise.all(renders.map((r) => foregroundFraction(r[0]!)));
    for (const f of [a!, b!]) expect(f.fg).toBeGreaterThan(0.1), expect(f.fg).toBeLessThan(0.9);
    // Two identities wearing the same expression: the images are not the same.
    const pa = renders[0]![0]!.data as Uint8Array, pb = renders[1]![0]!.data as Uint8Array;
    expect(pa.length === pb.length && pa.every((v, i) => v === pb[i])).toBe(false);
  }, 900_000);
});
