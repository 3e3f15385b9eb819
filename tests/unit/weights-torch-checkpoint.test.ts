import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readTorchCheckpoint } from '../../src/nphm/weights/torch-checkpoint.ts';

const FIXTURE = new URL('../../../shared/fixtures/mononphm-small-a/', import.meta.url);
const bytes = new Uint8Array(readFileSync(new URL('checkpoint.tar', FIXTURE)));
const readme = readFileSync(new URL('README.md', FIXTURE), 'utf8');

interface ExpectedTensor {
  shape: number[];
  first: number[];
  sum: number;
  abs_sum: number;
}
/** Written by tests/fixtures/weights/expected-values.py from the raw storage bytes (python zipfile + struct). */
const expected = JSON.parse(readFileSync(new URL('../fixtures/weights/fixture-expected.json', import.meta.url), 'utf8')) as {
  prefix: string;
  epoch: number;
  state_dicts: Record<string, Record<string, ExpectedTensor>>;
  optimizer: { num_state: number; state0_step: number; state0_exp_avg_first: number[]; state0_exp_avg_shape: number[]; lr: number; betas: number[]; num_params: number };
};

/** The README's "<name> state_dict (full, in file order)" listing as [key, shape] pairs. */
function readmeListing(name: string): [string, number[]][] {
  const start = readme.indexOf(`### ${name} state_dict (full, in file order)`);
  expect(start).toBeGreaterThan(0);
  const block = readme.slice(readme.indexOf('```', start) + 3, readme.indexOf('```', readme.indexOf('```', start) + 3));
  return block
    .trim()
    .split('\n')
    .map((l) => {
      const m = /^(\S+) \[([\d, ]*)\] float32$/.exec(l.trim());
      if (!m) throw new Error(`unparsed README line ${l}`);
      return [m[1]!, m[2]!.split(',').map((s) => Number(s.trim()))] as [string, number[]];
    });
}

describe('readTorchCheckpoint on the mononphm-small-a fixture', () => {
  const ck = readTorchCheckpoint(bytes);

  it('finds the inner folder and the top-level entries', () => {
    expect(ck.prefix).toBe(expected.prefix);
    expect([...ck.entries.keys()]).toEqual(['epoch', 'id_decoder', 'ex_decoder', 'optimizer', 'latent_codes']);
    expect(ck.value('epoch')).toBe(0);
    expect(ck.entries.get('id_decoder')?.kind).toBe('state_dict');
    expect(ck.entries.get('optimizer')).toEqual({ kind: 'other', type: 'dict' });
  });

  for (const name of ['id_decoder', 'ex_decoder'] as const) {
    it(`${name} has every key and shape of the README listing, in file order`, () => {
      const sd = ck.stateDict(name);
      const listing = readmeListing(name);
      expect([...sd.keys()]).toEqual(listing.map(([k]) => k));
      for (const [k, shape] of listing) {
        expect(sd.get(k)!.shape, k).toEqual(shape);
        expect(sd.get(k)!.data.length, k).toBe(shape.reduce((a, b) => a * b, 1));
      }
    });
  }

  it('parameter counts match the README', () => {
    const count = (name: string) => [...ck.stateDict(name).values()].reduce((a, t) => a + t.data.length, 0);
    expect(count('id_decoder')).toBe(319299);
    expect(count('ex_decoder')).toBe(30565);
  });

  it('every tensor value matches the raw storage bytes read independently in python', () => {
    for (const [name, tensors] of Object.entries(expected.state_dicts)) {
      const sd = ck.stateDict(name);
      expect(sd.size, name).toBe(Object.keys(tensors).length);
      for (const [k, e] of Object.entries(tensors)) {
        const t = sd.get(k)!;
        expect(t.shape, `${name}.${k}`).toEqual(e.shape);
        expect([...t.data.subarray(0, 3)], `${name}.${k}`).toEqual(e.first);
        let sum = 0;
        let abs = 0;
        for (const v of t.data) {
          sum += v;
          abs += Math.abs(v);
        }
        // Same float32 values summed in the same order in float64: equal up to summation rounding.
        expect(Math.abs(sum - e.sum), `${name}.${k} sum`).toBeLessThan(1e-9 * Math.max(1, e.abs_sum));
        expect(Math.abs(abs - e.abs_sum), `${name}.${k} abs sum`).toBeLessThan(1e-9 * Math.max(1, e.abs_sum));
      }
    }
  });

  it('the optimizer state is available lazily as plain JS', () => {
    const opt = ck.load('optimizer') as Map<string, unknown>;
    const state = opt.get('state') as Map<number, Map<string, { shape: number[]; data: Float32Array }>>;
    expect(state.size).toBe(expected.optimizer.num_state);
    const s0 = state.get(0)!;
    expect(s0.get('step')!.shape).toEqual([]);
    expect(s0.get('step')!.data[0]).toBe(expected.optimizer.state0_step);
    expect(s0.get('exp_avg')!.shape).toEqual(expected.optimizer.state0_exp_avg_shape);
    expect([...s0.get('exp_avg')!.data.subarray(0, 3)]).toEqual(expected.optimizer.state0_exp_avg_first);
    const group = (opt.get('param_groups') as Map<string, unknown>[])[0]!;
    expect(group.get('lr')).toBe(expected.optimizer.lr);
    expect(group.get('betas')).toEqual(expected.optimizer.betas);
    expect((group.get('params') as number[]).length).toBe(expected.optimizer.num_params);
    expect(group.get('foreach')).toBeNull();
  });

  it('names a missing entry and a non-state-dict entry', () => {
    expect(() => ck.stateDict('nope')).toThrow(/no entry 'nope' \(entries: epoch, id_decoder/);
    expect(() => ck.stateDict('optimizer')).toThrow(/'optimizer' is a dict, not a state_dict/);
    expect(() => ck.value('id_decoder')).toThrow(/'id_decoder' is a state_dict, not a plain value/);
  });
});
