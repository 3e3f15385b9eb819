/**
 * Progressive renders: the coarse-to-fine pixel order is a permutation that starts with the 8-pixel
 * grid, the partial images fill each pixel from its grid point, and the finished render equals the
 * row-by-row render of the same field (the order only permutes the rays).
 */
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initNodeTf } from '../../src/cli/tf-node.ts';
import { nodeAssetReader } from '../../src/cli/assets-node.ts';
import { loadStudioModel } from '../../src/nodes/nphm/load-model.ts';
import type { ModelValue } from '../../src/nodes/nphm/values.ts';
import { orbitCamera, PREVIEW_ORBIT } from '../../src/nodes/nphm/orbit.ts';
import { coarseToFineOrder, progressiveImage } from '../../src/render/progressive.ts';
import type { ImageRender } from '../../src/render/render.ts';
import { PREVIEW_SH, renderCodes } from '../../src/track/state-render.ts';
import { fixtureStudioDir } from './helpers/fixture-studio.ts';

describe('coarse-to-fine order', () => {
  it('visits every pixel once, the 8-pixel grid first, then the 4-, 2- and 1-pixel grids', () => {
    const [W, H] = [19, 13];
    const order = coarseToFineOrder(W, H);
    expect([...order].sort((a, b) => a - b)).toEqual(Array.from({ length: W * H }, (_, i) => i));
    const step = (p: number) => [8, 4, 2, 1].find((s) => (p % W) % s === 0 && Math.floor(p / W) % s === 0)!;
    const steps = [...order].map(step);
    // 3 × 2 points of the 8-grid in a 19 × 13 image, and the steps never grow again.
    expect(steps.slice(0, 6)).toEqual([8, 8, 8, 8, 8, 8]);
    expect(steps[6]).toBe(4);
    for (let i = 1; i < steps.length; i++) expect(steps[i]!).toBeLessThanOrEqual(steps[i - 1]!);
  });

  it('fills what is not rendered yet from the nearest finer-or-coarse grid point above-left', () => {
    const [W, H] = [16, 16];
    const order = coarseToFineOrder(W, H);
    // Value of a rendered ray = its pixel index, so the fill is readable.
    const n = W * H;
    const partial: ImageRender = { count: n, rgb: new Float32Array(3 * n), weightsSum: new Float32Array(n), depth: new Float32Array(n) };
    order.forEach((p, i) => ((partial.depth[i] = p), (partial.weightsSum[i] = 1)));
    const coarse = progressiveImage(partial, order, 4, W, H);
    // After the 4 points of the 8-grid: pixel (11, 5) shows grid point (8, 0).
    expect(coarse.depth[5 * W + 11]).toBe(8);
    expect(coarse.depth[15 * W + 15]).toBe(8 * W + 8);
    const whole = progressiveImage(partial, order, n, W, H);
    expect(Array.from(whole.depth)).toEqual(Array.from({ length: n }, (_, i) => i));
  });
});

describe('progressive render of a model', () => {
  let mv: ModelValue;
  beforeAll(async () => {
    await initNodeTf('wasm');
    mv = await loadStudioModel(nodeAssetReader([fixtureStudioDir()]), 'model.json');
  }, 120_000);
  afterAll(() => mv?.dispose());

  it('shows the whole head early and ends at the row-by-row render', async () => {
    const cam = orbitCamera({ ...PREVIEW_ORBIT, width: 24, height: 24, yawDeg: 20 });
    const codes = { zGeo: new Float32Array(mv.model.sizes.zGeoDim), zApp: new Float32Array(mv.model.sizes.zAppDim), zExp: new Float32Array(mv.model.sizes.zExpDim) };
    const opts = { nCoarse: 8, nImportance: 8, chunk: 64 };
    const t0 = tf.memory().numTensors;
    const plain = await renderCodes(mv.model, codes, cam, undefined, { sh: PREVIEW_SH }, opts);
    const partials: { f: number; silhouette: number }[] = [];
    const prog = await renderCodes(mv.model, codes, cam, undefined, { sh: PREVIEW_SH }, { ...opts, onPartial: (img, f) => partials.push({ f, silhouette: img.weightsSum.reduce((a, b) => a + b, 0) }) });
    expect(tf.memory().numTensors).toBe(t0);
    let maxDiff = 0;
    for (let i = 0; i < plain.rgb.length; i++) maxDiff = Math.max(maxDiff, Math.abs(plain.rgb[i]! - prog.rgb[i]!));
    for (let i = 0; i < plain.weightsSum.length; i++) maxDiff = Math.max(maxDiff, Math.abs(plain.weightsSum[i]! - prog.weightsSum[i]!));
    expect(maxDiff).toBeLessThan(1e-4);
    // Several partial images, in order, each covering the head: the first one's silhouette is
    // already within a third of the final one (a row-by-row partial would show only the top rows).
    expect(partials.length).toBeGreaterThan(2);
    for (let i = 1; i < partials.length; i++) expect(partials[i]!.f).toBeGreaterThan(partials[i - 1]!.f);
    const final = plain.weightsSum.reduce((a, b) => a + b, 0);
    expect(final).toBeGreaterThan(10);
    expect(Math.abs(partials[0]!.silhouette - final)).toBeLessThan(final / 3);
  }, 300_000);
});
