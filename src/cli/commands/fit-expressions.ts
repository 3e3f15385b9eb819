import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from '../command.ts';
import { flag, intFlag, parseArgs, UsageError } from '../args.ts';

const usage = `usage:
  nphm fit-expressions --model DIR --out FILE [--names jawOpen,smile] [--iterations I] [--seed S]
      named expression codes of a trained model: for each name, the procedural mean head with that
      expression unit at 1 (src/synth/params.ts) is fitted in 3-D (z_geo and z_exp, networks
      frozen, as nphm fit-eval does) and its z_exp is kept. The file ({name: z_exp}, with the
      command and fit losses) gives tests, benchmarks and graphs expressions that mean something
      (an open jaw, a smile) in the model's own expression space.
      --iterations I  Adam iterations per fit (default 300)`;

export const command: Command = {
  name: 'fit-expressions',
  summary: 'named expression codes (jawOpen, smile, …) of a trained model, fitted to procedural heads',
  usage,
  async run(argv) {
    const args = parseArgs(argv);
    if (args.positionals.length) throw new UsageError(`unexpected argument '${args.positionals[0]}'`);
    const modelFlag = flag(args, 'model');
    const out = flag(args, 'out');
    if (!modelFlag || !out) throw new UsageError('missing --model DIR or --out FILE');
    const iterations = intFlag(args, 'iterations', 300, 1, 100000);
    const seed = intFlag(args, 'seed', 1, 0, 0x7fffffff);
    const { EXPRESSION_PARAMS, meanParams } = await import('../../synth/params.ts');
    const names = (flag(args, 'names') ?? 'jawOpen,smile').split(',').filter(Boolean);
    for (const n of names) {
      const spec = EXPRESSION_PARAMS.find((s) => s.name === n);
      if (!spec) throw new UsageError(`--names: unknown expression '${n}' (one of ${EXPRESSION_PARAMS.map((s) => s.name).join(', ')})`);
    }
    const { initNodeTf } = await import('../tf-node.ts');
    await initNodeTf('wasm');
    const { readStudioWeightsDir } = await import('../studio-weights.ts');
    const { validateConfig } = await import('../../nphm/config.ts');
    const { buildModel } = await import('../../nphm/state-dict.ts');
    const { MEAN_ANCHORS_65 } = await import('../../nphm/mean-anchors.ts');
    const { ProceduralHead } = await import('../../synth/index.ts');
    const fit = await import('../../train/fit.ts');
    const modelDir = resolve(modelFlag);
    const w = readStudioWeightsDir(modelDir);
    const model = buildModel(validateConfig(w.config), { idDecoder: w.id, exDecoder: w.ex }, MEAN_ANCHORS_65 as unknown as number[][]);
    const { readModelStats } = await import('../model-files.ts');
    const stats = readModelStats(modelDir, model.sizes);
    if (!stats) throw new Error(`${modelDir}: no latent-stats.json (the fit starts at the mean codes)`);
    const result: Record<string, unknown> = { command: `nphm fit-expressions ${argv.join(' ')}`, note: 'z_exp of the procedural mean head with one expression unit at 1, fitted in 3-D (z_geo and z_exp free)', iterations, seed, expressions: {} as Record<string, number[]>, fitLoss: {} as Record<string, number> };
    try {
      for (const [k, name] of names.entries()) {
        const base = meanParams();
        const spec = EXPRESSION_PARAMS.find((s) => s.name === name)!;
        const head = new ProceduralHead({ ...base, expression: { ...base.expression, [name]: spec.max } });
        const samples = fit.fitSamples(head, 3000, 3000, 300, seed * 1009 + k * 17 + 1);
        const codes = await fit.fitCodes(model, samples, stats, { ...fit.DEFAULT_FIT, iterations, seed: seed + k });
        (result.expressions as Record<string, number[]>)[name] = Array.from(codes.zExp, (v) => Math.round(v * 1e6) / 1e6);
        (result.fitLoss as Record<string, number>)[name] = codes.finalLoss;
        process.stderr.write(`${name}: fit loss ${codes.finalLoss.toFixed(5)}, |z_exp| ${Math.hypot(...codes.zExp).toFixed(4)}\n`);
      }
    } finally {
      model.dispose();
    }
    writeFileSync(resolve(out), JSON.stringify(result, null, 1) + '\n');
    return 0;
  },
};
