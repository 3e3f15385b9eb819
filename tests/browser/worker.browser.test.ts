import { afterAll, describe, expect, it } from 'vitest';
import { commands } from 'vitest/browser';
import { ComputeClient } from '../../src/workers/client.ts';
import smokeText from '../../graphs/test/tensor-smoke.graph.json?raw';
import type { EngineEvent } from '../../src/graph/runtime-types.ts';
import type { OutputSummary } from '../../src/workers/compute-service.ts';

const clients: ComputeClient[] = [];
const client = (backend: 'auto' | 'wasm' | 'cpu' = 'auto') => {
  const c = new ComputeClient({ backend });
  clients.push(c);
  return c;
};
afterAll(() => clients.forEach((c) => c.dispose()));

async function runSmoke(c: ComputeClient) {
  const loaded = await c.call((api) => api.parse(smokeText));
  expect(loaded.problems).toEqual([]);
  await c.setGraph(loaded.graph!);
  const summary = await c.run();
  // The whole verdict, so a failure in CI names the node and its message.
  expect({ ok: summary.ok, cancelled: summary.cancelled, failed: summary.failed, blocked: summary.blocked })
    .toEqual({ ok: true, cancelled: false, failed: [], blocked: [] });
  const output = async (node: string, port: string) => (await c.call((api) => api.output(node, port) as Promise<OutputSummary | undefined>));
  const total = await output('total', 'value');
  const product = await output('ab', 'product');
  return { total: total?.kind === 'number' ? total.value : NaN, product };
}

describe('compute worker in Chromium', () => {
  it('picks WebGPU (SwiftShader) and matches the same graph run in Node on wasm', async () => {
    const gpu = client();
    const info = await gpu.info;
    expect(info.backend).toBe('webgpu');
    expect(info.adapter).toMatch(/swiftshader/i);
    const events: EngineEvent[] = [];
    gpu.onEvents((batch) => events.push(...batch));
    const onGpu = await runSmoke(gpu);

    const node = await commands.runGraphInNode('graphs/test/tensor-smoke.graph.json', 'wasm');
    const nodeTotal = JSON.parse(node['total.json']!).value as number;
    const nodeLog = JSON.parse(node['run-log.json']!);
    expect(nodeLog.backend).toBe('wasm');
    // Sum of 768 softplus values of 48-term dot products: float32 reassociation differs between
    // a GPU matmul and XNNPACK, so agree to ~1e-6 relative.
    expect(Math.abs(onGpu.total - nodeTotal) / Math.abs(nodeTotal)).toBeLessThan(1e-5);

    expect(events.filter((e) => e.type === 'log')).toEqual([]);
    // Previews arrived as transferred typed arrays.
    const preview = events.find((e) => e.type === 'preview' && e.nodeId === 'ab');
    expect(preview).toBeDefined();
    const payload = (preview as { payload: { kind: string; image?: { rgba: Uint8ClampedArray } } }).payload;
    expect(payload.kind).toBe('tensor');
    expect(payload.image!.rgba).toBeInstanceOf(Uint8ClampedArray);
    expect(payload.image!.rgba.length).toBe(32 * 24 * 4);
    expect(events.some((e) => e.type === 'state' && e.nodeId === 'total' && e.state.status === 'done')).toBe(true);
  });

  it('runs the same graph on wasm in the worker with the same product matrix', async () => {
    const gpu = client();
    const wasm = client('wasm');
    expect((await wasm.info).backend).toBe('wasm');
    const [a, b] = [await runSmoke(gpu), await runSmoke(wasm)];
    expect(a.product?.kind).toBe('tensor');
    const pa = (a.product as { values: number[] }).values, pb = (b.product as { values: number[] }).values;
    expect(pa).toHaveLength(32 * 24);
    const maxDiff = Math.max(...pa.map((v, i) => Math.abs(v - pb[i]!)));
    expect(maxDiff).toBeLessThan(1e-4);
  });

  it('stops within 1 s even inside one long kernel, by replacing the worker, and keeps the graph', async () => {
    const c = client('wasm');
    await c.info;
    const g = JSON.parse(smokeText);
    // Two 3072² matrices: one matmul of ~58 GFLOP, a single kernel that cannot check a signal.
    g.nodes.find((n: { id: string }) => n.id === 'a').params.shape = [3072, 3072];
    g.nodes.find((n: { id: string }) => n.id === 'b').params.shape = [3072, 3072];
    const loaded = await c.call((api) => api.validate(g));
    await c.setGraph(loaded.graph!);
    const inMatmul = new Promise<void>((resolve) =>
      c.onEvents((batch) => batch.some((e) => e.type === 'state' && e.nodeId === 'ab' && e.state.status === 'running') && resolve()),
    );
    const running = c.run();
    running.catch(() => undefined);
    await inMatmul;
    const t0 = performance.now();
    const how = await c.stop();
    const ms = performance.now() - t0;
    expect(how).toBe('restarted');
    expect(ms).toBeLessThan(1000);
    await expect(running).rejects.toThrow(/stopped by the user/);
    // The new worker has the graph again: a target that is cheap runs at once.
    await c.info;
    await new Promise((r) => setTimeout(r, 100));
    const s = await c.run({ targets: ['b'] });
    expect(s.ran).toEqual(['b']);
  });

  it('restarts a worker that fails to load and rejects its pending calls', async () => {
    let made = 0;
    const restarts: string[] = [];
    const c = new ComputeClient({
      createWorker: () => (made++ === 0 ? new Worker(URL.createObjectURL(new Blob(['throw new Error("boom")'], { type: 'text/javascript' })), { type: 'module' }) : new Worker(new URL('../../src/workers/compute.worker.ts', import.meta.url), { type: 'module' })),
      onRestart: (r) => restarts.push(r),
    });
    clients.push(c);
    await expect(c.info).rejects.toThrow(/compute worker/);
    // The replacement works.
    await new Promise((r) => setTimeout(r, 50));
    expect((await c.info).backend).toBeTruthy();
    expect(made).toBe(2);
    expect(restarts).toHaveLength(1);
  });
});
