/**
 * Marching-cubes benchmark on an analytic SDF (sphere + torus union), grid values precomputed, so
 * the time is the mesher's alone; plus the same through a tfjs field (grid evaluation included).
 * Run: `nphm bench mesh [--backend wasm|cpu] [--sizes 128,256]` (or `npx tsx bench/mesh.ts …`).
 */
import * as tf from '@tensorflow/tfjs-core';
import { initNodeTf, parseBackend } from '../src/cli/tf-node.ts';
import { marchingCubes } from '../src/render/marching-cubes.ts';
import { fieldFromForward } from '../src/render/field.ts';
import { meshSdf, meshStats } from '../src/render/mesh.ts';

const sdf = (x: number, y: number, z: number) =>
  Math.min(Math.hypot(x - 0.1, y, z) - 0.35, Math.hypot(Math.hypot(x + 0.1, z) - 0.3, y - 0.1) - 0.08);

export interface MeshBenchRow {
  resolution: number;
  msMarchingCubes: number;
  vertices: number;
  triangles: number;
  msFieldGridAndMesh?: number;
}

export async function runMeshBench(opts: { backend?: string; sizes?: number | number[]; field?: boolean } = {}): Promise<MeshBenchRow[]> {
  const backend = await initNodeTf(parseBackend(opts.backend ?? 'wasm'));
  const rows: MeshBenchRow[] = [];
  const sizes = opts.sizes === undefined ? [128, 256] : Array.isArray(opts.sizes) ? opts.sizes : [opts.sizes];
  for (const n of sizes) {
    const lo = -0.6;
    const h = 1.2 / (n - 1);
    const values = new Float32Array(n * n * n);
    for (let z = 0; z < n; z++) for (let y = 0; y < n; y++) for (let x = 0; x < n; x++) values[x + n * (y + n * z)] = sdf(lo + x * h, lo + y * h, lo + z * h);
    const grid = { dims: [n, n, n] as [number, number, number], origin: [lo, lo, lo] as [number, number, number], spacing: [h, h, h] as [number, number, number] };
    marchingCubes(values, grid); // warm-up (JIT)
    const times: number[] = [];
    let mesh = marchingCubes(values, grid);
    for (let r = 0; r < 3; r++) {
      const t0 = performance.now();
      mesh = marchingCubes(values, grid);
      times.push(performance.now() - t0);
    }
    const st = meshStats(mesh);
    const row: MeshBenchRow = { resolution: n, msMarchingCubes: Math.min(...times), vertices: st.vertices, triangles: st.triangles };
    if (opts.field ?? true) {
      const field = fieldFromForward((x) => {
        const [px, py, pz] = tf.unstack(x, 1) as [tf.Tensor, tf.Tensor, tf.Tensor];
        const s1 = tf.sub(tf.sqrt(tf.addN([tf.square(tf.sub(px, 0.1)), tf.square(py), tf.square(pz)])), 0.35);
        const ring = tf.sub(tf.sqrt(tf.add(tf.square(tf.add(px, 0.1)), tf.square(pz))), 0.3);
        const s2 = tf.sub(tf.sqrt(tf.add(tf.square(ring), tf.square(tf.sub(py, 0.1)))), 0.08);
        return { sdf: tf.minimum(s1, s2), rgb: tf.zerosLike(x) };
      });
      const t0 = performance.now();
      await meshSdf((x) => field.sdf(x), { resolution: n, min: [lo, lo, lo], max: [0.6, 0.6, 0.6] });
      row.msFieldGridAndMesh = performance.now() - t0;
    }
    rows.push(row);
    console.log(
      `marching cubes ${n}³ (${backend}): ${row.msMarchingCubes.toFixed(0)} ms (best of 3; ${st.vertices} vertices, ${st.triangles} triangles)` +
        (row.msFieldGridAndMesh !== undefined ? `; tfjs analytic field grid + mesh ${row.msFieldGridAndMesh.toFixed(0)} ms` : ''),
    );
  }
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const argv = process.argv.slice(2);
  const get = (k: string) => {
    const i = argv.indexOf(`--${k}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  await runMeshBench({ backend: get('backend'), sizes: get('sizes')?.split(',').map(Number) });
}
