/** `nphm eval` in-process on the fixture: the written file reproduces expected.json. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test, vi } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { FIXTURE_DIR, gradientViolations, loadFixture, maxAbs, violations } from './nphm-fixture.ts';

const dir = mkdtempSync(join(tmpdir(), 'nphm-eval-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const E = loadFixture().expected;
const args = ['--inputs', FIXTURE_DIR + 'inputs.json'];

function checkOutput(path: string) {
  const out = JSON.parse(readFileSync(path, 'utf8'));
  const f = (k: string) => (out[k] as unknown[]).flat(2) as number[];
  expect(violations(f('anchors_canonical'), E.anchors_canonical, 1e-5, 1e-4)).toBe(0);
  expect(violations(f('c_id'), E.c_id, 1e-5, 1e-4)).toBe(0);
  expect(violations(f('offsets'), E.offsets, 1e-5, 1e-4)).toBe(0);
  expect(violations(f('hyper'), E.hyper, 1e-5, 1e-4)).toBe(0);
  expect(violations(f('queries_can'), E.queries_can, 1e-5, 1e-4)).toBe(0);
  expect(violations(f('sdf'), E.sdf, 1e-4)).toBe(0);
  expect(violations(f('rgb'), E.rgb, 1e-4)).toBe(0);
  expect(gradientViolations(f('gradient'), E.gradient)).toBe(0);
  expect(maxAbs(f('posed_anchors'), E.posed_anchors)).toBeLessThan(2e-4);
  expect(out.broyden_valid).toEqual(E.broyden_valid);
}

describe('nphm eval', () => {
  test('--checkpoint on cpu reproduces expected.json', async () => {
    const out = join(dir, 'ck.json');
    const code = await main(['eval', '--checkpoint', FIXTURE_DIR + 'checkpoint.tar', '--config', FIXTURE_DIR + 'config.json', ...args, '--out', out, '--backend', 'cpu', '--chunk', '100']);
    expect(code).toBe(0);
    checkOutput(out);
  });

  test('--model DIR (studio weights from nphm import) on wasm', async () => {
    const model = join(dir, 'model');
    expect(await main(['import', FIXTURE_DIR + 'checkpoint.tar', '--config', FIXTURE_DIR + 'config.json', '--out', model])).toBe(0);
    const out = join(dir, 'studio.json');
    expect(await main(['eval', '--model', model, ...args, '--out', out, '--backend', 'wasm'])).toBe(0);
    checkOutput(out);
  });

  test('usage errors exit 2, bad inputs exit 1 with the key named', async () => {
    const err = vi.spyOn(console, 'error').mockImplementation(() => {});
    expect(await main(['eval', '--checkpoint', FIXTURE_DIR + 'checkpoint.tar', ...args, '--out', join(dir, 'x.json')])).toBe(2);
    expect(await main(['eval', '--config', FIXTURE_DIR + 'config.json', ...args, '--out', join(dir, 'x.json')])).toBe(2);
    expect(await main(['eval', '--checkpoint', FIXTURE_DIR + 'checkpoint.tar', '--config', FIXTURE_DIR + 'config.json', '--inputs', FIXTURE_DIR + 'config.json', '--out', join(dir, 'x.json'), '--backend', 'cpu'])).toBe(1);
    expect(err.mock.calls.flat().join('\n')).toMatch(/'z_geo' must be 544 finite numbers/);
    err.mockRestore();
  });
});
