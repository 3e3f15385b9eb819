/**
 * graphs/expression-transfer.graph.json as shipped, on its quick preset with smaller pictures and
 * meshes (the checks read the transferred codes and the anchors they pose; every frame is still
 * rendered and meshed): identity kept, expression moved.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { initNodeTf } from '../../src/cli/tf-node.ts';
import { runGraphFile } from '../../src/cli/graph-runner.ts';
import type { CodeSequenceValue, LatentValue, ModelValue } from '../../src/nodes/nphm/values.ts';
import { withCodes } from '../../src/track/state-render.ts';
import { MM_PER_UNIT } from '../../src/track/accuracy.ts';
import { exampleGraph } from './helpers/example-graphs.ts';

const SMALLER = ['camera.width=32', 'camera.height=32', 'meshA.resolution=32', 'meshB.resolution=32'];

beforeAll(async () => {
  await initNodeTf('wasm');
});

describe('graphs/expression-transfer.graph.json (quick)', () => {
  it('keeps each target\'s identity and moves the mouth and eyes where the performance does', async () => {
    const { engine, summary } = await runGraphFile(exampleGraph('expression-transfer'), { preset: 'quick', sets: SMALLER });
    expect(summary.failed).toEqual([]);
    const perf = engine.outputs('performance')!.sequence as CodeSequenceValue;
    const n = perf.frames.length;
    for (const who of ['A', 'B']) {
      expect(engine.artifacts(`render${who}`)).toHaveLength(n);
      expect(engine.artifacts(`mesh${who}`)).toHaveLength(n);
    }
    const model = (engine.outputs('model')!.model as ModelValue).model;
    const target = engine.outputs('personA')!.codes as LatentValue;
    const xfer = engine.outputs('transferA')!.sequence as CodeSequenceValue;
    expect(Array.from(xfer.zGeo)).toEqual(Array.from(target.zGeo));
    // The most expressive frame of the performance.
    const t = perf.frames.map((f, i) => [Math.hypot(...f.zExp), i] as const).sort((a, b) => b[0] - a[0])[0]![1];
    const anchorsOf = async (codes: LatentValue) => (await withCodes(model, codes, (cond) => model.solveAnchors(cond))).points;
    const neutral = await anchorsOf({ ...target, zExp: new Float32Array(target.zExp.length) });
    const moved = await anchorsOf({ ...target, zExp: xfer.frames[t]!.zExp });
    const srcNeutral = await anchorsOf({ zGeo: perf.zGeo, zApp: perf.zApp, zExp: new Float32Array(target.zExp.length) });
    const srcMoved = await anchorsOf({ zGeo: perf.zGeo, zApp: perf.zApp, zExp: perf.frames[t]!.zExp });
    const disp = (a: Float32Array, b: Float32Array, k: number) => [0, 1, 2].map((c) => b[3 * k + c]! - a[3 * k + c]!);
    const mag = (v: number[]) => Math.hypot(...v);
    const MOUTH_EYES = [16, 17, 18, 19, 20, 21, 44, 45, 46, 47, 48, 49, 50, 51];
    const STILL = [24, 25, 26, 27, 28, 29]; // forehead and top/back of the cranium (y > 0.2)
    const meanMag = (ks: number[]) => ks.reduce((s, k) => s + mag(disp(neutral, moved, k)), 0) / ks.length;
    const srcMeanMag = (ks: number[]) => ks.reduce((s, k) => s + mag(disp(srcNeutral, srcMoved, k)), 0) / ks.length;
    // Direction agreement of target and source motion on the mouth and eyes.
    let dot = 0, na = 0, nb = 0;
    for (const k of MOUTH_EYES) {
      const a = disp(neutral, moved, k), b = disp(srcNeutral, srcMoved, k);
      dot += a[0]! * b[0]! + a[1]! * b[1]! + a[2]! * b[2]!;
      na += mag(a) ** 2;
      nb += mag(b) ** 2;
    }
    const cos = dot / Math.sqrt(na * nb);
    console.log(`expression transfer (frame ${t}): mouth/eyes move ${(meanMag(MOUTH_EYES) * MM_PER_UNIT).toFixed(2)} mm (source ${(srcMeanMag(MOUTH_EYES) * MM_PER_UNIT).toFixed(2)} mm), forehead/ears ${(meanMag(STILL) * MM_PER_UNIT).toFixed(2)} mm, direction agreement cos ${cos.toFixed(2)}`);
    expect(meanMag(MOUTH_EYES)).toBeGreaterThan(2 * meanMag(STILL));
    expect(cos).toBeGreaterThan(0.5);
    engine.dispose();
  }, 1_200_000);
});
