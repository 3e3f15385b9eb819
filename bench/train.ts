/**
 * Training-step throughput: steps/s and points/s (each point: sdf + colour + spatial gradient and
 * the second-order backward into networks and codes) for a training config's model and batch, on a
 * small data set (pool size does not affect the step cost).
 * Run: `nphm bench train [--config src/train/configs/default.json] [--steps 10] [--scans S] [--backend wasm|cpu|webgpu]`.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { initNodeTf, parseBackend } from '../src/cli/tf-node.ts';
import { flag, numberFlag, parseArgs } from '../src/cli/args.ts';
import { validateTrainConfig } from '../src/train/config.ts';
import { buildDataset } from '../src/train/dataset.ts';
import { Trainer } from '../src/train/trainer.ts';

export async function main(argv: string[]): Promise<void> {
  const args = parseArgs(argv);
  const path = flag(args, 'config') ?? fileURLToPath(new URL('../src/train/configs/default.json', import.meta.url));
  const cfg = validateTrainConfig(JSON.parse(readFileSync(path, 'utf8')));
  const backend = await initNodeTf(parseBackend(flag(args, 'backend')));
  const steps = numberFlag(args, 'steps', 10);
  cfg.batch.scans = numberFlag(args, 'scans', cfg.batch.scans);
  cfg.data = { ...cfg.data, identities: 2, expressionsPerIdentity: 2, pool: { face: 400, nonFace: 100, offSurface: 200, space: 100, correspondences: 100 } };
  const t = new Trainer(cfg, buildDataset(cfg.seed, cfg.data));
  await t.trainStep(); // warm-up (kernel compilation, allocation)
  let ms = 0;
  let pts = 0;
  for (let i = 0; i < steps; i++) {
    const r = await t.trainStep();
    ms += r.ms;
    pts += r.points;
  }
  t.dispose();
  console.log(`train step (${backend}, ${t.parameterCount} network parameters, ${cfg.batch.scans} heads × ${pts / steps / cfg.batch.scans} points): ${(1000 * steps / ms).toFixed(3)} steps/s, ${(1000 * pts / ms).toFixed(0)} points/s over ${steps} steps`);
}
