import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from '../command.ts';
import { flag, numberFlag, parseArgs, UsageError } from '../args.ts';
import { writeAtomically } from '../atomic-write.ts';
import { readTrainConfigFile } from '../model-files.ts';

const usage = `usage:
  nphm train --config FILE --out DIR [--state DIR] [--resume] [--minutes M] [--steps N] [--backend wasm|cpu|webgpu]
      auto-decoder training of the MonoNPHM networks on procedural heads (src/train).
      --config FILE   training config JSON (e.g. src/train/configs/default.json)
      --out DIR       the model: model.json + weights.bin (studio format, original state-dict keys),
                      train-config.json, curve.json (per-term losses), latent-stats.json; rewritten
                      at every checkpoint, so DIR is a usable --model DIR while training runs
      --state DIR     optimiser state, codes and the cached data set (default DIR/../<name>.state)
      --resume        continue from --state (same config and seed)
      --minutes M     stop (with a checkpoint) after M minutes of wall time
      --steps N       override the config's step count`;

interface TrainConfigJson { optim: { decaySteps: number[]; correspDecayStep: number } }

export const command: Command = {
  name: 'train',
  summary: 'train a MonoNPHM model on procedural heads (auto-decoder), with checkpoints and resume',
  usage,
  async run(argv) {
    const args = parseArgs(argv, ['resume']);
    if (args.positionals.length) throw new UsageError(`unexpected argument '${args.positionals[0]}'`);
    const configPath = flag(args, 'config');
    const outFlag = flag(args, 'out');
    if (!configPath) throw new UsageError('missing --config FILE');
    if (!outFlag) throw new UsageError('missing --out DIR');
    const out = resolve(outFlag);
    const stateDir = resolve(flag(args, 'state') ?? `${out.replace(/\/+$/, '')}.state`);
    const resume = flag(args, 'resume') === 'true';
    const minutes = numberFlag(args, 'minutes', Infinity);
    if (!(minutes > 0)) throw new UsageError(`--minutes must be positive, got ${flag(args, 'minutes')}`);
    const stepsOverride = flag(args, 'steps');
    if (stepsOverride !== undefined && !(Number.isInteger(Number(stepsOverride)) && Number(stepsOverride) > 0)) throw new UsageError(`--steps must be a positive integer, got '${stepsOverride}'`);

    const cfg = readTrainConfigFile(configPath);
    if (stepsOverride !== undefined) cfg.steps = Number(stepsOverride);
    const { initNodeTf, parseBackend } = await import('../tf-node.ts');
    const backend = await initNodeTf(parseBackend(flag(args, 'backend')));
    const { buildDataset, datasetFromBuffers, datasetToBuffers } = await import('../../train/dataset.ts');
    const { Trainer } = await import('../../train/trainer.ts');
    const { writeStudioWeights } = await import('../../nphm/weights/studio-format.ts');
    const { writeStudioWeightsDir } = await import('../studio-weights.ts');
    const log = (s: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${s}\n`);
    const t0 = performance.now();
    const deadline = t0 + minutes * 60_000;

    mkdirSync(stateDir, { recursive: true });
    const cfgText = JSON.stringify(cfg, null, 2) + '\n';
    if (resume) {
      const prev = join(stateDir, 'train-config.json');
      if (!existsSync(join(stateDir, 'train-state.json'))) throw new Error(`--resume: no train-state.json in ${stateDir}`);
      if (existsSync(prev)) {
        // Only the schedule may change, and only ahead of the resumed step: then the run is exactly
        // the one the new config describes from step 0 (the config alone still determines the model).
        const p = JSON.parse(readFileSync(prev, 'utf8'));
        const at = JSON.parse(readFileSync(join(stateDir, 'train-state.json'), 'utf8')).step as number;
        const strip = (c: TrainConfigJson) => ({ ...c, steps: 0, logEvery: 0, checkpointEvery: 0, notes: [], optim: { ...c.optim, decaySteps: [], correspDecayStep: 0 } });
        if (JSON.stringify(strip(p)) !== JSON.stringify(strip(JSON.parse(cfgText)))) throw new Error(`--resume: ${configPath} differs from the config of the run in ${stateDir} (only steps, logging and the lr / corresp schedule may change)`);
        const passed = (c: TrainConfigJson) => JSON.stringify([c.optim.decaySteps.filter((s) => s <= at), c.optim.correspDecayStep <= at ? c.optim.correspDecayStep : -1]);
        if (passed(p) !== passed(cfg)) throw new Error(`--resume: the new schedule differs from the old one before step ${at}, where the run already is`);
      }
    }
    writeAtomically(join(stateDir, 'train-config.json'), cfgText);

    // The data set is cached next to the state: sampling is the slow CPU part.
    const dsJson = join(stateDir, 'dataset.json');
    const dsBin = join(stateDir, 'dataset.bin');
    const dsKey = JSON.stringify({ seed: cfg.seed, data: cfg.data });
    let ds;
    if (existsSync(dsJson) && existsSync(dsBin) && JSON.parse(readFileSync(dsJson, 'utf8')).key === dsKey) {
      const meta = JSON.parse(readFileSync(dsJson, 'utf8'));
      const buf = readFileSync(dsBin);
      const all = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
      const arrays: Float32Array[] = [];
      let at = 0;
      for (const n of meta.lengths as number[]) {
        arrays.push(all.subarray(at, at + n));
        at += n;
      }
      ds = datasetFromBuffers(meta.layout, arrays);
      log(`data: ${ds.scans.length} scans from the cache`);
    } else {
      ds = buildDataset(cfg.seed, cfg.data, (done, total) => {
        if (done % 8 === 0 || done === total) log(`data: ${done}/${total} scans sampled`);
      });
      const { json, arrays } = datasetToBuffers(ds);
      const total = arrays.reduce((a, b) => a + b.length, 0);
      const all = new Float32Array(total);
      let at = 0;
      for (const a of arrays) {
        all.set(a, at);
        at += a.length;
      }
      writeAtomically(dsBin, new Uint8Array(all.buffer));
      writeAtomically(dsJson, JSON.stringify({ key: dsKey, layout: json, lengths: arrays.map((a) => a.length) }));
    }

    const trainer = new Trainer(cfg, ds);
    if (resume) {
      const json = JSON.parse(readFileSync(join(stateDir, 'train-state.json'), 'utf8'));
      const buf = readFileSync(join(stateDir, 'train-state.bin'));
      trainer.importState(json, new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength)));
      log(`resumed at step ${trainer.step}`);
    }
    log(`backend ${backend}; ${trainer.parameterCount} network parameters; ${ds.scans.length} scans (${cfg.data.identities} identities × ${cfg.data.expressionsPerIdentity}); steps ${trainer.step} → ${cfg.steps}`);

    const checkpoint = async () => {
      const st = await trainer.exportState();
      writeAtomically(join(stateDir, 'train-state.bin'), new Uint8Array(st.bin.buffer));
      writeAtomically(join(stateDir, 'train-state.json'), JSON.stringify(st.json));
      const sds = await trainer.stateDicts();
      const written = writeStudioWeights({ id: sds.idDecoder, ex: sds.exDecoder }, cfg.model as unknown as Record<string, unknown>, {
        source: 'nphm train (procedural heads, src/train)',
        converter: 'nphm train',
        created: new Date().toISOString(),
        epoch: trainer.step,
        seed: cfg.seed,
        backend,
      });
      writeStudioWeightsDir(out, written);
      writeAtomically(join(out, 'train-config.json'), cfgText);
      writeAtomically(join(out, 'curve.json'), JSON.stringify({ seed: cfg.seed, steps: trainer.step, backend, curve: trainer.curve }) + '\n');
      const stats = await trainer.latentStats();
      const r6 = (a: number[]) => a.map((v) => Math.round(v * 1e6) / 1e6);
      writeAtomically(join(out, 'latent-stats.json'), JSON.stringify({
        note: 'Per-dimension mean and std of the trained codes; sample z = mean + 0.85·std·ε (as NPHM).',
        scale: 0.85,
        geo: { mean: r6(stats.geo.mean), std: r6(stats.geo.std) },
        app: { mean: r6(stats.app.mean), std: r6(stats.app.std) },
        exp: { mean: r6(stats.exp.mean), std: r6(stats.exp.std) },
      }) + '\n');
      log(`checkpoint at step ${trainer.step} → ${out}`);
    };

    let stopRequested = false;
    const onSignal = () => {
      stopRequested = true;
      log('stop requested: finishing the step and writing a checkpoint');
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    const window: { ms: number; points: number }[] = [];
    const sums = new Map<string, number>();
    let sumN = 0;
    try {
      while (trainer.step < cfg.steps && !stopRequested && performance.now() < deadline) {
        const r = await trainer.trainStep();
        // wasm reads resolve as microtasks only: yield to the event loop so SIGINT / SIGTERM are seen.
        await new Promise((res) => setImmediate(res));
        window.push({ ms: r.ms, points: r.points });
        if (window.length > 20) window.shift();
        for (const [k, v] of Object.entries(r.losses)) sums.set(k, (sums.get(k) ?? 0) + v!);
        sumN++;
        if (r.step % cfg.logEvery === 0 || r.step === cfg.steps) {
          const mean = Object.fromEntries([...sums].map(([k, v]) => [k, v / sumN]));
          trainer.curve.push({ ...r, losses: mean as typeof r.losses });
          sums.clear();
          sumN = 0;
          const ms = window.reduce((a, b) => a + b.ms, 0);
          const pts = window.reduce((a, b) => a + b.points, 0);
          const fmt = Object.entries(mean).map(([k, v]) => `${k} ${v.toPrecision(3)}`).join(' ');
          log(`step ${r.step}/${cfg.steps} ${(1000 * window.length / ms).toFixed(2)} steps/s ${(1000 * pts / ms).toFixed(0)} pts/s lr ${r.lr.toExponential(2)} | ${fmt}`);
        }
        if (r.step % cfg.checkpointEvery === 0) await checkpoint();
      }
      if (trainer.step % cfg.checkpointEvery !== 0 || trainer.step === 0) await checkpoint();
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      trainer.dispose();
    }
    log(`done: step ${trainer.step} in ${((performance.now() - t0) / 60_000).toFixed(1)} min`);
    return 0;
  },
};
