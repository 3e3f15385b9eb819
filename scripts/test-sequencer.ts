/**
 * Node test order: the suite's longest files start first. Each test file is one single-threaded
 * tfjs-wasm process, so the wall time on a small machine is set by how the long files pack onto
 * its cores; a clean clone has no timing cache for vitest's own order (it falls back to file size,
 * which says nothing about run time here), so the long ones are named.
 */
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/** Longest first (measured on 2 cores, wasm; see the README's test section). */
const LONGEST = [
  'tests/unit/graphs-tracking.test.ts',
  'tests/unit/track-in-model.test.ts',
  'tests/unit/track-self-consistency.test.ts',
  'tests/unit/graphs-expression-transfer.test.ts',
  'tests/unit/graphs-interpolation.test.ts',
  'tests/unit/nodes-nphm.test.ts',
  'tests/unit/train-default-model.test.ts',
  'tests/unit/render-fixture-model.test.ts',
  'tests/unit/hostile-cli.test.ts',
  'tests/unit/nphm-webgpu.test.ts',
  'tests/unit/train-loop.test.ts',
];

export class LongestFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (f: TestSpecification) => {
      const i = LONGEST.findIndex((name) => f.moduleId.endsWith(name));
      return i < 0 ? LONGEST.length : i;
    };
    return sorted.map((f, i) => ({ f, i })).sort((a, b) => rank(a.f) - rank(b.f) || a.i - b.i).map(({ f }) => f);
  }
}
