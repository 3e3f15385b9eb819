import { defineNode } from '../contract.ts';
import { exportMesh, type MeshFormat } from '../../render/mesh-export.ts';
import type { MeshData } from '../../render/mesh.ts';
import { withField } from './fields.ts';
import { extractMesh } from '../../render/mesh.ts';
import { threadedPoints } from '../../track/state-render.ts';
import { modelToWorldNumbers } from './pose-math.ts';
import type { CodeSequenceValue, FieldValue } from './values.ts';

export const meshExportNode = defineNode({
  type: 'nphm.meshExport',
  typeVersion: 1,
  title: 'MeshExport',
  category: 'Output',
  description: 'Marching cubes of the SDF over MonoNPHM\'s box (min [−0.55, −0.5, −0.95], max [0.55, 0.75, 0.4]), vertex normals from the field gradient and vertex colours from the texture field; OBJ, PLY or GLB through three.js\'s exporters. With a code sequence: one mesh per tracked frame.',
  inputs: {
    field: { type: 'field', description: 'the SDF (and colour) to mesh' },
    sequence: { type: 'codeSequence', description: 'mesh every frame of a tracking result (its codes override the field\'s)', optional: true },
  },
  outputs: { mesh: { type: 'mesh', description: 'the mesh (of the first exported frame)' } },
  params: {
    resolution: { type: 'number', default: 64, integer: true, min: 16, max: 512, description: 'grid samples per axis (paper: 150–300)' },
    format: { type: 'enum', default: 'ply', options: ['ply', 'obj', 'glb'], description: 'file format' },
    vertexColors: { type: 'boolean', default: true, description: 'colour vertices with the texture field' },
    space: { type: 'enum', default: 'model', options: ['model', 'world'], description: 'model space, or world space through the inverse of each frame\'s tracked pose' },
    allFrames: { type: 'boolean', default: true, description: 'with a sequence: every frame (else only `frame`)' },
    frame: { type: 'number', default: 0, integer: true, min: 0, max: 100000, description: 'frame when not exporting all' },
    filename: { type: 'string', default: 'head', maxLength: 64, description: 'file name (frame number and extension are appended)' },
  },
  run: async (inputs, p, ctx) => {
    const field = inputs.field as FieldValue;
    const seq = inputs.sequence as CodeSequenceValue | undefined;
    if (!/^[\w.-]+$/.test(p.filename as string)) throw new Error(`filename '${p.filename}' may only contain letters, digits, '.', '_' and '-'`);
    const frames = seq ? (p.allFrames ? seq.frames.map((_, i) => i) : [Math.min(p.frame as number, seq.frames.length - 1)]) : [-1];
    let first: MeshData | undefined;
    for (const [k, t] of frames.entries()) {
      if (ctx.signal.aborted) throw new Error('cancelled');
      const f = t >= 0 ? seq!.frames[t]! : undefined;
      const value: FieldValue = f ? { ...field, codes: { zGeo: seq!.zGeo, zApp: seq!.zApp, zExp: f.zExp } } : field;
      // Posed-space meshes of headless runs go to the worker threads when there are any.
      const batch = value.canonical ? undefined : threadedPoints(value.model.model, value.codes);
      const mesh = await withField(value, (rf) =>
        extractMesh(rf, {
          ...(batch ? { batch } : {}),
          resolution: p.resolution as number,
          colors: p.vertexColors as boolean,
          ...(seq && p.vertexColors ? { colorA: [0, 1, 2].map((r) => Array.from(seq.colorA.subarray(3 * r, 3 * r + 3))), colorB: Array.from(seq.colorB) } : {}),
          signal: ctx.signal,
          onLayer: (z, nz) => {
            ctx.progress((k + z / nz) / frames.length, `frame ${Math.max(t, 0)}`);
          },
        }),
      );
      if (p.space === 'world' && f) mesh.positions = modelToWorldNumbers(mesh.positions, f);
      if (p.space === 'world' && f && mesh.normals) mesh.normals = modelToWorldNumbers(mesh.normals, { rot: f.rot, trans: [0, 0, 0] });
      if (mesh.indices.length === 0) ctx.log(`frame ${Math.max(t, 0)}: the zero level set is empty in the box (no surface)`);
      const suffix = t >= 0 ? `-${String(t).padStart(4, '0')}` : '';
      const fmt = p.format as MeshFormat;
      ctx.artifact({ name: `${p.filename}${suffix}.${fmt}`, mime: fmt === 'glb' ? 'model/gltf-binary' : fmt === 'obj' ? 'text/plain' : 'application/octet-stream', data: await exportMesh(mesh, fmt, { provenance: ctx.provenance() }) });
      first ??= mesh;
    }
    return { mesh: first! };
  },
  preview: (o) => {
    const m = o.mesh as MeshData;
    return { kind: 'mesh', positions: m.positions.slice(), indices: m.indices.slice(), ...(m.colors ? { colors: m.colors.slice() } : {}), caption: `${m.positions.length / 3} vertices` };
  },
});
