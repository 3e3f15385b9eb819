import { existsSync, readFileSync, rmSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { unpickle, type UnpicklerHooks } from '../../src/nphm/weights/pickle.ts';
import { isAllowedTorchGlobal, readTorchCheckpoint } from '../../src/nphm/weights/torch-checkpoint.ts';

/**
 * Pickles from tests/fixtures/weights/make-hostile.py. Each would create
 * /tmp/nphm-hostile-<name>.marker if run by python's own unpickler (`make-hostile.py --verify`
 * checks exactly that).
 */
const dir = new URL('../fixtures/weights/', import.meta.url);
const load = (f: string) => new Uint8Array(readFileSync(new URL(f, dir)));
const marker = (name: string) => `/tmp/nphm-hostile-${name}.marker`;

const CASES: [name: string, global: string, at: number][] = [
  ['os-system', 'os.system', 2],
  ['builtins-eval', 'builtins.eval', 27],
  ['subprocess-popen', 'subprocess.Popen', 2],
  ['builtin-exec', '__builtin__.exec', 2],
  ['nested', 'os.system', 321],
];

describe('hostile pickles are refused before anything runs', () => {
  for (const [name, global, at] of CASES) {
    it(`${name}: refuses '${global}' (raw pickle and inside a torch zip)`, () => {
      rmSync(marker(name), { force: true });
      let calls = 0;
      const hooks: UnpicklerHooks = {
        allowGlobal: isAllowedTorchGlobal,
        call: () => {
          calls++;
          return {};
        },
        persistentLoad: () => ({}),
        build: (o) => o,
      };
      expect(() => unpickle(load(`hostile-${name}.pkl`), hooks, `hostile-${name}.pkl`)).toThrow(
        `refused pickle global '${global}' at byte ${at} of hostile-${name}.pkl`,
      );
      // The legit OrderedDict / tensor REDUCEs before the nested payload ran (through our hooks),
      // the payload's REDUCE did not: the read stopped at its GLOBAL.
      expect(calls).toBe(name === 'nested' ? 3 : 0);
      expect(() => readTorchCheckpoint(load(`hostile-${name}.tar`))).toThrow(
        `refused pickle global '${global}' at byte ${at} of checkpoint_epoch_666/data.pkl`,
      );
      expect(existsSync(marker(name))).toBe(false);
    });
  }

  it('refuses the extension registry and old-style INST by name', () => {
    const hooks: UnpicklerHooks = { allowGlobal: isAllowedTorchGlobal, call: () => ({}), persistentLoad: () => ({}), build: (o) => o };
    const ext = new Uint8Array([0x80, 0x02, 0x82, 0x07, 0x2e]);
    expect(() => unpickle(ext, hooks, 'x')).toThrow("refused pickle extension code 7 (EXT1) at byte 2 of x");
    const inst = new Uint8Array([0x80, 0x02, 0x28, ...new TextEncoder().encode('ios\nsystem\n'), 0x2e]);
    expect(() => unpickle(inst, hooks, 'x')).toThrow("refused pickle global 'os.system' at byte 3 of x");
  });

  it('allows only the names a state_dict and an optimizer need', () => {
    expect(isAllowedTorchGlobal('collections', 'OrderedDict')).toBe(true);
    expect(isAllowedTorchGlobal('torch._utils', '_rebuild_tensor_v2')).toBe(true);
    expect(isAllowedTorchGlobal('torch', 'FloatStorage')).toBe(true);
    for (const [m, n] of [['torch', 'load'], ['torch._utils', '_rebuild_device_tensor_from_numpy'], ['numpy.core.multiarray', '_reconstruct'], ['builtins', 'getattr'], ['collections', 'defaultdict'], ['torch', '__builtins__']]) {
      expect(isAllowedTorchGlobal(m!, n!), `${m}.${n}`).toBe(false);
    }
  });
});
