/**
 * An example graph as shipped, run where the studio runs it: in the compute worker in Chromium,
 * with the default model and assets fetched from the studio's origin (quick preset, wasm).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { ComputeClient } from '../../src/workers/client.ts';
import { applyPreset } from '../../src/cli/graph-overrides.ts';
import interpolationText from '../../graphs/interpolation.graph.json?raw';
import type { EngineEvent } from '../../src/graph/runtime-types.ts';

let client: ComputeClient | undefined;
afterAll(() => client?.dispose());

describe('example graphs in the studio\'s worker', () => {
  it('runs graphs/interpolation.graph.json (quick) on wasm: every node done, a render and a mesh written', async () => {
    client = new ComputeClient({ backend: 'wasm' });
    expect((await client.info).backend).toBe('wasm');
    const events: EngineEvent[] = [];
    client.onEvents((batch) => events.push(...batch));
    const loaded = await client.call((api) => api.parse(interpolationText));
    expect(loaded.problems.filter((p) => p.severity === 'error')).toEqual([]);
    expect(applyPreset(loaded.graph!, 'quick')).toEqual([]);
    await client.setGraph(loaded.graph!);
    const summary = await client.run();
    expect(summary.failed).toEqual([]);
    expect(summary.ok).toBe(true);
    expect(summary.ran.length).toBe(loaded.graph!.nodes.length);
    const artifacts = events.filter((e): e is Extract<EngineEvent, { type: 'artifact' }> => e.type === 'artifact').map((e) => e.artifact.name);
    expect(artifacts).toContain('interpolation-0000.png');
    expect(artifacts).toContain('interpolated.glb');
    // The mesh preview reached the page as an orbitable mesh.
    expect(events.some((e) => e.type === 'preview' && e.nodeId === 'mesh' && (e.payload as { kind?: string }).kind === 'mesh')).toBe(true);
  }, 600_000);
});
