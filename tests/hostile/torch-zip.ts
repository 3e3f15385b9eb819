/**
 * torch.save-style zips for the hostile corpus: built with fflate, then edited where a hostile file
 * differs from anything a zip writer would produce (sizes in the central directory that lie).
 */
import { Deflate, unzipSync, zipSync, type Zippable } from 'fflate';

const enc = new TextEncoder();

export interface ZipFile {
  data: Uint8Array;
  deflate?: boolean;
}

export function makeZip(files: Record<string, Uint8Array | ZipFile>): Uint8Array {
  const z: Zippable = {};
  for (const [name, f] of Object.entries(files)) {
    const file = f instanceof Uint8Array ? { data: f } : f;
    z[name] = [file.data, { level: file.deflate ? 9 : 0 }];
  }
  return zipSync(z);
}

/** A checkpoint zip: `<prefix>/data.pkl`, byteorder, version and one entry per storage. */
export function torchZip(pickle: Uint8Array | ZipFile, storages: Record<string, Uint8Array | ZipFile>, prefix = 'checkpoint'): Uint8Array {
  const files: Record<string, Uint8Array | ZipFile> = {
    [`${prefix}/data.pkl`]: pickle,
    [`${prefix}/byteorder`]: enc.encode('little'),
    [`${prefix}/version`]: enc.encode('3\n'),
  };
  for (const [k, v] of Object.entries(storages)) files[`${prefix}/data/${k}`] = v;
  return makeZip(files);
}

/** The zip with its entries edited (all re-stored uncompressed unless `deflate` names them). */
export function rezip(zip: Uint8Array, edit: (files: Record<string, Uint8Array>) => void): Uint8Array {
  const files = unzipSync(zip);
  edit(files);
  return makeZip(files);
}

/** Deflated zeros, produced in chunks so a large size costs little memory to make. */
export function deflatedZeros(size: number): Uint8Array {
  const parts: Uint8Array[] = [];
  const d = new Deflate({ level: 9 }, (chunk) => void parts.push(chunk));
  const CHUNK = 1 << 20;
  const zeros = new Uint8Array(CHUNK);
  for (let left = size; left > 0; left -= CHUNK) d.push(left > CHUNK ? zeros : zeros.subarray(0, left), left <= CHUNK);
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let at = 0;
  for (const p of parts) (out.set(p, at), (at += p.length));
  return out;
}

/**
 * A zip holding one deflated entry whose data is `deflated` and whose headers declare `declared`
 * uncompressed bytes (a zip bomb either way: a huge honest size, or a small size that lies).
 */
export function zipWithDeflatedEntry(others: Record<string, Uint8Array>, name: string, deflated: Uint8Array, declared: number): Uint8Array {
  // A stored placeholder of the deflated length, then the method and sizes patched to match.
  const zip = makeZip({ ...others, [name]: deflated });
  const dv = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  const nameBytes = enc.encode(name);
  const matches = (at: number, nameAt: number) => nameBytes.every((b, i) => zip[nameAt + i] === b);
  let patched = 0;
  for (let at = 0; at + 46 <= zip.length; at++) {
    const sig = dv.getUint32(at, true);
    if (sig === 0x04034b50 && dv.getUint16(at + 26, true) === nameBytes.length && matches(at, at + 30)) {
      dv.setUint16(at + 8, 8, true);
      dv.setUint32(at + 22, declared, true);
      patched++;
    } else if (sig === 0x02014b50 && dv.getUint16(at + 28, true) === nameBytes.length && matches(at, at + 46)) {
      dv.setUint16(at + 10, 8, true);
      dv.setUint32(at + 24, declared, true);
      patched++;
    }
  }
  if (patched !== 2) throw new Error(`could not patch the headers of '${name}'`);
  return zip;
}

export function floats(values: ArrayLike<number>): Uint8Array {
  return new Uint8Array(Float32Array.from(values).buffer);
}
