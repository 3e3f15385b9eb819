/**
 * Random access to the entries of a zip archive held in memory, with every size checked before
 * anything is allocated: the central directory is read to learn each entry's declared sizes and
 * where its data lies; a stored entry is returned as a view of the archive (no copy), a deflated
 * one is inflated by fflate's streaming `Inflate` and stopped as soon as it produces more than its
 * declared size (a zip bomb cannot grow past what the caller agreed to). Only what a torch.save
 * archive uses is supported: stored and deflated entries, zip64 sizes, no encryption.
 */
import { Inflate } from 'fflate';

export class ZipError extends Error {}

export interface ZipEntry {
  name: string;
  /** 0 = stored, 8 = deflated. */
  method: number;
  compressedSize: number;
  /** The uncompressed size the central directory declares. */
  size: number;
  /** Offset of the local file header. */
  headerOffset: number;
}

const fail = (msg: string): never => {
  throw new ZipError(msg);
};

/** More entries than this is not a checkpoint (a paper model has a few thousand storages). */
export const MAX_ZIP_ENTRIES = 200_000;
const EOCD_SIG = 0x06054b50;
const EOCD64_LOCATOR_SIG = 0x07064b50;
const EOCD64_SIG = 0x06064b50;
const CEN_SIG = 0x02014b50;
const LOC_SIG = 0x04034b50;
const utf8 = new TextDecoder('utf-8');
const latin1 = new TextDecoder('latin1');

/** The central directory of `bytes`, in archive order. */
export function zipEntries(bytes: Uint8Array): ZipEntry[] {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = bytes.length;
  const u16 = (at: number) => (at + 2 <= n ? dv.getUint16(at, true) : fail(`zip structure reaches past the end of the file (byte ${at})`));
  const u32 = (at: number) => (at + 4 <= n ? dv.getUint32(at, true) : fail(`zip structure reaches past the end of the file (byte ${at})`));
  const u64 = (at: number) => {
    if (at + 8 > n) fail(`zip structure reaches past the end of the file (byte ${at})`);
    const v = dv.getBigUint64(at, true);
    return v > BigInt(Number.MAX_SAFE_INTEGER) ? fail(`zip size field ${v} at byte ${at} is too large`) : Number(v);
  };

  // The end-of-central-directory record is in the last 22 + 65535 (comment) bytes.
  let eocd = -1;
  for (let at = n - 22; at >= Math.max(0, n - 22 - 0xffff); at--) {
    if (dv.getUint32(at, true) === EOCD_SIG) {
      eocd = at;
      break;
    }
  }
  if (eocd < 0) fail('no zip end-of-central-directory record (truncated or not a zip archive)');
  let count = u16(eocd + 10);
  let cdSize = u32(eocd + 12);
  let cdOffset = u32(eocd + 16);
  if ((count === 0xffff || cdOffset === 0xffffffff || cdSize === 0xffffffff) && eocd >= 20 && u32(eocd - 20) === EOCD64_LOCATOR_SIG) {
    const z = u64(eocd - 12);
    if (u32(z) !== EOCD64_SIG) fail('zip64 end-of-central-directory record is missing');
    count = u64(z + 32);
    cdSize = u64(z + 40);
    cdOffset = u64(z + 48);
  }
  if (count > MAX_ZIP_ENTRIES) fail(`zip declares ${count} entries; at most ${MAX_ZIP_ENTRIES} are read`);
  if (cdOffset + cdSize > n) fail(`zip central directory (bytes ${cdOffset}..${cdOffset + cdSize}) lies past the end of the file (${n} bytes): truncated`);

  const entries: ZipEntry[] = [];
  let at = cdOffset;
  for (let i = 0; i < count; i++) {
    if (u32(at) !== CEN_SIG) fail(`zip central directory entry ${i} at byte ${at} is corrupt`);
    const flags = u16(at + 8);
    const method = u16(at + 10);
    let compressedSize = u32(at + 20);
    let size = u32(at + 24);
    const nameLen = u16(at + 28);
    const extraLen = u16(at + 30);
    const commentLen = u16(at + 32);
    let headerOffset = u32(at + 42);
    const nameEnd = at + 46 + nameLen;
    if (nameEnd > n) fail(`zip entry ${i}'s name reaches past the end of the file`);
    const name = (flags & 0x800 ? utf8 : latin1).decode(bytes.subarray(at + 46, nameEnd));
    if (flags & 1) fail(`zip entry '${name}' is encrypted`);
    // zip64: the extra field (id 1) holds the 64-bit values whose 32-bit fields are saturated.
    if (size === 0xffffffff || compressedSize === 0xffffffff || headerOffset === 0xffffffff) {
      let x = nameEnd;
      const xEnd = nameEnd + extraLen;
      while (x + 4 <= xEnd && u16(x) !== 1) x += 4 + u16(x + 2);
      if (x + 4 > xEnd) fail(`zip entry '${name}' has saturated sizes and no zip64 field`);
      let f = x + 4;
      if (size === 0xffffffff) (size = u64(f)), (f += 8);
      if (compressedSize === 0xffffffff) (compressedSize = u64(f)), (f += 8);
      if (headerOffset === 0xffffffff) headerOffset = u64(f);
    }
    entries.push({ name, method, compressedSize, size, headerOffset });
    at = nameEnd + extraLen + commentLen;
  }
  return entries;
}

/**
 * The uncompressed bytes of `entry`, refusing more than `maxBytes` from the declared size alone
 * (before anything is inflated) and refusing an entry whose data does not match its declared size.
 */
export function zipEntryData(bytes: Uint8Array, entry: ZipEntry, maxBytes: number): Uint8Array {
  const { name } = entry;
  if (entry.size > maxBytes) fail(`zip entry '${name}' declares ${entry.size} bytes; at most ${maxBytes} are allowed here`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const h = entry.headerOffset;
  if (h + 30 > bytes.length || dv.getUint32(h, true) !== LOC_SIG) fail(`zip entry '${name}': no local header at byte ${h} (truncated or corrupt)`);
  const start = h + 30 + dv.getUint16(h + 26, true) + dv.getUint16(h + 28, true);
  const end = start + entry.compressedSize;
  if (end > bytes.length) fail(`zip entry '${name}' (bytes ${start}..${end}) reaches past the end of the file (${bytes.length} bytes): truncated`);
  const data = bytes.subarray(start, end);
  if (entry.method === 0) {
    if (entry.compressedSize !== entry.size) fail(`stored zip entry '${name}' has ${entry.compressedSize} bytes but declares ${entry.size}`);
    return data;
  }
  if (entry.method !== 8) return fail(`zip entry '${name}' uses compression method ${entry.method}; only stored and deflated entries are read`);
  const out = new Uint8Array(entry.size);
  let filled = 0;
  const inflate = new Inflate((chunk) => {
    if (filled + chunk.length > entry.size) fail(`zip entry '${name}' inflates to more than its declared ${entry.size} bytes`);
    out.set(chunk, filled);
    filled += chunk.length;
  });
  // Small pushes keep the inflater's own buffer small: it is checked after each one.
  const STEP = 1 << 14;
  try {
    for (let i = 0; i < data.length; i += STEP) inflate.push(data.subarray(i, Math.min(data.length, i + STEP)), i + STEP >= data.length);
    if (data.length === 0) inflate.push(data, true);
  } catch (e) {
    if (e instanceof ZipError) throw e;
    fail(`zip entry '${name}' is not valid deflate data (${e instanceof Error ? e.message : String(e)})`);
  }
  if (filled !== entry.size) fail(`zip entry '${name}' inflates to ${filled} bytes, it declares ${entry.size}`);
  return out;
}
