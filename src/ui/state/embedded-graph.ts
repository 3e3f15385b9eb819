/**
 * Graphs embedded in files the studio exports (provenance): PNG text chunks, GLB extras, the PLY
 * header comment, the OBJ leading comment, and the `provenance` field of JSON results. Dropping
 * such a file on the canvas reopens the graph that made it. Parsing only: nothing is executed.
 */
import { unzlibSync } from 'fflate';

// Not TextDecoder('latin1'): browsers map that label to windows-1252, which changes bytes 0x80–0x9f.
const latin1 = {
  decode(bytes: Uint8Array): string {
    let s = '';
    for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    return s;
  },
};
const utf8 = new TextDecoder();

/** The graph JSON text carried by a provenance string, if it has one. */
export function graphFromProvenance(provenance: unknown): string | undefined {
  let p: unknown = provenance;
  if (typeof p === 'string') {
    try {
      p = JSON.parse(p);
    } catch {
      return undefined;
    }
  }
  if (!p || typeof p !== 'object') return undefined;
  const graph = (p as { graph?: unknown }).graph;
  if (!graph || typeof graph !== 'object') return undefined;
  // Exports carry the graph without its version: read it as version 2 (the first that exported);
  // the upgrade from 2 changes nothing, so a newer export's notebook comes through.
  return JSON.stringify({ format: 'nphm-studio/graph', schemaVersion: 2, ...(graph as object) });
}

function pngTexts(bytes: Uint8Array): string[] {
  const out: string[] = [];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let off = 8;
  while (off + 12 <= bytes.length) {
    const len = view.getUint32(off);
    const type = latin1.decode(bytes.subarray(off + 4, off + 8));
    const data = bytes.subarray(off + 8, Math.min(bytes.length, off + 8 + len));
    off += 12 + len;
    const nul = data.indexOf(0);
    if (nul < 0) continue;
    try {
      if (type === 'tEXt') out.push(latin1.decode(data.subarray(nul + 1)));
      else if (type === 'zTXt') out.push(latin1.decode(unzlibSync(data.subarray(nul + 2))));
      else if (type === 'iTXt') {
        const compressed = data[nul + 1] === 1;
        let p = nul + 3;
        p = data.indexOf(0, p) + 1; // language tag
        p = data.indexOf(0, p) + 1; // translated keyword
        if (p <= 0) continue;
        const body = data.subarray(p);
        out.push(utf8.decode(compressed ? unzlibSync(body) : body));
      }
    } catch {
      // a damaged chunk: skip it
    }
    if (type === 'IEND') break;
  }
  return out;
}

function glbJson(bytes: Uint8Array): unknown {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // 12-byte header (magic, version, length), then the first chunk: length, type 'JSON', data.
  if (bytes.length < 20 || view.getUint32(16, true) !== 0x4e4f534a) return undefined;
  const len = view.getUint32(12, true);
  try {
    return JSON.parse(utf8.decode(bytes.subarray(20, 20 + len)));
  } catch {
    return undefined;
  }
}

/** The graph text embedded in an exported file, or undefined when there is none. */
export function embeddedGraphText(bytes: Uint8Array): string | undefined {
  const head = latin1.decode(bytes.subarray(0, 8));
  if (head.startsWith('\x89PNG')) {
    for (const t of pngTexts(bytes)) {
      const g = graphFromProvenance(t);
      if (g) return g;
    }
    return undefined;
  }
  if (head.startsWith('glTF')) {
    const json = glbJson(bytes) as { nodes?: { extras?: { provenance?: unknown } }[]; scenes?: { extras?: { provenance?: unknown } }[]; asset?: { extras?: { provenance?: unknown } } } | undefined;
    const candidates = [...(json?.scenes ?? []), ...(json?.nodes ?? []), json?.asset].map((x) => x?.extras?.provenance);
    for (const c of candidates) {
      const g = graphFromProvenance(c);
      if (g) return g;
    }
    return undefined;
  }
  // Text formats: look at the first 64 KB only (headers and leading comments).
  const text = utf8.decode(bytes.subarray(0, 65536));
  const line = /^(?:comment|#) provenance (.*)$/m.exec(text);
  if (line) return graphFromProvenance(line[1]);
  if (text.trimStart().startsWith('{')) {
    try {
      const v = JSON.parse(utf8.decode(bytes)) as { provenance?: unknown };
      return graphFromProvenance(v.provenance);
    } catch {
      return undefined;
    }
  }
  return undefined;
}
