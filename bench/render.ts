/**
 * Renderer benchmark on an analytic field (an MLP-free sphere with a colour code): one batch of 450
 * rays × (32 coarse + 32 fine) samples, as a stage-1 tracking iteration, forward only and forward +
 * backward (tf.variableGrads into the field parameter, colour code, pose, SH and colour correction,
 * second order through the normals). The field is cheap, so this measures the renderer's own cost.
 * `--field fixture` renders the MonoNPHM fixture model (../shared/fixtures/mononphm-small-a, config
 * small) instead, codes, pose, SH and colour correction as variables.
 * Run: `nphm bench render [--backend wasm|cpu] [--reps 10] [--field analytic|fixture]` (or `npx tsx bench/render.ts …`).
 */
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { initNodeTf, parseBackend } from '../src/cli/tf-node.ts';
import { cameraRays, defaultShCoefficients, fieldFromForward, invertRigid, lookAtOpenGL, makeCamera, modelRenderField, renderRays, shRotation, type RenderField } from '../src/render/index.ts';

/** The fixture model with its codes as variables: a field factory to call inside the loss. */
async function fixtureField(): Promise<{ make: () => RenderField; vars: tf.Variable[] }> {
  const { readTorchCheckpoint } = await import('../src/nphm/weights/torch-checkpoint.ts');
  const { validateConfig } = await import('../src/nphm/config.ts');
  const { buildModel } = await import('../src/nphm/state-dict.ts');
  const { MEAN_ANCHORS_65 } = await import('../src/nphm/mean-anchors.ts');
  const dir = new URL('../../shared/fixtures/mononphm-small-a/', import.meta.url);
  const ck = readTorchCheckpoint(new Uint8Array(readFileSync(new URL('checkpoint.tar', dir))));
  const model = buildModel(validateConfig(JSON.parse(readFileSync(new URL('config.json', dir), 'utf8'))), { idDecoder: ck.stateDict('id_decoder'), exDecoder: ck.stateDict('ex_decoder') }, MEAN_ANCHORS_65);
  const inputs = JSON.parse(readFileSync(new URL('inputs.json', dir), 'utf8')) as Record<string, number[][]>;
  const v = (k: string) => tf.variable(tf.tensor1d(inputs[k]![0]!));
  const zGeo = v('z_geo');
  const zApp = v('z_app');
  const zExp = v('z_exp');
  return { make: () => modelRenderField(model, model.condition({ zGeo, zApp, zExp })), vars: [zGeo, zApp, zExp] };
}

export interface RenderBenchRow {
  backend: string;
  rays: number;
  msForward: number;
  msForwardBackward: number;
}

export async function runRenderBench(opts: { backend?: string; reps?: number; field?: string } = {}): Promise<RenderBenchRow> {
  const backend = await initNodeTf(parseBackend(opts.backend ?? 'wasm'));
  const reps = opts.reps ?? 10;
  const W = 64;
  const cam = makeCamera(W, W, [[80, 0, 31.5], [0, 80, 31.5], [0, 0, 1]], invertRigid(lookAtOpenGL([0, 0, 2.5], [0, 0, 0], [0, 1, 0])), 'opengl');
  // 450 pixels spread over the image (a stage-1 ray batch).
  const pixels = Array.from({ length: 450 }, (_, i) => Math.floor((i * 4093) % (W * W)));
  const rays = cameraRays(cam, { pixels });
  const radius = tf.variable(tf.scalar(0.45));
  const code = tf.variable(tf.tensor1d([0.1, -0.2, 0.3]));
  const rot = tf.variable(tf.tensor1d([0.02, -0.03, 0.01]));
  const trans = tf.variable(tf.tensor1d([0.01, 0, -0.01]));
  const sh = tf.variable(defaultShCoefficients());
  const colorA = tf.variable(tf.eye(3));
  const colorB = tf.variable(tf.zeros([3]));
  const analytic = fieldFromForward((x) => ({
    sdf: tf.sub(tf.norm(x, 'euclidean', 1), radius),
    rgb: tf.tanh(tf.add(code.reshape([1, 3]), tf.mul(x, 0.5))),
  }));
  const fixture = opts.field === 'fixture' ? await fixtureField() : undefined;
  const fieldOf = () => (fixture ? fixture.make() : analytic);
  const params = { pose: { rot, trans }, sh, w2cRotation: shRotation(cam), colorA, colorB };
  const options = { variance: 0.5 };
  const forward = async () => {
    const out = tf.tidy(() => renderRays(fieldOf(), rays, params, options).rgb);
    await out.data();
    out.dispose();
  };
  const both = async () => {
    const { value, grads } = tf.variableGrads(() => tf.tidy(() => {
      const o = renderRays(fieldOf(), rays, params, options);
      return tf.add(tf.sum(o.rgb), tf.sum(o.weightsSum)) as tf.Scalar;
    }));
    await Promise.all(Object.values(grads).map((g) => g.data()));
    tf.dispose([value, ...Object.values(grads)]);
  };
  const time = async (f: () => Promise<void>) => {
    await f();
    const t: number[] = [];
    for (let i = 0; i < reps; i++) {
      const t0 = performance.now();
      await f();
      t.push(performance.now() - t0);
    }
    t.sort((a, b) => a - b);
    return t[Math.floor(t.length / 2)]!;
  };
  const row = { backend, rays: rays.count, msForward: await time(forward), msForwardBackward: await time(both) };
  console.log(
    `render ${row.rays} rays × (32 + 32) samples, ${fixture ? 'fixture model mononphm-small-a' : 'analytic field'} (${backend}, median of ${reps}): forward ${row.msForward.toFixed(1)} ms, forward + backward ${row.msForwardBackward.toFixed(1)} ms`,
  );
  tf.dispose([radius, code, rot, trans, sh, colorA, colorB, ...(fixture?.vars ?? [])]);
  return row;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const argv = process.argv.slice(2);
  const get = (k: string) => {
    const i = argv.indexOf(`--${k}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  await runRenderBench({ backend: get('backend'), reps: Number(get('reps') ?? 10), field: get('field') });
}
