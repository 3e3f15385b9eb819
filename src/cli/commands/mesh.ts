import { writeFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import type { Command } from '../command.ts';
import { codeFromJson, readCliModel, type Json } from '../model-files.ts';
import { parseJsonText } from '../../graph/json-text.ts';
import { escapeControlChars } from '../../graph/safe-text.ts';
import { flag, intFlag, numberFlag, parseArgs, requiredFlag, UsageError } from '../args.ts';
import { readLocalFile } from '../local-files.ts';
import { MAX_ASSET_TEXT_BYTES } from '../../graph/asset-limits.ts';
import { THREADS_USAGE, threadCount, withRayThreads } from '../threads.ts';

export const MAX_MESH_RESOLUTION = 512;
/** Grid points per model call: a chunk's activations are allocated at once. */
const MAX_MESH_CHUNK = 1 << 20;

const usage = `usage:
  nphm mesh (--model DIR | --checkpoint FILE --config FILE) --codes codes.json --resolution R
            --out FILE.{ply,obj,glb} [--backend wasm|cpu|webgpu] [--anchors anchors.json]
            [--min x,y,z --max x,y,z] [--normals field|mesh|none] [--no-colors] [--chunk N]
            [--band STRIDE [--band-margin M]] [--threads N]
      extract the zero level set of a MonoNPHM model for the codes of codes.json (keys z_geo, z_app,
      z_exp, each [dim] or [1, dim], each optional: zeros when absent; optional color_A [3][3] and
      color_b [3] apply the tracker's colour correction to the vertex colours) by marching cubes on
      an R³ grid over the reference box (min -0.55,-0.5,-0.95, max 0.55,0.75,0.4; model space, no
      head pose), and write it with vertex normals and colours. The format follows the extension;
      a provenance JSON (model, codes hash, grid) is embedded (PLY comment, OBJ comment, glTF extras).
      --model DIR         studio weight format (DIR/model.json + weights.bin)
      --checkpoint FILE   an official checkpoint_epoch_*.tar with --config configs.yaml (or .json)
      --anchors FILE      mean anchors [[x, y, z], …] (default: the built-in anchors_65)
      --normals           from the SDF gradient (default), from the mesh, or none
      --resolution R      grid samples per axis, 2 to 512
      --chunk N           grid points per model call (default 16384, at most 1048576)
      --band STRIDE       narrow band: evaluate every STRIDE-th sample first and the full grid only
                          in blocks near the surface (|sdf| < M · block diagonal or a sign change);
                          same mesh as the full grid when |∇sdf| < M (default M = 2). Off by default.
      ${THREADS_USAGE}; with more than one, the grid and the vertices are evaluated on them
                          (chunks of at most 40 000 points, 4 096 for normals); on webgpu, one.`;

function colorCorrection(codes: Json, file: string): { A?: number[][]; b?: number[] } {
  const out: { A?: number[][]; b?: number[] } = {};
  const isNum = (x: unknown) => typeof x === 'number' && Number.isFinite(x);
  if (codes.color_A !== undefined) {
    const A = codes.color_A;
    if (!Array.isArray(A) || A.length !== 3 || !A.every((r) => Array.isArray(r) && r.length === 3 && r.every(isNum))) {
      throw new Error(`${file}: 'color_A' must be a 3×3 array of finite numbers`);
    }
    out.A = A as number[][];
  }
  if (codes.color_b !== undefined) {
    const raw = codes.color_b;
    const b = Array.isArray(raw) && raw.length === 1 && Array.isArray(raw[0]) ? raw[0] : raw;
    if (!Array.isArray(b) || b.length !== 3 || !b.every(isNum)) throw new Error(`${file}: 'color_b' must be 3 finite numbers as [3] or [1, 3]`);
    out.b = b as number[];
  }
  return out;
}

function vec3Flag(value: string | undefined, name: string): [number, number, number] | undefined {
  if (value === undefined) return undefined;
  const v = value.split(',').map(Number);
  if (v.length !== 3 || !v.every(Number.isFinite)) throw new UsageError(`--${name} must be three numbers x,y,z, got '${value}'`);
  return v as [number, number, number];
}

export const command: Command = {
  name: 'mesh',
  summary: 'extract a mesh (PLY/OBJ/GLB) of a MonoNPHM model for given codes',
  usage,
  async run(argv) {
    const args = parseArgs(argv, ['no-colors']);
    if (args.positionals.length) throw new UsageError(`unexpected argument '${args.positionals[0]}'`);
    const codesPath = requiredFlag(args, 'codes');
    const out = resolve(requiredFlag(args, 'out'));
    // The grid is R³ model calls: the MeshExport node's bound (512³ = 134 M samples) holds here too.
    const resolution = intFlag(args, 'resolution', undefined, 2, MAX_MESH_RESOLUTION);
    const chunk = intFlag(args, 'chunk', 16384, 1, MAX_MESH_CHUNK);
    const normals = flag(args, 'normals') ?? 'field';
    if (normals !== 'field' && normals !== 'mesh' && normals !== 'none') throw new UsageError(`--normals must be field, mesh or none, got '${normals}'`);
    let band: { stride: number; margin: number } | undefined;
    if (flag(args, 'band') !== undefined) {
      const stride = numberFlag(args, 'band', 4);
      const margin = numberFlag(args, 'band-margin', 2);
      if (!Number.isInteger(stride) || stride < 2) throw new UsageError(`--band must be an integer ≥ 2, got ${stride}`);
      if (!(margin > 0)) throw new UsageError(`--band-margin must be positive, got ${margin}`);
      band = { stride, margin };
    } else if (flag(args, 'band-margin') !== undefined) {
      throw new UsageError('--band-margin needs --band STRIDE');
    }
    const { meshFormatOf, exportMesh } = await import('../../render/mesh-export.ts');
    let format;
    try {
      format = meshFormatOf(out);
    } catch (e) {
      throw new UsageError(e instanceof Error ? e.message : String(e));
    }
    const { REFERENCE_BOX, extractMesh, meshStats } = await import('../../render/mesh.ts');
    const min = vec3Flag(flag(args, 'min'), 'min') ?? REFERENCE_BOX.min;
    const max = vec3Flag(flag(args, 'max'), 'max') ?? REFERENCE_BOX.max;
    for (let k = 0; k < 3; k++) if (!(max[k]! > min[k]!)) throw new UsageError(`--max must exceed --min on every axis (axis ${k}: ${min[k]} ≥ ${max[k]})`);

    const { initNodeTf, parseBackend } = await import('../tf-node.ts');
    const backendName = parseBackend(flag(args, 'backend'));
    const { derivedSizes } = await import('../../nphm/config.ts');
    const { buildModel } = await import('../../nphm/state-dict.ts');
    const { sha256 } = await import('@noble/hashes/sha2.js');
    const { bytesToHex } = await import('@noble/hashes/utils.js');
    const { config, stateDicts: sds, meanAnchors, info: modelInfo } = readCliModel(args);
    const codesText = readLocalFile(codesPath, 'codes', MAX_ASSET_TEXT_BYTES);
    const codes = parseJsonText(new TextDecoder().decode(codesText), `codes ${escapeControlChars(codesPath)}`) as Json;
    if (typeof codes !== 'object' || codes === null || Array.isArray(codes)) throw new Error(`${codesPath}: expected a JSON object with z_geo, z_app, z_exp`);
    const s = derivedSizes(config);
    const zGeo = codeFromJson(codes, 'z_geo', s.zGeoDim, codesPath, true);
    const zApp = codeFromJson(codes, 'z_app', s.zAppDim, codesPath, true);
    const zExp = codeFromJson(codes, 'z_exp', s.zExpDim, codesPath, true);
    const cc = colorCorrection(codes, codesPath);

    const threads = backendName === 'webgpu' ? 1 : threadCount(flag(args, 'threads'), process.env.NPHM_THREADS);
    const backend = await initNodeTf(backendName);
    const tf = await import('@tensorflow/tfjs-core');
    const { modelRenderField } = await import('../../render/model-field.ts');
    const model = buildModel(config, sds, meanAnchors);
    const codeTensors = { zGeo: tf.tensor1d(zGeo), zApp: tf.tensor1d(zApp), zExp: tf.tensor1d(zExp) };
    const cond = model.condition(codeTensors);
    const t0 = performance.now();
    let lastReport = t0;
    try {
      const { threadedPoints } = await import('../../track/state-render.ts');
      const mesh = await withRayThreads(threads, backend, () => {
        const batch = threadedPoints(model, { zGeo, zApp, zExp });
        return extractMesh(modelRenderField(model, cond), {
          ...(batch ? { batch } : {}),
          resolution,
          min,
          max,
          chunk,
          normals,
          ...(band ? { band } : {}),
          colors: flag(args, 'no-colors') !== 'true',
          ...(cc.A ? { colorA: cc.A } : {}),
          ...(cc.b ? { colorB: cc.b } : {}),
          onLayer: (z, nz) => {
            const now = performance.now();
            if (process.stderr.isTTY && now - lastReport > 1000) {
              process.stderr.write(`\rgrid layer ${z + 1}/${nz}`);
              lastReport = now;
            }
          },
        });
      });
      if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
      const st = meshStats(mesh);
      if (st.triangles === 0) throw new Error(`no surface: the SDF has no zero crossing on the ${resolution}³ grid over [${min}]..[${max}]`);
      const provenance = JSON.stringify({
        tool: 'nphm mesh',
        model: modelInfo,
        codes: { file: basename(codesPath), sha256: bytesToHex(sha256(codesText)), absent: ['z_geo', 'z_app', 'z_exp'].filter((k) => codes[k] === undefined) },
        grid: { resolution, min, max, iso: 0, space: 'model (posed with the expression, no head pose)', ...(band ? { band } : {}) },
        normals,
        colorCorrection: cc.A !== undefined || cc.b !== undefined,
        backend: tf.getBackend(),
      });
      const bytes = await exportMesh(mesh, format, { provenance });
      writeFileSync(out, bytes);
      const closed = st.boundaryEdges === 0 && st.nonManifoldEdges === 0;
      console.log(
        `${out}: ${st.vertices} vertices, ${st.triangles} triangles (${closed ? 'watertight' : `${st.boundaryEdges} boundary edges — the surface leaves the box`}), ` +
          `${resolution}³ grid in ${((performance.now() - t0) / 1000).toFixed(1)} s on ${tf.getBackend()} (${threads} thread${threads > 1 ? 's' : ''})`,
      );
    } finally {
      tf.dispose([codeTensors.zGeo, codeTensors.zApp, codeTensors.zExp]);
      const { disposeConditioning } = await import('../../nphm/conditioning.ts');
      disposeConditioning(cond);
      model.dispose();
    }
    return 0;
  },
};
