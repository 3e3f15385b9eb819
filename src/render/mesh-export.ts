/**
 * Mesh export to PLY (binary little-endian), OBJ and GLB through three.js's own exporters, with an
 * optional provenance string (e.g. a JSON with the graph hash) embedded in the file:
 * - PLY: one `comment provenance <json>` header line (the header is ASCII also in binary PLY);
 * - OBJ: a leading `# provenance <json>` comment line;
 * - GLB: `extras.provenance` of the mesh node (three.js userData → glTF extras) and of the scene.
 * Newlines in the string are escaped (JSON strings have none once serialised).
 *
 * Colours: `MeshData.colors` are display values in [0, 1] (sRGB-encoded, like the original's
 * (c + 1)/2·255). three.js keeps vertex colours in its linear working space and its PLY/OBJ exporters
 * encode to sRGB on output, so colours are decoded to linear here and come out unchanged in PLY/OBJ;
 * glTF COLOR_0 is linear by specification, so GLB viewers show the same colours.
 *
 * GLTFExporter's binary path uses FileReader, which Node 20 lacks: a minimal Blob-based stand-in is
 * installed for the duration of the export when (and only when) the global is missing.
 */
import * as THREE from 'three';
import { PLYExporter } from 'three/examples/jsm/exporters/PLYExporter.js';
import { OBJExporter } from 'three/examples/jsm/exporters/OBJExporter.js';
import { GLTFExporter } from 'three/examples/jsm/exporters/GLTFExporter.js';
import type { MeshData } from './mesh.ts';

export type MeshFormat = 'ply' | 'obj' | 'glb';

export function meshFormatOf(path: string): MeshFormat {
  const ext = path.toLowerCase().split('.').pop();
  if (ext === 'ply' || ext === 'obj' || ext === 'glb') return ext;
  throw new Error(`mesh export: unknown extension of '${path}' (use .ply, .obj or .glb)`);
}

const srgbToLinear = (c: number) => (c <= 0.04045 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4));

/** A three.js mesh of MeshData (indexed BufferGeometry with optional normal and colour attributes). */
export function toThreeMesh(mesh: MeshData, name = 'nphm-mesh'): THREE.Mesh {
  const g = new THREE.BufferGeometry();
  g.setAttribute('position', new THREE.BufferAttribute(mesh.positions, 3));
  g.setIndex(new THREE.BufferAttribute(mesh.indices, 1));
  if (mesh.normals) g.setAttribute('normal', new THREE.BufferAttribute(mesh.normals, 3));
  if (mesh.colors) g.setAttribute('color', new THREE.BufferAttribute(mesh.colors.map(srgbToLinear), 3));
  const m = new THREE.Mesh(g, new THREE.MeshStandardMaterial({ vertexColors: !!mesh.colors }));
  m.name = name;
  return m;
}

function oneLine(s: string): string {
  return s.replace(/\r?\n/g, '\\n');
}

export interface ExportOptions {
  /** Provenance text (typically JSON) embedded in the file. */
  provenance?: string;
}

export function exportPly(mesh: MeshData, opts: ExportOptions = {}): Uint8Array {
  // No callback: with one, PLYExporter defers it through requestAnimationFrame (absent in Node and workers).
  const out = new PLYExporter().parse(toThreeMesh(mesh), undefined as never, { binary: true, littleEndian: true }) as ArrayBuffer | null;
  if (!out) throw new Error('mesh export: PLYExporter produced nothing');
  const bytes = new Uint8Array(out);
  if (opts.provenance === undefined) return bytes;
  // Insert the comment after the `format …` line (first two header lines).
  const head = new TextDecoder().decode(bytes.subarray(0, Math.min(bytes.length, 256)));
  const at = head.indexOf('\n', head.indexOf('format')) + 1;
  if (at <= 0) throw new Error('mesh export: unexpected PLY header from PLYExporter');
  const comment = new TextEncoder().encode(`comment provenance ${oneLine(opts.provenance)}\n`);
  const merged = new Uint8Array(bytes.length + comment.length);
  merged.set(bytes.subarray(0, at), 0);
  merged.set(comment, at);
  merged.set(bytes.subarray(at), at + comment.length);
  return merged;
}

export function exportObj(mesh: MeshData, opts: ExportOptions = {}): string {
  const body = new OBJExporter().parse(toThreeMesh(mesh));
  return opts.provenance === undefined ? body : `# provenance ${oneLine(opts.provenance)}\n${body}`;
}

/** Minimal FileReader (readAsArrayBuffer / readAsDataURL) on top of Blob, for GLTFExporter in Node. */
class BlobFileReader {
  result: ArrayBuffer | string | null = null;
  onloadend: (() => void) | null = null;
  readAsArrayBuffer(blob: Blob): void {
    void blob.arrayBuffer().then((b) => {
      this.result = b;
      this.onloadend?.();
    });
  }
  readAsDataURL(blob: Blob): void {
    void blob.arrayBuffer().then((b) => {
      let s = '';
      const u = new Uint8Array(b);
      for (let i = 0; i < u.length; i += 0x8000) s += String.fromCharCode(...u.subarray(i, i + 0x8000));
      this.result = `data:${blob.type || 'application/octet-stream'};base64,${btoa(s)}`;
      this.onloadend?.();
    });
  }
}

export async function exportGlb(mesh: MeshData, opts: ExportOptions = {}): Promise<Uint8Array> {
  const m = toThreeMesh(mesh);
  const scene = new THREE.Scene();
  scene.add(m);
  if (opts.provenance !== undefined) {
    m.userData = { provenance: opts.provenance };
    scene.userData = { provenance: opts.provenance };
  }
  const g = globalThis as { FileReader?: unknown };
  const installed = g.FileReader === undefined;
  if (installed) g.FileReader = BlobFileReader;
  try {
    const out = await new GLTFExporter().parseAsync(scene, { binary: true });
    return new Uint8Array(out as ArrayBuffer);
  } finally {
    if (installed) delete g.FileReader;
  }
}

/** Exports in the given format: bytes for PLY and GLB, UTF-8 bytes for OBJ. */
export async function exportMesh(mesh: MeshData, format: MeshFormat, opts: ExportOptions = {}): Promise<Uint8Array> {
  if (format === 'ply') return exportPly(mesh, opts);
  if (format === 'obj') return new TextEncoder().encode(exportObj(mesh, opts));
  return exportGlb(mesh, opts);
}
