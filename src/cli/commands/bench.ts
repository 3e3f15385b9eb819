import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Command } from '../command.ts';
import { UsageError } from '../args.ts';

const BENCH_DIR = fileURLToPath(new URL('../../../bench/', import.meta.url));

function available(): string[] {
  return readdirSync(BENCH_DIR)
    .filter((f) => f.endsWith('.ts'))
    .map((f) => f.slice(0, -3))
    .sort();
}

const usage = `usage:
  nphm bench NAME [options]
      run bench/NAME.ts (figures only; never fails on time). Available: ${available().join(', ')}
      e.g. nphm bench field [--backend wasm|cpu|webgpu] [--batch 14400] [--reps 3] [--profile]`;

/** Options object for benchmarks that export run…Bench(opts) instead of main(argv). */
function optionsFrom(argv: string[]): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--')) continue;
    const key = a.slice(2);
    const v = argv[i + 1];
    if (v === undefined || v.startsWith('--')) o[key] = true;
    else {
      i++;
      o[key] = /^-?\d+(\.\d+)?(,-?\d+(\.\d+)?)+$/.test(v) ? v.split(',').map(Number) : /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : v;
    }
  }
  return o;
}

export const command: Command = {
  name: 'bench',
  summary: 'run a benchmark from bench/ (field, render, mesh, …)',
  usage,
  async run(argv) {
    const [name, ...rest] = argv;
    const names = available();
    if (!name) throw new UsageError('give a benchmark name');
    if (!names.includes(name)) throw new UsageError(`unknown benchmark '${name}' (available: ${names.join(', ')})`);
    const mod = (await import(`${BENCH_DIR}${name}.ts`)) as Record<string, unknown>;
    if (typeof mod.main === 'function') {
      await (mod.main as (a: string[]) => Promise<unknown>)(rest);
      return 0;
    }
    const runner = Object.entries(mod).find(([k, v]) => /^run\w*Bench$/.test(k) && typeof v === 'function');
    if (!runner) throw new Error(`bench/${name}.ts exports neither main(argv) nor a run…Bench(options) function`);
    await (runner[1] as (o: Record<string, unknown>) => Promise<unknown>)(optionsFrom(rest));
    return 0;
  },
};
