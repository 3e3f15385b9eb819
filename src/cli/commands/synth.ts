import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { encode } from 'fast-png';
import type { Command } from '../command.ts';
import { flag, intFlag, numberFlag, parseArgs, requiredFlag, UsageError } from '../args.ts';
import { renderSequence, type FrameTruth } from '../../synth/video.ts';
import { SEG_NAMES } from '../../synth/neutral.ts';
import { APPEARANCE_PARAMS, EXPRESSION_PARAMS, IDENTITY_PARAMS } from '../../synth/params.ts';
import { exportPly } from '../../render/mesh-export.ts';

const usage = `usage:
  nphm synth video --out DIR --frames N --size PX --seed S [--mesh-spacing H | --no-mesh]
      render a synthetic video of a procedural head (sphere-traced, not a learned model) with ground
      truth: frames/*.png, masks/*.png (class ids), meshes/*.ply (world space, marching cubes at grid
      spacing H model units, default 0.02), and sequence.json (camera, poses, expressions, iBUG-68
      landmarks with visibility, anchors)
  nphm synth model-video --model DIR --out DIR --frames N --size PX --seed S [--expressions FILE] [--spread X] [--mesh-resolution R] [--samples K]
      a video rendered by the MonoNPHM model itself (src/synth/model-video.ts), in the same format:
      identity and appearance z = μ + X·σ·ε from the model's latent statistics (default X 1.5), the
      named expressions of FILE (default DIR/expressions.json, from nphm fit-expressions) blended per
      frame, known poses and lighting; masks from the silhouette, landmarks from the posed anchors,
      meshes from the model (resolution R, default 128), K samples per ray (default 64);
      sequence.json also records the true codes
  nphm synth params
      list the identity, expression and appearance parameters with their ranges
  nphm synth bench [--points N] [--size PX]
      measure SDF evaluations per second (neutral and expressed head) and the time to render a frame`;

const r5 = (x: number) => Math.round(x * 1e5) / 1e5;
const r2 = (x: number) => Math.round(x * 100) / 100;
const pad = (i: number) => String(i).padStart(5, '0');

async function video(argv: string[]): Promise<number> {
  const args = parseArgs(argv, ['no-mesh']);
  if (args.positionals.length) throw new UsageError(`unexpected argument '${args.positionals[0]}'`);
  const out = resolve(requiredFlag(args, 'out'));
  const frames = intFlag(args, 'frames', undefined, 1, 100000);
  const size = intFlag(args, 'size', undefined, 16, 4096);
  const seed = intFlag(args, 'seed', undefined, 0, 0x7fffffff);
  const noMesh = flag(args, 'no-mesh') === 'true';
  const meshSpacing = noMesh ? 0 : numberFlag(args, 'mesh-spacing', 0.02);
  if (!noMesh && !(meshSpacing >= 0.004 && meshSpacing <= 0.2)) throw new UsageError(`--mesh-spacing must be in [0.004, 0.2] model units, got ${meshSpacing}`);
  const command = ['nphm synth video', `--out ${flag(args, 'out')}`, `--frames ${frames}`, `--size ${size}`, `--seed ${seed}`, noMesh ? '--no-mesh' : flag(args, 'mesh-spacing') !== undefined ? `--mesh-spacing ${meshSpacing}` : ''].filter(Boolean).join(' ');

  for (const d of ['frames', 'masks', ...(noMesh ? [] : ['meshes'])]) await mkdir(join(out, d), { recursive: true });
  const records: object[] = [];
  const t0 = performance.now();
  const setup = await renderSequence({ frames, size, seed, meshSpacing }, async (f: FrameTruth) => {
    const name = pad(f.index);
    const { width, height } = f.render;
    await writeFile(join(out, 'frames', `${name}.png`), encode({ width, height, data: f.render.rgb, channels: 3, depth: 8 }));
    await writeFile(join(out, 'masks', `${name}.png`), encode({ width, height, data: f.render.labels, channels: 1, depth: 8 }));
    let mesh: string | null = null;
    if (f.mesh) {
      mesh = `meshes/${name}.ply`;
      const provenance = JSON.stringify({ generator: 'nphm synth video', seed, frame: f.index, space: 'world' });
      await writeFile(join(out, mesh), exportPly(f.mesh, { provenance }));
    }
    const lm: number[][] = [];
    const lm3: number[][] = [];
    for (let i = 0; i < 68; i++) {
      lm.push([r2(f.landmarks2d[2 * i]!), r2(f.landmarks2d[2 * i + 1]!)]);
      lm3.push([r5(f.landmarks3d[3 * i]!), r5(f.landmarks3d[3 * i + 1]!), r5(f.landmarks3d[3 * i + 2]!)]);
    }
    const anchors: number[][] = [];
    for (let i = 0; i < 65; i++) anchors.push([r5(f.anchors[3 * i]!), r5(f.anchors[3 * i + 1]!), r5(f.anchors[3 * i + 2]!)]);
    records.push({
      index: f.index,
      image: `frames/${name}.png`,
      mask: `masks/${name}.png`,
      mesh,
      pose: { axisAngle: f.pose.omega.map(r5), R: [0, 1, 2].map((r) => f.pose.R.slice(3 * r, 3 * r + 3).map(r5)), t: f.pose.t.map(r5) },
      expression: f.expression,
      landmarks2d: lm,
      landmarksVisible: Array.from(f.visible),
      landmarks3d: lm3,
      anchors,
    });
    const dt = (performance.now() - t0) / 1000;
    process.stderr.write(`\rframe ${f.index + 1}/${frames}  ${dt.toFixed(1)} s`);
  });
  process.stderr.write('\n');
  const c = setup.camera;
  const manifest = {
    format: 'nphm-synthetic-sequence',
    version: 1,
    command,
    generator: 'procedural head field of src/synth (analytic SDF + colour), sphere traced with Lambert + ambient + SDF ambient occlusion; not a learned model',
    conventions: {
      modelSpace: 'FLAME×4 (1 unit = 25 cm), y up, face towards +z',
      camera: 'OpenCV pinhole: x_cam = R·x_world + t (x right, y down, looking along +z); u = fx·x/z + cx, v = fy·y/z + cy; pixel centres at integer (u, v); no distortion',
      headPose: 'x_world = R·x_model + t, R = exp([axisAngle]×); model space = world space at the identity pose',
      mesh: 'binary PLY, WORLD space (head pose applied), marching cubes of the posed procedural SDF; vertex normals from the analytic field, vertex colours = albedo in [0, 1] (sRGB)',
      landmarks: 'iBUG-68 (0-based), landmarks2d in pixels, landmarksVisible 1 = not occluded (ray traced), landmarks3d in world space',
      anchors: '65 MonoNPHM anchors in MODEL space with the expression applied (no head pose)',
      masks: '8-bit grey PNG, value = class id (CelebAMask-HQ / facer celebm ids, reference §5); r_* = subject right = −x',
    },
    camera: cameraJson(c),
    segmentationClasses: SEG_NAMES,
    identity: setup.params.identity,
    appearance: setup.params.appearance,
    parameterRanges: {
      identity: IDENTITY_PARAMS.map((p) => ({ name: p.name, min: p.min, max: p.max, meaning: p.meaning })),
      expression: EXPRESSION_PARAMS.map((p) => ({ name: p.name, min: p.min, max: p.max, meaning: p.meaning })),
      appearance: APPEARANCE_PARAMS.map((p) => ({ name: p.name, min: p.min, max: p.max, meaning: p.meaning })),
    },
    frames: records,
  };
  await writeFile(join(out, 'sequence.json'), JSON.stringify(manifest, null, 1));
  console.log(`wrote ${frames} frames (${size}×${size}) to ${out} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  return 0;
}

/** sequence.json's `camera` block of a pinhole camera. */
function cameraJson(c: { width: number; height: number; fx: number; fy: number; cx: number; cy: number; R: number[]; t: number[] }) {
  return {
    width: c.width, height: c.height,
    K: [[c.fx, 0, c.cx], [0, c.fy, c.cy], [0, 0, 1]],
    R: [[c.R[0], c.R[1], c.R[2]], [c.R[3], c.R[4], c.R[5]], [c.R[6], c.R[7], c.R[8]]],
    t: c.t,
  };
}

async function modelVideo(argv: string[]): Promise<number> {
  const args = parseArgs(argv);
  if (args.positionals.length) throw new UsageError(`unexpected argument '${args.positionals[0]}'`);
  const modelDir = resolve(requiredFlag(args, 'model'));
  const out = resolve(requiredFlag(args, 'out'));
  const frames = intFlag(args, 'frames', undefined, 1, 10000);
  const size = intFlag(args, 'size', undefined, 16, 1024);
  const seed = intFlag(args, 'seed', undefined, 0, 0x7fffffff);
  const spread = numberFlag(args, 'spread', 1.5);
  if (!(spread >= 0 && spread <= 4)) throw new UsageError(`--spread must be in [0, 4], got ${spread}`);
  const meshResolution = intFlag(args, 'mesh-resolution', 128, 32, 512);
  const samples = intFlag(args, 'samples', 64, 8, 256);
  const exprPath = resolve(flag(args, 'expressions') ?? join(modelDir, 'expressions.json'));
  const { readFile } = await import('node:fs/promises');
  const { initNodeTf } = await import('../tf-node.ts');
  await initNodeTf('wasm');
  const { loadStudioModel } = await import('../../nodes/nphm/load-model.ts');
  const { nodeAssetReader } = await import('../assets-node.ts');
  const { renderModelVideo } = await import('../../synth/model-video.ts');
  const { parseNamedExpressions } = await import('../../nphm/named-expressions.ts');
  const { LANDMARK_PAIRS } = await import('../../track/landmark-pairs.ts');
  const mv = await loadStudioModel(nodeAssetReader([modelDir]), 'model.json');
  try {
    if (!mv.stats) throw new Error(`${modelDir} has no latent-stats.json: a model video draws its codes from them`);
    const expressions = parseNamedExpressions(JSON.parse(await readFile(exprPath, 'utf8')), mv.model.sizes.zExpDim, exprPath);
    for (const d of ['frames', 'masks', 'meshes']) await mkdir(join(out, d), { recursive: true });
    const command = `nphm synth model-video --model ${flag(args, 'model')} --out ${flag(args, 'out')} --frames ${frames} --size ${size} --seed ${seed} --spread ${spread} --mesh-resolution ${meshResolution} --samples ${samples}`;
    const records: object[] = [];
    const t0 = performance.now();
    const setup = await renderModelVideo(mv.model, mv.stats, { frames, size, seed, spread, expressions, meshResolution, samples, pairs: LANDMARK_PAIRS }, async (f) => {
      const name = pad(f.index);
      await writeFile(join(out, 'frames', `${name}.png`), encode({ width: f.width, height: f.height, data: f.rgb, channels: 3, depth: 8 }));
      await writeFile(join(out, 'masks', `${name}.png`), encode({ width: f.width, height: f.height, data: f.labels, channels: 1, depth: 8 }));
      const mesh = `meshes/${name}.ply`;
      await writeFile(join(out, mesh), exportPly(f.mesh, { provenance: JSON.stringify({ generator: 'nphm synth model-video', seed, frame: f.index, space: 'world' }) }));
      records.push({
        index: f.index,
        image: `frames/${name}.png`,
        mask: `masks/${name}.png`,
        mesh,
        pose: { axisAngle: f.pose.omega.map(r5), R: [0, 1, 2].map((r) => f.pose.R.slice(3 * r, 3 * r + 3).map(r5)), t: f.pose.t.map(r5) },
        expressionWeights: f.expressionWeights,
        landmarks2d: Array.from({ length: 68 }, (_, k) => [r2(f.landmarks2d[2 * k]!), r2(f.landmarks2d[2 * k + 1]!)]),
        landmarksVisible: Array.from(f.visible),
        codes: { z_exp: Array.from(f.zExp) },
      });
      process.stderr.write(`\rframe ${f.index + 1}/${frames}  ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    });
    process.stderr.write('\n');
    const manifest = {
      format: 'nphm-synthetic-sequence',
      version: 1,
      command,
      generator: `the MonoNPHM model ${modelDir} itself (src/synth/model-video.ts): NeuS render of known codes; masks from the silhouette, landmarks from the posed anchors, meshes from the model`,
      conventions: {
        modelSpace: 'FLAME×4 (1 unit = 25 cm), y up, face towards +z',
        camera: 'OpenCV pinhole: x_cam = R·x_world + t; u = fx·x/z + cx, v = fy·y/z + cy; pixel centres at integer (u, v)',
        headPose: 'x_world = R·x_model + t, R = exp([axisAngle]×)',
        mesh: 'binary PLY, WORLD space, marching cubes of the model\'s SDF over its mesh box; vertex normals from the field',
        landmarks: 'iBUG-68 (0-based) landmarks paired with anchors: the posed anchors projected; the others are marked not visible',
        masks: '8-bit grey PNG: 2 inside the rendered silhouette (Σw > 0.5), 0 outside',
      },
      camera: cameraJson(setup.camera),
      codes: { z_geo: Array.from(setup.zGeo), z_app: Array.from(setup.zApp), sh: Array.from(setup.sh), expressions: Object.fromEntries(Object.entries(expressions).map(([k, v]) => [k, Array.from(v)])) },
      frames: records,
    };
    await writeFile(join(out, 'sequence.json'), JSON.stringify(manifest, null, 1));
    console.log(`wrote ${frames} frames (${size}×${size}) to ${out} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  } finally {
    mv.dispose();
  }
  return 0;
}

function listParams(): number {
  for (const [group, specs] of [['identity', IDENTITY_PARAMS], ['expression', EXPRESSION_PARAMS], ['appearance', APPEARANCE_PARAMS]] as const) {
    console.log(`${group} (${specs.length}):`);
    for (const p of specs) console.log(`  ${p.name.padEnd(18)} [${p.min}, ${p.max}] neutral ${p.neutral}  ${p.meaning}`);
  }
  return 0;
}

async function bench(argv: string[]): Promise<number> {
  const args = parseArgs(argv);
  const n = intFlag(args, 'points', 1_000_000, 1000, 100_000_000);
  const size = intFlag(args, 'size', 128, 16, 1024);
  const { ProceduralHead } = await import('../../synth/head.ts');
  const { Rng } = await import('../../graph/rng.ts');
  const { renderHead, axisAngleToMatrix } = await import('../../synth/raytrace.ts');
  const { sequenceCamera } = await import('../../synth/video.ts');
  const { sampleTrainingData, MONONPHM_COUNTS } = await import('../../synth/sampling.ts');
  const rng = new Rng(1);
  const pts = new Float32Array(3 * n);
  // points in the head's box, as training and meshing see them
  for (let i = 0; i < n; i++) { pts[3 * i] = rng.uniform(-0.45, 0.45); pts[3 * i + 1] = rng.uniform(-0.8, 0.72); pts[3 * i + 2] = rng.uniform(-0.72, 0.42); }
  const out = new Float32Array(n);
  const heads = [
    ['neutral', new ProceduralHead()],
    ['expressed', new ProceduralHead({ expression: { jawOpen: 0.6, smile: 0.5, eyeCloseL: 0.5, browRaise: 0.5, cheekPuff: 0.3 } })],
  ] as const;
  for (const [name, head] of heads) {
    head.sdfBatch(pts.subarray(0, 30000), out); // warm-up
    const t0 = performance.now();
    head.sdfBatch(pts, out);
    const dt = (performance.now() - t0) / 1000;
    console.log(`sdf ${name.padEnd(9)} ${n} points in ${dt.toFixed(2)} s: ${(n / dt / 1e6).toFixed(2)} M evaluations/s`);
  }
  const cam = sequenceCamera(size);
  for (const [name, head] of heads) {
    renderHead(head, sequenceCamera(32), { R: axisAngleToMatrix(0, 0, 0), t: [0, 0, 0] });
    const t0 = performance.now();
    const reps = 3;
    for (let r = 0; r < reps; r++) renderHead(head, cam, { R: axisAngleToMatrix(0.05, 0.3, 0), t: [0, 0, 0] });
    console.log(`render ${name.padEnd(9)} ${size}×${size}: ${((performance.now() - t0) / reps).toFixed(0)} ms per frame`);
  }
  const { groundTruthMesh } = await import('../../synth/video.ts');
  for (const spacing of [0.01]) {
    const tm = performance.now();
    const m = groundTruthMesh(heads[1][1], spacing, { R: [1, 0, 0, 0, 1, 0, 0, 0, 1], t: [0, 0, 0] });
    const grid = [0.9, 1.52, 1.14].map((e) => Math.floor(e / spacing) + 1);
    console.log(`mesh      expressed, grid ${grid.join('×')} (spacing ${spacing}): ${((performance.now() - tm) / 1000).toFixed(2)} s, ${m.positions.length / 3} vertices`);
  }
  const t0 = performance.now();
  sampleTrainingData(heads[1][1], MONONPHM_COUNTS, 1);
  console.log(`training sample (MonoNPHM counts: 1000 face, 250 non-face, 250 off-surface, 250 space, 250 corresp.): ${(performance.now() - t0).toFixed(0)} ms per head`);
  return 0;
}

export const command: Command = {
  name: 'synth',
  summary: 'procedural heads: synthetic videos with ground truth',
  usage,
  async run(argv) {
    const [sub, ...rest] = argv;
    if (sub === 'video') return video(rest);
    if (sub === 'model-video') return modelVideo(rest);
    if (sub === 'params') return listParams();
    if (sub === 'bench') return bench(rest);
    throw new UsageError(sub ? `unknown sub-command '${sub}'` : 'missing sub-command');
  },
};
