import { describe, expect, it } from 'vitest';
import { encode } from 'fast-png';
import { readFileSync } from 'node:fs';
import { embeddedGraphText, graphFromProvenance } from '../../src/ui/state/embedded-graph.ts';

const graph = JSON.parse(readFileSync(new URL('../../graphs/test/tensor-smoke.graph.json', import.meta.url), 'utf8'));
// What the engine writes (engine.provenanceJson): the semantic part plus id, meta and layout.
const provenance = JSON.stringify({ app: 'nphm-studio', graphHash: 'x', graph: { format: graph.format, schemaVersion: graph.schemaVersion, nodes: graph.nodes, edges: graph.edges, id: graph.id, meta: graph.meta, ui: graph.ui } });
const enc = new TextEncoder();
const ids = (text: string | undefined) => (JSON.parse(text!) as { nodes: { id: string }[] }).nodes.map((n) => n.id);

describe('graphs embedded in exported files', () => {
  it('reads the PNG text chunk', () => {
    // tEXt is latin1: non-latin1 characters (the title's arrows) must be escaped by the writer.
    const ascii = provenance.replace(/[\u0100-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
    const png = encode({ width: 2, height: 1, data: new Uint8Array(8).fill(200), channels: 4, depth: 8, text: { 'nphm-studio': ascii } });
    expect(ids(embeddedGraphText(png))).toEqual(['a', 'b', 'ab', 'act', 'total', 'save']);
  });

  it('reads PLY and OBJ header comments', () => {
    const ply = enc.encode(`ply\nformat binary_little_endian 1.0\ncomment provenance ${provenance}\nelement vertex 0\nend_header\n`);
    expect(ids(embeddedGraphText(ply))).toHaveLength(6);
    const obj = enc.encode(`# provenance ${provenance}\nv 0 0 0\n`);
    expect(ids(embeddedGraphText(obj))).toHaveLength(6);
  });

  it('reads GLB scene extras', () => {
    const json = enc.encode(JSON.stringify({ asset: { version: '2.0' }, scenes: [{ extras: { provenance } }], nodes: [] }).padEnd(0));
    const pad = (4 - (json.length % 4)) % 4;
    const total = 12 + 8 + json.length + pad;
    const glb = new Uint8Array(total);
    const v = new DataView(glb.buffer);
    v.setUint32(0, 0x46546c67, true);
    v.setUint32(4, 2, true);
    v.setUint32(8, total, true);
    v.setUint32(12, json.length + pad, true);
    v.setUint32(16, 0x4e4f534a, true);
    glb.set(json, 20);
    glb.fill(0x20, 20 + json.length);
    expect(ids(embeddedGraphText(glb))).toHaveLength(6);
  });

  it('reads the provenance field of JSON results and ignores files without one', () => {
    expect(ids(embeddedGraphText(enc.encode(JSON.stringify({ frames: [], provenance: JSON.parse(provenance) }))))).toHaveLength(6);
    expect(embeddedGraphText(enc.encode('{"frames": []}'))).toBeUndefined();
    expect(embeddedGraphText(enc.encode('solid cube\n'))).toBeUndefined();
    expect(graphFromProvenance('{"app":"x"}')).toBeUndefined();
    expect(graphFromProvenance('not json')).toBeUndefined();
  });
});
