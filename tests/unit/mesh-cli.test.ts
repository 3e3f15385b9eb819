/**
 * `nphm mesh` end to end on the fixture model (official checkpoint format and studio format), and
 * its errors on bad input.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PLYLoader } from 'three/examples/jsm/loaders/PLYLoader.js';
import { GLTFLoader } from 'three/examples/jsm/loaders/GLTFLoader.js';
import type * as THREE from 'three';
import { main } from '../../src/cli/main.ts';

const F = fileURLToPath(new URL('../../../shared/fixtures/mononphm-small-a/', import.meta.url));
let dir: string;
const log = { out: [] as string[], err: [] as string[] };

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'nphm-mesh-'));
  vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void log.out.push(a.join(' ')));
  vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void log.err.push(a.join(' ')));
});
afterAll(() => {
  vi.restoreAllMocks();
  rmSync(dir, { recursive: true, force: true });
});

const toBuffer = (b: Buffer) => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;

describe('nphm mesh', () => {
  it('meshes the fixture checkpoint to PLY with provenance; re-read by PLYLoader', async () => {
    const out = join(dir, 'a.ply');
    const code = await main(['mesh', '--checkpoint', join(F, 'checkpoint.tar'), '--config', join(F, 'config.json'), '--codes', join(F, 'inputs.json'), '--resolution', '20', '--out', out]);
    expect(code, log.err.join('\n')).toBe(0);
    const line = log.out.find((l) => l.startsWith(out))!;
    const m = /(\d+) vertices, (\d+) triangles/.exec(line)!;
    const bytes = readFileSync(out);
    const geo = new PLYLoader().parse(toBuffer(bytes));
    expect(geo.getAttribute('position').count).toBe(Number(m[1]));
    expect(geo.getIndex()!.count).toBe(3 * Number(m[2]));
    expect(geo.getAttribute('normal')).toBeDefined();
    expect(geo.getAttribute('color')).toBeDefined();
    const header = bytes.subarray(0, 2000).toString('latin1');
    const prov = JSON.parse(/comment provenance (.*)\n/.exec(header)![1]!);
    expect(prov.tool).toBe('nphm mesh');
    expect(prov.model.format).toBe('torch-checkpoint');
    expect(prov.grid.resolution).toBe(20);
    expect(prov.codes.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('meshes a studio model dir to GLB with codes partly absent (zeros)', async () => {
    const studio = join(dir, 'studio');
    expect(await main(['import', join(F, 'checkpoint.tar'), '--config', join(F, 'config.json'), '--out', studio])).toBe(0);
    const codes = join(dir, 'codes.json');
    writeFileSync(codes, JSON.stringify({ z_exp: Array.from({ length: 16 }, (_, i) => 0.01 * i), color_A: [[1, 0, 0], [0, 1, 0], [0, 0, 1]], color_b: [0.1, 0, 0] }));
    const out = join(dir, 'b.glb');
    expect(await main(['mesh', '--model', studio, '--codes', codes, '--resolution', '16', '--out', out, '--normals', 'mesh', '--band', '3']), log.err.join('\n')).toBe(0);
    const gltf = await new GLTFLoader().parseAsync(toBuffer(readFileSync(out)), '');
    let mesh: THREE.Mesh | undefined;
    gltf.scene.traverse((o) => {
      if ((o as THREE.Mesh).isMesh) mesh = o as THREE.Mesh;
    });
    expect(mesh!.geometry.getAttribute('position').count).toBeGreaterThan(100);
    const prov = JSON.parse(mesh!.userData.provenance as string);
    expect(prov.model.format).toBe('studio');
    expect(prov.codes.absent).toEqual(['z_geo', 'z_app']);
    expect(prov.colorCorrection).toBe(true);
    expect(prov.grid.band).toEqual({ stride: 3, margin: 2 });
  });

  it('rejects bad flags (exit 2) and bad codes (exit 1, naming file and key)', async () => {
    const base = ['mesh', '--checkpoint', join(F, 'checkpoint.tar'), '--config', join(F, 'config.json')];
    log.err.length = 0;
    expect(await main([...base, '--resolution', '8', '--out', join(dir, 'x.ply')])).toBe(2);
    expect(log.err.join('\n')).toContain('missing --codes');
    expect(await main([...base, '--codes', join(F, 'inputs.json'), '--resolution', '8', '--out', join(dir, 'x.stl')])).toBe(2);
    expect(log.err.join('\n')).toContain('.ply, .obj or .glb');
    expect(await main([...base, '--codes', join(F, 'inputs.json'), '--resolution', '1', '--out', join(dir, 'x.ply')])).toBe(2);
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ z_exp: [1, 2, 3] }));
    log.err.length = 0;
    expect(await main([...base, '--codes', bad, '--resolution', '8', '--out', join(dir, 'x.ply')])).toBe(1);
    expect(log.err.join('\n')).toMatch(/bad\.json: 'z_exp' must be 16 finite numbers/);
  });
});
