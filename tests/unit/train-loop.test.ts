/**
 * Training on a tiny problem (2 identities × 2 expressions, a tiny config, 24 steps): the losses go down,
 * a seed determines the run, and a checkpoint resumes to the same next step.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { initNodeTf } from '../../src/cli/tf-node.ts';
import { validateTrainConfig, type TrainConfig } from '../../src/train/config.ts';
import { buildDataset, type Dataset } from '../../src/train/dataset.ts';
import { Trainer, type StepReport } from '../../src/train/trainer.ts';
import defaultConfig from '../../src/train/configs/default.json';

function tinyConfig(): TrainConfig {
  const c = JSON.parse(JSON.stringify(defaultConfig));
  c.steps = 24;
  c.model.decoder.id = { ...c.model.decoder.id, lat_dim_glob: 8, lat_dim_loc_geo: 4, lat_dim_loc_app: 4, pos_mlp_dim: 16, gnn: { hidden_dim_geo: 32, hidden_dim_app: 16, nlayers_geo: 4, nlayers_app: 4 } };
  c.model.decoder.ex = { ...c.model.decoder.ex, lat_dim_ex: 8, lat_dim_id: 8, hidden_dim: 32 };
  c.data = { ...c.data, identities: 2, expressionsPerIdentity: 2, pool: { face: 300, nonFace: 80, offSurface: 160, space: 80, correspondences: 80 } };
  c.batch = { scans: 2, face: 60, nonFace: 15, near: 30, space: 15, corresp: 15 };
  // A faster lr than the shipped run: 30 steps must show progress.
  c.optim = { ...c.optim, lrNet: 0.003, decaySteps: [1000], correspDecayStep: 1000 };
  return validateTrainConfig(c);
}

let cfg: TrainConfig;
let data: Dataset;

beforeAll(async () => {
  await initNodeTf('wasm');
  cfg = tinyConfig();
  data = buildDataset(cfg.seed, cfg.data);
}, 60_000);

const geomLoss = (r: StepReport) => r.losses.surf_sdf! + r.losses.space_sdf! + 0.3 * r.losses.normals!;

describe('training loop', () => {
  it('a tiny run reduces its losses', async () => {
    const t = new Trainer(cfg, data);
    const reports: StepReport[] = [];
    for (let i = 0; i < 24; i++) reports.push(await t.trainStep());
    t.dispose();
    const mean = (rs: StepReport[], f: (r: StepReport) => number) => rs.reduce((a, r) => a + f(r), 0) / rs.length;
    const first = reports.slice(0, 5);
    const last = reports.slice(-5);
    console.log(`tiny run: geometry loss ${mean(first, geomLoss).toFixed(4)} → ${mean(last, geomLoss).toFixed(4)}, total ${mean(first, (r) => r.losses.total).toFixed(4)} → ${mean(last, (r) => r.losses.total).toFixed(4)}`);
    expect(mean(last, geomLoss)).toBeLessThan(0.8 * mean(first, geomLoss));
    expect(mean(last, (r) => r.losses.total)).toBeLessThan(mean(first, (r) => r.losses.total));
    expect(mean(last, (r) => r.losses.color!)).toBeLessThan(mean(first, (r) => r.losses.color!));
    for (const r of reports) expect(Number.isFinite(r.losses.total)).toBe(true);
  }, 60_000);

  it('is deterministic for a seed, and a checkpoint resumes to the same next step', async () => {
    const a = new Trainer(cfg, data);
    const b = new Trainer(cfg, data);
    const ra: StepReport[] = [];
    const rb: StepReport[] = [];
    for (let i = 0; i < 3; i++) {
      ra.push(await a.trainStep());
      rb.push(await b.trainStep());
    }
    expect(rb.map((r) => r.losses)).toEqual(ra.map((r) => r.losses));
    const state = await a.exportState();
    // Round-trip through JSON and a copy of the binary, as the CLI writes them.
    const c = new Trainer(cfg, data);
    c.importState(JSON.parse(JSON.stringify(state.json)), Float32Array.from(state.bin));
    expect(c.step).toBe(3);
    const nextA = await a.trainStep();
    const nextC = await c.trainStep();
    expect(nextC.step).toBe(4);
    expect(nextC.losses).toEqual(nextA.losses);
    const sa = await a.stateDicts();
    const sc = await c.stateDicts();
    for (const [k, t] of sa.idDecoder) expect(sc.idDecoder.get(k)!.data).toEqual(t.data);
    [a, b, c].forEach((t) => t.dispose());
  }, 60_000);
});
