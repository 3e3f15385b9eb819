/**
 * Mesh extraction from a tfjs field and export: the files are re-read by three.js's own loaders with
 * the same vertex and triangle counts, colours and the embedded provenance.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import * as THREE from 'three';
import { PLYLoader } from 'three/examples/jsm/loaders/PLYLoader.js';
import { OBJLoader } from 'three/examples/jsm/loaders/OBJLoader.js';
import { GLTFLoader } from 'three/examples/jsm/loaders/GLTFLoader.js';
import { initNodeTf } from '../../src/cli/tf-node.ts';
import { extractMesh, fieldFromForward, meshStats, type MeshData } from '../../src/render/index.ts';
import { exportGlb, exportObj, exportPly } from '../../src/render/mesh-export.ts';

beforeAll(async () => {
  await initNodeTf('wasm');
});

const R = 0.3;
const field = fieldFromForward((x) => {
  const sdf = tf.sub(tf.norm(x, 'euclidean', 1), R);
  // Colour varies with x so that colours are checked per vertex: red = x/R·0.8 in [−0.8, 0.8].
  const [px] = tf.unstack(x, 1);
  const rgb = tf.stack([tf.mul(px!, 0.8 / R), tf.fill(px!.shape, 0.2), tf.fill(px!.shape, -0.5)], 1);
  return { sdf, rgb };
});

let mesh: MeshData;
const provenance = JSON.stringify({ graphHash: 'sha256:abc123', note: 'tést "quoted"' });

describe('mesh extraction and export', () => {
  it('extracts a watertight mesh with field normals and colours', async () => {
    const before = tf.memory().numTensors;
    mesh = await extractMesh(field, { resolution: 40, min: [-0.4, -0.4, -0.4], max: [0.4, 0.4, 0.4], chunk: 1000 });
    expect(tf.memory().numTensors).toBe(before);
    const st = meshStats(mesh);
    expect(st.boundaryEdges).toBe(0);
    expect(st.nonManifoldEdges).toBe(0);
    expect(Math.abs(st.volume / ((4 / 3) * Math.PI * R ** 3) - 1)).toBeLessThan(0.01);
    const V = st.vertices;
    for (let i = 0; i < V; i++) {
      const p = [mesh.positions[3 * i]!, mesh.positions[3 * i + 1]!, mesh.positions[3 * i + 2]!];
      const l = Math.hypot(p[0]!, p[1]!, p[2]!);
      const dot = (mesh.normals![3 * i]! * p[0]! + mesh.normals![3 * i + 1]! * p[1]! + mesh.normals![3 * i + 2]! * p[2]!) / l;
      expect(dot).toBeGreaterThan(0.9999);
      expect(mesh.colors![3 * i]!).toBeCloseTo(((p[0]! / R) * 0.8 + 1) / 2, 4);
      expect(mesh.colors![3 * i + 1]!).toBeCloseTo(0.6, 5);
      expect(mesh.colors![3 * i + 2]!).toBeCloseTo(0.25, 5);
    }
  });

  it('PLY (binary) round-trips through PLYLoader with the provenance comment', () => {
    const bytes = exportPly(mesh, { provenance });
    const geo = new PLYLoader().parse(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
    const V = mesh.positions.length / 3;
    expect(geo.getAttribute('position').count).toBe(V);
    expect(geo.getIndex()!.count).toBe(mesh.indices.length);
    expect(Array.from(geo.getIndex()!.array as Uint32Array)).toEqual(Array.from(mesh.indices));
    const pos = geo.getAttribute('position').array as Float32Array;
    expect(Array.from(pos.subarray(0, 30))).toEqual(Array.from(mesh.positions.subarray(0, 30)));
    // PLY colours are 8-bit; PLYLoader returns linear working-space colours.
    const col = geo.getAttribute('color');
    const c = new THREE.Color().fromBufferAttribute(col as THREE.BufferAttribute, 5).convertLinearToSRGB();
    expect(Math.abs(c.r - mesh.colors![15]!)).toBeLessThan(1 / 255 + 1e-6);
    const header = new TextDecoder().decode(bytes.subarray(0, 400));
    expect(header).toContain(`comment provenance ${provenance}\n`);
  });

  it('OBJ round-trips through OBJLoader with the provenance comment', () => {
    const text = exportObj(mesh, { provenance });
    expect(text.split('\n')[0]).toBe(`# provenance ${provenance}`);
    const V = mesh.positions.length / 3;
    expect(text.split('\n').filter((l) => l.startsWith('v ')).length).toBe(V);
    const group = new OBJLoader().parse(text);
    const m = group.children[0] as THREE.Mesh;
    // OBJLoader de-indexes: one vertex per triangle corner.
    expect(m.geometry.getAttribute('position').count).toBe(mesh.indices.length);
    expect(m.geometry.getAttribute('color')).toBeDefined();
  });

  it('GLB round-trips through GLTFLoader with the provenance in extras', async () => {
    const bytes = await exportGlb(mesh, { provenance });
    expect((globalThis as { FileReader?: unknown }).FileReader).toBeUndefined();
    const buf = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    const gltf = await new GLTFLoader().parseAsync(buf, '');
    let found: THREE.Mesh | undefined;
    gltf.scene.traverse((o) => {
      if ((o as THREE.Mesh).isMesh) found = o as THREE.Mesh;
    });
    expect(found).toBeDefined();
    const V = mesh.positions.length / 3;
    expect(found!.geometry.getAttribute('position').count).toBe(V);
    expect(found!.geometry.getIndex()!.count).toBe(mesh.indices.length);
    expect(found!.geometry.getAttribute('normal').count).toBe(V);
    expect(found!.geometry.getAttribute('color').count).toBe(V);
    expect(found!.userData.provenance).toBe(provenance);
    expect(gltf.scene.userData.provenance).toBe(provenance);
  });
});
