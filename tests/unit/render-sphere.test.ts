/**
 * The renderer on an analytic field: a sphere SDF gives the analytic silhouette and depth, and
 * gradients through the fine pass (field parameters, second order through the normals, pose, SH,
 * colour correction) match central finite differences.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initNodeTf } from '../../src/cli/tf-node.ts';
import {
  cameraRays,
  fieldFromForward,
  lookAtOpenGL,
  invertRigid,
  makeCamera,
  renderChunked,
  renderRays,
  shRotation,
  defaultShCoefficients,
  type RenderField,
  type RenderParams,
  type RayBatch,
} from '../../src/render/index.ts';


const CENTER = [0.05, -0.03, 0.02];

/**
 * Sphere of radius `radius` around CENTER (an ellipsoid-like field |(x − c)⊙(1 + shape)| − r when
 * `shape` is given, so that the normals depend on a parameter); colour tanh(code + 0.5·x).
 */
function sphereField(radius: tf.Tensor, code: tf.Tensor, shape?: tf.Tensor): RenderField {
  return fieldFromForward((x) => {
    let p = tf.sub(x, tf.tensor2d([CENTER], [1, 3]));
    if (shape) p = tf.mul(p, tf.add(shape.reshape([1, 3]), 1));
    const sdf = tf.sub(tf.norm(p, 'euclidean', 1), radius);
    const rgb = tf.tanh(tf.add(code.reshape([1, 3]), tf.mul(x, 0.5)));
    return { sdf, rgb };
  });
}

function camera(W: number, f: number) {
  const c2w = lookAtOpenGL([0.3, 0.2, 2.5], [0, 0, 0], [0, 1, 0]);
  return makeCamera(W, W, [[f, 0, (W - 1) / 2], [0, f, (W - 1) / 2], [0, 0, 1]], invertRigid(c2w), 'opengl');
}

/** Distance of the ray's closest approach to CENTER, and the depth of its first hit with the sphere. */
function analytic(rays: RayBatch, i: number, r: number): { dist: number; hitDepth: number } {
  const o = [0, 1, 2].map((k) => rays.origins[3 * i + k]! - CENTER[k]!);
  const d = [0, 1, 2].map((k) => rays.dirs[3 * i + k]!);
  const b = o[0]! * d[0]! + o[1]! * d[1]! + o[2]! * d[2]!;
  const oo = o[0]! ** 2 + o[1]! ** 2 + o[2]! ** 2;
  const dist = Math.sqrt(Math.max(oo - b * b, 0));
  return { dist, hitDepth: -b - Math.sqrt(Math.max(r * r - dist * dist, 0)) };
}

describe.each(['wasm', 'cpu'] as const)('renderer on a sphere SDF (%s)', (backend) => {
  beforeAll(async () => {
    await initNodeTf(backend);
  });

  it('renders the analytic silhouette (within a pixel) and depth (within 1%), chunked', async () => {
    const W = 48;
    const f = 60;
    const r = 0.45;
    const cam = camera(W, f);
    const rays = cameraRays(cam);
    const radius = tf.scalar(r);
    const code = tf.tensor1d([0.2, -0.1, 0.4]);
    const field = sphereField(radius, code);
    const before = tf.memory().numTensors;
    const img = await renderChunked(field, rays, {}, { variance: 0.8, chunk: 500 });
    expect(tf.memory().numTensors).toBe(before);
    // One pixel subtends ≈ distance/f world units at the sphere.
    const pixel = 2.5 / f;
    let checked = 0;
    let depthChecked = 0;
    let maxRelDepth = 0;
    for (let i = 0; i < rays.count; i++) {
      const a = analytic(rays, i, r);
      const inside = img.weightsSum[i]! > 0.5;
      if (Math.abs(a.dist - r) > pixel) {
        checked++;
        expect(inside, `pixel ${i}: dist ${a.dist}`).toBe(a.dist < r);
        if (a.dist < r) {
          expect(img.weightsSum[i]!).toBeGreaterThan(0.99);
          const rel = Math.abs(img.depth[i]! - a.hitDepth) / a.hitDepth;
          maxRelDepth = Math.max(maxRelDepth, rel);
          depthChecked++;
        } else {
          expect(img.weightsSum[i]!).toBeLessThan(0.01);
        }
      }
    }
    expect(checked).toBeGreaterThan(0.9 * rays.count);
    expect(depthChecked).toBeGreaterThan(300);
    expect(maxRelDepth).toBeLessThan(0.01);
    tf.dispose([radius, code]);
  });

  it('gradients of the rendered colour match central finite differences', () => {
    const W = 16;
    const cam = camera(W, 20);
    // A band of pixels across the silhouette: interior, edge and background rays.
    const pixels: number[] = [];
    for (let u = 0; u < W; u += 1) pixels.push(7 * W + u, 3 * W + u);
    const rays = cameraRays(cam, { pixels });
    const vars = {
      radius: tf.variable(tf.scalar(0.45), true, 'radius'),
      code: tf.variable(tf.tensor1d([0.2, -0.1, 0.4]), true, 'code'),
      shape: tf.variable(tf.tensor1d([0.1, -0.05, 0.08]), true, 'shape'),
      rot: tf.variable(tf.tensor1d([0.05, -0.08, 0.03]), true, 'rot'),
      trans: tf.variable(tf.tensor1d([0.02, -0.01, 0.03]), true, 'trans'),
      sh: tf.variable(tf.add(defaultShCoefficients(), tf.randomUniform([9, 3], -0.3, 0.3, 'float32', 7)), true, 'sh'),
      colorA: tf.variable(tf.tensor2d([[1.02, 0.01, -0.02], [0.015, 0.98, 0.01], [-0.01, 0.02, 1.03]]), true, 'colorA'),
      colorB: tf.variable(tf.tensor1d([0.01, -0.02, 0.03]), true, 'colorB'),
    };
    const field = sphereField(vars.radius, vars.code, vars.shape);
    const params: RenderParams = {
      pose: { rot: vars.rot, trans: vars.trans, scale: 1 },
      sh: vars.sh,
      w2cRotation: shRotation(cam),
      colorA: vars.colorA,
      colorB: vars.colorB,
    };
    const proj = tf.randomUniform([rays.count, 3], -1, 1, 'float32', 3);
    const opts = { variance: 0.3, cosDirection: 'model' as const };
    const samples = tf.tidy(() => renderRays(field, rays, params, { ...opts, intermediates: true }).intermediates!.upsampleZ.dataSync() as Float32Array);
    const loss = () =>
      tf.tidy(() => {
        const out = renderRays(field, rays, params, { ...opts, fixedSamples: samples });
        return tf.add(tf.sum(tf.mul(out.rgb, proj)), tf.sum(out.weightsSum)) as tf.Scalar;
      });
    const { grads } = tf.variableGrads(loss, Object.values(vars));
    const h = 2e-3;
    for (const [name, v] of Object.entries(vars)) {
      const g = grads[v.name]!.dataSync();
      const base = v.dataSync().slice();
      const fd = new Float32Array(base.length);
      const set = (vals: Float32Array | Int32Array | Uint8Array) => {
        const t = tf.tensor(vals, v.shape);
        (v as tf.Variable).assign(t);
        t.dispose();
      };
      for (let k = 0; k < base.length; k++) {
        const plus = base.slice();
        plus[k] = base[k]! + h;
        set(plus);
        const lp = tf.tidy(() => loss().dataSync()[0]!);
        const minus = base.slice();
        minus[k] = base[k]! - h;
        set(minus);
        const lm = tf.tidy(() => loss().dataSync()[0]!);
        set(base);
        fd[k] = (lp - lm) / (2 * h);
      }
      const scale = Math.max(...Array.from(fd, Math.abs), 1e-3);
      for (let k = 0; k < base.length; k++) {
        expect(Math.abs(g[k]! - fd[k]!), `${name}[${k}]: autodiff ${g[k]} vs fd ${fd[k]}`).toBeLessThan(1e-2 * scale + 1e-3);
      }
      expect(scale, name).toBeGreaterThan(1e-2);
      if (process.env.RENDER_DEBUG) console.log(name, Array.from(g).slice(0, 4), Array.from(fd).slice(0, 4));
    }
    tf.dispose([...Object.values(grads), proj, ...Object.values(vars)]);
  });
});
