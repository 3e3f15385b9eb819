import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decode } from 'fast-png';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { ProceduralHead } from '../../src/synth/head.ts';
import { axisAngleToMatrix, renderHead, shShading } from '../../src/synth/raytrace.ts';
import { projectLandmarks, sequenceCamera } from '../../src/synth/video.ts';
import { SEG } from '../../src/synth/neutral.ts';

describe('synthetic video', () => {
  it('the rendered silhouette agrees with the projected sdf < 0 region', () => {
    const head = new ProceduralHead({ expression: { jawOpen: 0.5, smile: 0.4 } });
    const cam = sequenceCamera(48);
    const pose = { R: axisAngleToMatrix(0.05, 0.3, -0.04), t: [0.02, -0.01, 0.03] };
    const f = renderHead(head, cam, pose);
    // independent truth: dense fixed-step marching of each pixel's ray, inside if any sample has sdf < 0
    const R = pose.R, t = pose.t, Rc = cam.R, tc = cam.t;
    const C = [0, 1, 2].map((j) => -(Rc[j]! * tc[0]! + Rc[3 + j]! * tc[1]! + Rc[6 + j]! * tc[2]!));
    let disagree = 0;
    for (let v = 0; v < cam.height; v++) {
      for (let u = 0; u < cam.width; u++) {
        const dc = [(u - cam.cx) / cam.fx, (v - cam.cy) / cam.fy, 1];
        const dw = [0, 1, 2].map((j) => Rc[j]! * dc[0]! + Rc[3 + j]! * dc[1]! + Rc[6 + j]! * dc[2]!);
        const l = Math.hypot(dw[0]!, dw[1]!, dw[2]!);
        let inside = false;
        for (let s = 1.2; s < 4.0 && !inside; s += 0.002) {
          const w = [0, 1, 2].map((j) => C[j]! + (s * dw[j]!) / l - t[j]!);
          // model = Rᵀ (world − t)
          const m = [0, 1, 2].map((j) => R[j]! * w[0]! + R[3 + j]! * w[1]! + R[6 + j]! * w[2]!);
          if (head.sdf(m[0]!, m[1]!, m[2]!) < 0) inside = true;
        }
        const mask = f.labels[v * cam.width + u]! > 0;
        if (mask !== inside) disagree++;
      }
    }
    const fg = Array.from(f.labels).filter((l) => l > 0).length;
    expect(fg).toBeGreaterThan(0.2 * cam.width * cam.height);
    // only silhouette pixels may differ (grazing rays)
    expect(disagree).toBeLessThanOrEqual(Math.ceil(0.005 * cam.width * cam.height));
  });

  it('landmarks project into the face and their visibility follows the head turn', () => {
    const head = new ProceduralHead();
    const cam = sequenceCamera(96);
    const front = projectLandmarks(head, cam, { R: axisAngleToMatrix(0, 0, 0), t: [0, 0, 0] }, head.landmarks());
    // brows, eyes, nose, outer lips and the chin are visible from the front; the landmarks are fixed
    // material points (the anchors MonoNPHM pairs with iBUG-68), so the upper jaw contour at the
    // cheeks' sides and the upper inner lip (under the upper lip) may be hidden
    for (let i = 17; i < 60; i++) expect(front.visible[i], `landmark ${i}`).toBe(1);
    for (let i = 6; i <= 10; i++) expect(front.visible[i], `landmark ${i}`).toBe(1);
    // nose tip (30) at the image centre column, left eye corner (45, subject's left = +x) on the right
    expect(Math.abs(front.uv[60]! - cam.cx)).toBeLessThan(1);
    expect(front.uv[90]!).toBeGreaterThan(cam.cx + 5);
    const turned = projectLandmarks(head, cam, { R: axisAngleToMatrix(0, 1.1, 0), t: [0, 0, 0] }, head.landmarks());
    // +y rotation turns the face towards world +x (image right) and the subject's left (+x) side
    // away: its jaw line (13–16) and outer eye corner (45) are hidden, the right one (0–3) is not
    expect([13, 14, 15, 16, 45].filter((i) => !turned.visible[i]).length).toBeGreaterThanOrEqual(4);
    expect([0, 2, 36].filter((i) => turned.visible[i]).length).toBe(3);
    // labels at projected visible landmark pixels match: nose tip → nose
    const f = renderHead(head, cam, { R: axisAngleToMatrix(0, 0, 0), t: [0, 0, 0] });
    const u = Math.round(front.uv[60]!), v = Math.round(front.uv[61]!);
    expect(f.labels[v * cam.width + u]).toBe(SEG.nose);
  });

  it('nphm synth video writes frames, masks, meshes and sequence.json that re-read', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'nphm-synth-'));
    try {
      const log = console.log;
      console.log = () => {};
      const code = await main(['synth', 'video', '--out', dir, '--frames', '2', '--size', '40', '--seed', '4', '--mesh-spacing', '0.05']);
      console.log = log;
      expect(code).toBe(0);
      const seq = JSON.parse(await readFile(join(dir, 'sequence.json'), 'utf8'));
      expect(seq.command).toBe(`nphm synth video --out ${dir} --frames 2 --size 40 --seed 4 --mesh-spacing 0.05`);
      expect(seq.frames).toHaveLength(2);
      expect(seq.camera.K[0][0]).toBeGreaterThan(0);
      expect(Object.keys(seq.identity).length).toBeGreaterThanOrEqual(12);
      for (const fr of seq.frames) {
        const img = decode(await readFile(join(dir, fr.image)));
        expect([img.width, img.height, img.channels]).toEqual([40, 40, 3]);
        const mask = decode(await readFile(join(dir, fr.mask)));
        expect([mask.width, mask.height, mask.channels]).toEqual([40, 40, 1]);
        expect(Math.max(...mask.data)).toBeLessThanOrEqual(14);
        expect(new Set(mask.data).size).toBeGreaterThan(3);
        expect(fr.landmarks2d).toHaveLength(68);
        expect(fr.landmarksVisible).toHaveLength(68);
        expect(fr.landmarks3d).toHaveLength(68);
        expect(fr.anchors).toHaveLength(65);
        expect(fr.pose.R).toHaveLength(3);
        expect(Object.keys(fr.expression).length).toBeGreaterThanOrEqual(8);
        const ply = await readFile(join(dir, fr.mesh));
        const header = ply.subarray(0, 600).toString('latin1');
        expect(header.startsWith('ply\nformat binary_little_endian 1.0')).toBe(true);
        const nv = Number(/element vertex (\d+)/.exec(header)![1]);
        const nf = Number(/element face (\d+)/.exec(header)![1]);
        expect(nv).toBeGreaterThan(500);
        expect(nf).toBeGreaterThan(nv);
      }
      expect((await readdir(join(dir, 'frames'))).length).toBe(2);
      // bad flags are usage errors
      const err = console.error;
      console.error = () => {};
      expect(await main(['synth', 'video', '--out', dir, '--frames', 'x', '--size', '40', '--seed', '1'])).toBe(2);
      console.error = err;
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('shipped sample public/samples/synthetic-a', () => {
  const root = new URL('../../public/samples/synthetic-a/', import.meta.url);
  it('is complete, within 5 MB, and its masks are reproduced from the manifest', async () => {
    const seq = JSON.parse(await readFile(new URL('sequence.json', root), 'utf8'));
    expect(seq.command).toMatch(/^nphm synth video --out public\/samples\/synthetic-a /);
    let bytes = 0;
    for (const fr of seq.frames) for (const f of [fr.image, fr.mask, fr.mesh]) bytes += (await readFile(new URL(f, root))).length;
    expect(bytes).toBeLessThan(5e6);
    // frame 0 again from the recorded parameters: the same labels
    const fr = seq.frames[0];
    const head = new ProceduralHead({ identity: seq.identity, appearance: seq.appearance, expression: fr.expression });
    const R = fr.pose.R.flat();
    const cam = { width: seq.camera.width, height: seq.camera.height, fx: seq.camera.K[0][0], fy: seq.camera.K[1][1], cx: seq.camera.K[0][2], cy: seq.camera.K[1][2], R: seq.camera.R.flat(), t: seq.camera.t };
    const f = renderHead(head, cam, { R, t: fr.pose.t });
    const mask = decode(await readFile(new URL(fr.mask, root)));
    let differ = 0;
    for (let i = 0; i < f.labels.length; i++) if (f.labels[i] !== mask.data[i]) differ++;
    // the manifest rounds the pose to 1e-5: a handful of boundary pixels may change
    expect(differ).toBeLessThan(0.002 * f.labels.length);
  });
});

describe('SH-9 shading', () => {
  it('constant SH (c₀ = 1/0.28209) shades like ambient 1, and the basis matches reference §3', () => {
    const head = new ProceduralHead();
    const cam = sequenceCamera(32);
    const pose = { R: axisAngleToMatrix(0, 0, 0), t: [0, 0, 0] };
    const sh = new Array(27).fill(0);
    for (let c = 0; c < 3; c++) sh[c] = 1 / 0.28209;
    const a = renderHead(head, cam, pose, { sh, occlusion: false });
    const b = renderHead(head, cam, pose, { ambient: 1, diffuse: 0, occlusion: false });
    expect(Array.from(a.rgb)).toEqual(Array.from(b.rgb));
    // z-only coefficient: shading = 1.02333·n_z (OpenGL: +z towards the camera)
    const shz = new Array(27).fill(0);
    shz[3 * 3] = 1;
    expect(shShading(shz, 0, 0, 1, 0)).toBeCloseTo(1.02333, 5);
    expect(shShading(shz, 0, 0, 1, 1)).toBe(0);
  });
});
