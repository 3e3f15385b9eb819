import { readFileSync } from 'node:fs';
import { unzipSync, zipSync, type Zippable } from 'fflate';
import { describe, expect, it } from 'vitest';
import { readTorchCheckpoint, TorchCheckpointError } from '../../src/nphm/weights/torch-checkpoint.ts';

const dir = new URL('../fixtures/weights/', import.meta.url);
const load = (f: string) => new Uint8Array(readFileSync(new URL(f, dir)));
/** From tests/fixtures/weights/make-dtypes.py: values computed from the storage bytes with struct. */
const expected = JSON.parse(readFileSync(new URL('dtypes-expected.json', dir), 'utf8')) as {
  tensors: Record<string, { shape: number[]; values: (number | string)[] }>;
};
const fixture = new Uint8Array(readFileSync(new URL('../../../shared/fixtures/mononphm-small-a/checkpoint.tar', import.meta.url)));

function rezip(src: Uint8Array, edit: (files: Record<string, Uint8Array>) => void, level: 0 | 6 = 0): Uint8Array {
  const files = unzipSync(src);
  edit(files);
  const z: Zippable = {};
  for (const [k, v] of Object.entries(files)) z[k] = [v, { level }];
  return zipSync(z);
}

describe('dtypes, strided views and opcode variants', () => {
  for (const file of ['dtypes-p2.tar', 'dtypes-p4.tar', 'dtypes-be.tar']) {
    it(`${file}: every tensor equals the struct-decoded storage view`, () => {
      const ck = readTorchCheckpoint(load(file));
      expect(ck.prefix).toBe('archive');
      expect(ck.value('epoch')).toBe(7);
      expect(ck.value('name')).toBe('dtypes');
      expect(ck.value('lr')).toBe(0.5);
      expect(ck.value('big')).toBe(2n ** 70n);
      expect(ck.value('neg')).toBe(-5);
      expect(ck.value('none')).toBeNull();
      expect(ck.value('flag')).toBe(true);
      const sd = ck.stateDict('sd');
      expect([...sd.keys()]).toEqual(Object.keys(expected.tensors));
      for (const [name, e] of Object.entries(expected.tensors)) {
        const t = sd.get(name)!;
        expect(t.shape, name).toEqual(e.shape);
        expect([...t.data], name).toEqual(e.values.map((v) => (v === 'inf' ? Infinity : v === '-inf' ? -Infinity : v)));
      }
    });
  }

  it('reads deflated entries the same as stored ones', () => {
    const deflated = rezip(fixture, () => {}, 6);
    expect(deflated.length).toBeLessThan(fixture.length);
    const a = readTorchCheckpoint(fixture).stateDict('ex_decoder');
    const b = readTorchCheckpoint(deflated).stateDict('ex_decoder');
    for (const [k, t] of a) expect(b.get(k)!.data, k).toEqual(t.data);
  });

  it('does not assume the inner folder name', () => {
    const renamed = rezip(fixture, (f) => {
      for (const k of Object.keys(f)) {
        f[k.replace(/^checkpoint\//, 'checkpoint_epoch_2500/')] = f[k]!;
        delete f[k];
      }
    });
    const ck = readTorchCheckpoint(renamed);
    expect(ck.prefix).toBe('checkpoint_epoch_2500');
    expect(ck.stateDict('id_decoder').size).toBe(730);
  });
});

describe('broken files give one clear error', () => {
  const cuts = [0, 1, 3, 30, 1000, 200_000, 310_100, 2_000_000, fixture.length - 100, fixture.length - 22, fixture.length - 1];
  for (const cut of cuts) {
    it(`truncated at byte ${cut}`, () => {
      const f = () => readTorchCheckpoint(fixture.subarray(0, cut));
      expect(f).toThrow(TorchCheckpointError);
      expect(f).toThrow(cut < 4 ? /not a zip archive/ : /not a readable zip archive \(truncated or corrupt\)/);
    });
  }

  it('not a zip at all, and the legacy format', () => {
    expect(() => readTorchCheckpoint(new TextEncoder().encode('hello world'))).toThrow('checkpoint is not a zip archive (starts with 68 65 6c 6c)');
    expect(() => readTorchCheckpoint(new Uint8Array([0x80, 0x02, 0x8a, 0x0a]))).toThrow(/legacy \(pre-zip\) torch.save/);
  });

  it('missing data.pkl', () => {
    const z = rezip(fixture, (f) => delete f['checkpoint/data.pkl']);
    expect(() => readTorchCheckpoint(z)).toThrow(/no <folder>\/data\.pkl entry \(entries: checkpoint\//);
  });

  it('missing storage entry', () => {
    const z = rezip(fixture, (f) => delete f['checkpoint/data/5']);
    expect(() => readTorchCheckpoint(z)).toThrow("checkpoint is missing storage entry 'checkpoint/data/5' (32 × float32)");
  });

  it('truncated storage (the zip itself intact)', () => {
    const z = rezip(fixture, (f) => (f['checkpoint/data/0'] = f['checkpoint/data/0']!.slice(0, 100)));
    const ck = readTorchCheckpoint(z);
    expect(() => ck.stateDict('id_decoder')).toThrow("checkpoint storage 'checkpoint/data/0' ('id_decoder') is truncated: 100 bytes, expected 3712 (928 × float32)");
    // Entries that do not use the storage still read.
    expect(ck.stateDict('ex_decoder').size).toBe(16);
  });

  it('truncated pickle', () => {
    const z = rezip(fixture, (f) => (f['checkpoint/data.pkl'] = f['checkpoint/data.pkl']!.slice(0, 114)));
    expect(() => readTorchCheckpoint(z)).toThrow('truncated pickle checkpoint/data.pkl: ended at byte 114 without STOP');
    const z2 = rezip(fixture, (f) => (f['checkpoint/data.pkl'] = f['checkpoint/data.pkl']!.slice(0, 100)));
    expect(() => readTorchCheckpoint(z2)).toThrow('truncated pickle checkpoint/data.pkl: BINUNICODE at byte 69 needs 40 byte(s) at byte 74, only 26 left');
  });

  it('unknown opcode and a corrupt structure name the byte', () => {
    const z = rezip(fixture, (f) => {
      const p = f['checkpoint/data.pkl']!.slice();
      p[2] = 0xff;
      f['checkpoint/data.pkl'] = p;
    });
    expect(() => readTorchCheckpoint(z)).toThrow('corrupt pickle checkpoint/data.pkl at byte 2 (0xff): unknown opcode 0xff');
    const z2 = rezip(fixture, (f) => {
      const p = f['checkpoint/data.pkl']!.slice();
      expect(p[220]).toBe(0x86);
      p[220] = 0x4e; // the first tensor's size (32, 29): TUPLE2 → NONE, so 32 is passed as the size
      f['checkpoint/data.pkl'] = p;
    });
    expect(() => readTorchCheckpoint(z2)).toThrow('corrupt checkpoint pickle at byte 240: tensor size is not a tuple of integers');
  });

  it('a tensor view beyond its storage', () => {
    const z = rezip(fixture, (f) => {
      const p = f['checkpoint/data.pkl']!.slice();
      expect(p[217]).toBe(32); // first tensor: size (32, 29) → (33, 29)
      p[217] = 33;
      f['checkpoint/data.pkl'] = p;
    });
    expect(() => readTorchCheckpoint(z)).toThrow("tensor [33, 29] (offset 0, stride [29, 1]) reaches element 956 of storage '0' with 928 elements");
  });
});

describe('random corruption of data.pkl', () => {
  it('fails only with TorchCheckpointError (never a crash or a stray exception type)', () => {
    const files = unzipSync(fixture);
    const pkl = files['checkpoint/data.pkl']!;
    let seed = 7;
    const rnd = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
    let failures = 0;
    for (let i = 0; i < 80; i++) {
      const p = pkl.slice();
      for (let j = 0, k = 1 + Math.floor(rnd() * 4); j < k; j++) p[Math.floor(rnd() * p.length)] = Math.floor(rnd() * 256);
      const z: Zippable = {};
      for (const [k, v] of Object.entries(files)) z[k] = [k === 'checkpoint/data.pkl' ? p : v, { level: 0 }];
      try {
        const ck = readTorchCheckpoint(zipSync(z));
        for (const [n, e] of ck.entries) {
          if (e.kind === 'state_dict') ck.stateDict(n);
          else if (e.kind === 'other') ck.load(n);
        }
      } catch (e) {
        failures++;
        if (!(e instanceof TorchCheckpointError)) throw e;
      }
    }
    // Most mutations hit structure; some only change a value or a name (not detectable, and fine).
    expect(failures).toBeGreaterThan(40);
  });
});
