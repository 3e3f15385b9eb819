import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from '../command.ts';
import { codeFromJson, readCliModel, readJsonFile, type Json } from '../model-files.ts';
import { flag, numberFlag, parseArgs, requiredFlag, UsageError } from '../args.ts';

const usage = `usage:
  nphm eval (--model DIR | --checkpoint FILE --config FILE) --inputs inputs.json --out out.json
            [--backend wasm|cpu|webgpu] [--anchors anchors.json] [--y-shifts] [--chunk N]
      evaluate a MonoNPHM model on the codes and posed points of inputs.json (keys z_geo, z_app,
      z_exp as [dim] or [1, dim], points as [N, 3]) and write the original's output names:
      anchors_canonical, c_id, offsets, hyper, queries_can, sdf, rgb, gradient, posed_anchors,
      broyden_valid, broyden_residual_norm.
      --model DIR         studio weight format (DIR/model.json + weights.bin); its config is used
                          unless --config is given
      --checkpoint FILE   an official checkpoint_epoch_*.tar (torch zip; read without executing it)
      --config FILE       configs.yaml or a .json holding {decoder: {id, ex}}
      --anchors FILE      mean anchors [[x, y, z], …] (default: the built-in anchors_65)
      --y-shifts          apply the original tracker's anchor y-shifts before solving posed anchors
      --chunk N           points per chunk (default 1024; the gradient tape of the paper
                          model takes ≈ 1 MB per point)`;

function points(inputs: Json, file: string): Float32Array {
  const v = inputs.points;
  if (!Array.isArray(v) || !v.every((r) => Array.isArray(r) && r.length === 3 && r.every((x) => typeof x === 'number' && Number.isFinite(x)))) {
    throw new Error(`${file}: 'points' must be an array of [x, y, z] rows of finite numbers`);
  }
  return Float32Array.from((v as number[][]).flat());
}

function rows(a: ArrayLike<number>, width: number): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < a.length; i += width) out.push(Array.from({ length: width }, (_, j) => a[i + j]!));
  return out;
}

export const command: Command = {
  name: 'eval',
  summary: 'evaluate a MonoNPHM model on codes and points (parity probe)',
  usage,
  async run(argv) {
    const args = parseArgs(argv, ['y-shifts']);
    if (args.positionals.length) throw new UsageError(`unexpected argument '${args.positionals[0]}'`);
    const inputsPath = requiredFlag(args, 'inputs');
    const outPath = resolve(requiredFlag(args, 'out'));
    const chunk = numberFlag(args, 'chunk', 1024);
    if (!Number.isInteger(chunk) || chunk < 1) throw new UsageError(`--chunk must be a positive integer, got ${chunk}`);
    const { initNodeTf, parseBackend } = await import('../tf-node.ts');
    const backendName = parseBackend(flag(args, 'backend'));

    const { derivedSizes } = await import('../../nphm/config.ts');
    const { buildModel } = await import('../../nphm/state-dict.ts');
    const { ORIGINAL_TRACKER_Y_SHIFTS } = await import('../../nphm/anchor-invert.ts');
    const { config, stateDicts: sds, meanAnchors } = readCliModel(args);
    const inputs = readJsonFile(inputsPath, 'inputs') as Json;
    if (typeof inputs !== 'object' || inputs === null || Array.isArray(inputs)) throw new Error(`${inputsPath}: expected a JSON object`);
    const s = derivedSizes(config);
    const zGeo = codeFromJson(inputs, 'z_geo', s.zGeoDim, inputsPath);
    const zApp = codeFromJson(inputs, 'z_app', s.zAppDim, inputsPath);
    const zExp = codeFromJson(inputs, 'z_exp', s.zExpDim, inputsPath);
    const pts = points(inputs, inputsPath);

    await initNodeTf(backendName);
    (await import('../../nphm/wasm-identity.ts')).installZeroCopyWasmIdentity();
    const tf = await import('@tensorflow/tfjs-core');
    const model = buildModel(config, sds, meanAnchors);
    const codes = { zGeo: tf.tensor1d(zGeo), zApp: tf.tensor1d(zApp), zExp: tf.tensor1d(zExp) };
    const cond = model.condition(codes);
    try {
      const t0 = performance.now();
      const field = await model.evaluate(pts, cond, { normals: true, chunk });
      const N = pts.length / 3;
      const nh = s.dPos - 3;
      const offsets = new Float32Array(3 * N);
      const hyper = new Float32Array(nh * N);
      for (let start = 0; start < N; start += chunk) {
        const n = Math.min(chunk, N - start);
        const x = tf.tensor2d(pts.subarray(3 * start, 3 * (start + n)), [n, 3]);
        const d = model.deform(x, cond);
        offsets.set((await d.offsets.data()) as Float32Array, 3 * start);
        hyper.set((await d.hyper.data()) as Float32Array, nh * start);
        tf.dispose([x, d.offsets, d.hyper, d.queries]);
      }
      const sol = await model.solveAnchors(cond, args.flags.has('y-shifts') ? { yShifts: ORIGINAL_TRACKER_Y_SHIFTS } : {});
      const out = {
        _doc: `nphm eval (${tf.getBackend()}): ${N} points; keys as in the mononphm-small-a fixture. ${args.flags.has('y-shifts') ? 'Posed anchors use the original tracker y-shifts.' : 'No anchor y-shifts.'}`,
        anchors_canonical: rows(await cond.anchors.data(), 3),
        c_id: Array.from(await cond.cId.data()),
        offsets: rows(offsets, 3),
        hyper: rows(hyper, nh),
        queries_can: rows(field.queries, s.dPos),
        sdf: Array.from(field.sdf),
        rgb: rows(field.rgb!, 3),
        gradient: rows(field.normals!, 3),
        posed_anchors: rows(sol.points, 3),
        broyden_valid: sol.valid,
        broyden_residual_norm: Array.from(sol.residual),
      };
      writeFileSync(outPath, JSON.stringify(out));
      console.log(`${outPath}: ${N} points on ${tf.getBackend()} in ${((performance.now() - t0) / 1000).toFixed(2)} s; posed anchors ${sol.valid.filter(Boolean).length}/${sol.valid.length} converged`);
    } finally {
      tf.dispose([codes.zGeo, codes.zApp, codes.zExp]);
      const { disposeConditioning } = await import('../../nphm/conditioning.ts');
      disposeConditioning(cond);
      model.dispose();
    }
    return 0;
  },
};
