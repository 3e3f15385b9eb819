import { existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from '../command.ts';
import { flag, intFlag, numberFlag, parseArgs, UsageError } from '../args.ts';

const usage = `usage:
  nphm fit-eval --model DIR --seed S --heads N [--iterations I] [--resolution R] [--gt-points P] [--json FILE] [--backend wasm|cpu]
      fit a trained model's codes (networks frozen) to SDF samples of N held-out procedural heads
      (identities and expressions not in training), mesh them (marching cubes over the reference
      box) and print unidirectional Chamfer-L1 / L2 (ground-truth surface → mesh), normal
      consistency and recall at 1, 2.5 and 5 mm (1 model unit = 250 mm), for the whole head inside
      the box and for the face region.
      --iterations I  Adam iterations on the codes (default 300)
      --resolution R  marching-cubes samples per axis (default 112)
      --gt-points P   ground-truth surface points per head (default 20000)`;

export const command: Command = {
  name: 'fit-eval',
  summary: 'fit a trained model to held-out procedural heads and report Chamfer / normal consistency / recall',
  usage,
  async run(argv) {
    const args = parseArgs(argv);
    if (args.positionals.length) throw new UsageError(`unexpected argument '${args.positionals[0]}'`);
    const modelFlag = flag(args, 'model');
    if (!modelFlag) throw new UsageError('missing --model DIR');
    const modelDir = resolve(modelFlag);
    const seed = intFlag(args, 'seed', undefined, 0, 0x7fffffff);
    const heads = intFlag(args, 'heads', undefined, 1, 1000);
    const iterations = intFlag(args, 'iterations', 300, 1, 100000);
    const resolution = intFlag(args, 'resolution', 112, 16, 512);
    const gtPoints = intFlag(args, 'gt-points', 20000, 100, 1_000_000);
    const jsonOut = flag(args, 'json');
    const lr = numberFlag(args, 'lr', 0.01);
    const { initNodeTf, parseBackend } = await import('../tf-node.ts');
    const backendName = parseBackend(flag(args, 'backend'));
    if (backendName === 'webgpu') throw new UsageError('fit-eval meshes with the sync field (cpu / wasm); use --backend wasm or cpu');
    const backend = await initNodeTf(backendName);
    const { readStudioWeightsDir } = await import('../studio-weights.ts');
    const { validateConfig } = await import('../../nphm/config.ts');
    const { buildModel } = await import('../../nphm/state-dict.ts');
    const { MEAN_ANCHORS_65 } = await import('../../nphm/mean-anchors.ts');
    const { heldOutHead } = await import('../../train/dataset.ts');
    const fit = await import('../../train/fit.ts');

    const w = readStudioWeightsDir(modelDir);
    const model = buildModel(validateConfig(w.config), { idDecoder: w.id, exDecoder: w.ex }, MEAN_ANCHORS_65 as unknown as number[][]);
    const { readModelStats, readTrainConfigFile } = await import('../model-files.ts');
    const stats = readModelStats(modelDir, model.sizes);
    const tcPath = join(modelDir, 'train-config.json');
    // The held-out heads are drawn like the model's training heads: from its own config's data section.
    const data = existsSync(tcPath) ? readTrainConfigFile(tcPath).data : { identitySpread: 0.5, expressionProb: 0.4 };
    const log = (s: string) => process.stderr.write(`${s}\n`);
    const mm = (v: number) => (v / fit.MM).toFixed(3);
    const rows: object[] = [];
    const sum = { full: { l1: 0, l2: 0, nc: 0, r: [0, 0, 0] }, face: { l1: 0, l2: 0, nc: 0, r: [0, 0, 0] } };
    const t0 = performance.now();
    try {
      for (let h = 0; h < heads; h++) {
        const head = heldOutHead(seed, h, data);
        const samples = fit.fitSamples(head, 3000, 3000, 300, seed * 1009 + h * 17 + 1);
        const codes = await fit.fitCodes(model, samples, stats, { ...fit.DEFAULT_FIT, iterations, lr, seed: seed + h });
        const mesh = await fit.meshCodes(model, codes, resolution, undefined, { coarse: Math.min(40, Math.max(8, Math.floor(resolution / 3))) });
        const gt = fit.groundTruth(head, gtPoints, seed * 7 + h + 3);
        const full = fit.metricsOf(mesh, gt.all);
        const face = fit.metricsOf(mesh, gt.face);
        for (const [k, m] of [['full', full], ['face', face]] as const) {
          sum[k].l1 += m.chamferL1;
          sum[k].l2 += m.chamferL2;
          sum[k].nc += m.normalConsistency;
          fit.THRESHOLDS_MM.forEach((t, i) => (sum[k].r[i]! += m.recall[String(t * fit.MM)]!));
        }
        const rec = (m: typeof full) => fit.THRESHOLDS_MM.map((t) => `R@${t}mm ${m.recall[String(t * fit.MM)]!.toFixed(3)}`).join(' ');
        log(`head ${h}: fit loss ${codes.finalLoss.toFixed(5)}, ${mesh.indices.length / 3} triangles`);
        log(`  full head: CD-L1 ${mm(full.chamferL1)} mm  CD-L2 ${mm(full.chamferL2)} mm  NC ${full.normalConsistency.toFixed(4)}  ${rec(full)}  (${full.points} pts)`);
        log(`  face:      CD-L1 ${mm(face.chamferL1)} mm  CD-L2 ${mm(face.chamferL2)} mm  NC ${face.normalConsistency.toFixed(4)}  ${rec(face)}  (${face.points} pts)`);
        rows.push({ head: h, expression: head.params.expression, fitLoss: codes.finalLoss, triangles: mesh.indices.length / 3, full, face });
      }
    } finally {
      model.dispose();
    }
    const summary: Record<string, unknown> = {};
    for (const k of ['full', 'face'] as const) {
      const s = sum[k];
      summary[k] = {
        chamferL1_mm: s.l1 / heads / fit.MM,
        chamferL2_mm: s.l2 / heads / fit.MM,
        normalConsistency: s.nc / heads,
        recall: Object.fromEntries(fit.THRESHOLDS_MM.map((t, i) => [`${t}mm`, s.r[i]! / heads])),
      };
      const m = summary[k] as { chamferL1_mm: number; chamferL2_mm: number; normalConsistency: number; recall: Record<string, number> };
      process.stdout.write(`${k === 'full' ? 'full head' : 'face     '} (mean of ${heads}): CD-L1 ${m.chamferL1_mm.toFixed(3)} mm  CD-L2 ${m.chamferL2_mm.toFixed(3)} mm  NC ${m.normalConsistency.toFixed(4)}  ${Object.entries(m.recall).map(([t, v]) => `R@${t} ${v.toFixed(3)}`).join('  ')}\n`);
    }
    process.stdout.write(`(${heads} held-out heads, seed ${seed}, ${iterations} fit iterations, resolution ${resolution}, backend ${backend}, ${((performance.now() - t0) / 1000).toFixed(0)} s)\n`);
    if (jsonOut) writeFileSync(jsonOut, JSON.stringify({ command: `nphm fit-eval ${argv.join(' ')}`, model: modelFlag, seed, heads, iterations, resolution, backend, summary, heads_detail: rows }, null, 2) + '\n');
    return 0;
  },
};
