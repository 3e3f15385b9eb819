/** graphs/interpolation.graph.json as shipped, on its quick preset: corners exact, blends smooth. */
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initNodeTf } from '../../src/cli/tf-node.ts';
import { runGraphFile } from '../../src/cli/graph-runner.ts';
import type { LatentValue, ModelValue } from '../../src/nodes/nphm/values.ts';
import { withCodes } from '../../src/track/state-render.ts';
import { exampleGraph } from './helpers/example-graphs.ts';

beforeAll(async () => {
  await initNodeTf('wasm');
});

describe('graphs/interpolation.graph.json (quick)', () => {
  it('equals a corner\'s head at that corner and varies smoothly between corners', async () => {
    const run = await runGraphFile(exampleGraph('interpolation'), { preset: 'quick' });
    expect(run.summary.failed).toEqual([]);
    const { engine, graph: g } = run;
    expect(engine.artifacts('render').map((a) => a.name)).toEqual(['interpolation-0000.png']);
    expect(engine.artifacts('mesh').map((a) => a.name)).toEqual(['interpolated.glb']);
    const model = (engine.outputs('model')!.model as ModelValue).model;
    const probe = tf.tensor2d([0, 0, 0.25, 0, -0.35, 0.2, 0.2, 0.1, 0.05, -0.15, 0.3, -0.1, 0, 0.5, -0.2], [5, 3]);
    const sdfOf = (codes: LatentValue) => withCodes(model, codes, async (cond) => {
      const s = tf.tidy(() => model.field(probe, cond, { rgb: false }).sdf);
      const v = Array.from((await s.data()) as Float32Array);
      s.dispose();
      return v;
    });
    const blendAt = async (x: number, y: number) => {
      const node = g.nodes.find((n) => n.id === 'blend')!;
      node.params.cursorX = x;
      node.params.cursorY = y;
      engine.setGraph(g);
      await engine.run({ targets: ['blend'], previews: false });
      return engine.outputs('blend')!.codes as LatentValue;
    };
    const corner = engine.outputs('head1')!.codes as LatentValue;
    const atCorner = await blendAt(0, 0);
    expect(Array.from(atCorner.zGeo)).toEqual(Array.from(corner.zGeo));
    expect(await sdfOf(atCorner)).toEqual(await sdfOf(corner));
    const d = engine.outputs('head4')!.codes as LatentValue;
    expect(Array.from((await blendAt(1, 1)).zApp)).toEqual(Array.from(d.zApp));

    const steps = [0, 0.25, 0.5, 0.75, 1];
    const values: number[][] = [];
    for (const x of steps) values.push(await sdfOf(await blendAt(x, 0.5)));
    const total = Math.max(...values[0]!.map((v, i) => Math.abs(v - values[4]![i]!)));
    const jumps = values.slice(1).map((v, k) => Math.max(...v.map((x, i) => Math.abs(x - values[k]![i]!))));
    console.log(`interpolation: corner-to-corner SDF change ${total.toFixed(4)}, quarter steps ${jumps.map((j) => j.toFixed(4)).join(', ')}`);
    expect(total).toBeGreaterThan(1e-3); // the corners differ
    for (const j of jumps) expect(j).toBeLessThan(0.6 * total + 1e-4); // no quarter step does most of the change
    probe.dispose();
    engine.dispose();
  }, 600_000);
});
