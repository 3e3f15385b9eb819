/** Node file I/O for the studio weight format (the format itself is in src/nphm/weights). */
import { statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { jsonSyntaxMessage } from '../graph/json-text.ts';
import { escapeControlChars } from '../graph/safe-text.ts';
import { readLocalFile, readLocalText } from './local-files.ts';
import { ensureWritableDir } from './output-dir.ts';
import { readStudioWeights, STUDIO_MANIFEST_FILE, validateManifest, type ReadStudioOptions, type StudioWeights } from '../nphm/weights/studio-format.ts';

/** Reads `DIR/model.json` and the binary it names. `path` may also be the manifest file itself. */
export function readStudioWeightsDir(path: string, opts: ReadStudioOptions = {}): StudioWeights {
  let isDir: boolean;
  try {
    isDir = statSync(path).isDirectory();
  } catch (e) {
    throw new Error(`studio weights: ${escapeControlChars(path)}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or folder' : `cannot read (${(e as NodeJS.ErrnoException).code ?? 'error'})`}`);
  }
  const manifestPath = isDir ? join(path, STUDIO_MANIFEST_FILE) : path;
  const dir = dirname(manifestPath);
  const text = readLocalText(manifestPath, 'studio weights manifest');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new Error(`studio weights: ${escapeControlChars(manifestPath)}: not valid JSON: ${jsonSyntaxMessage(e, text)}`);
  }
  const manifest = validateManifest(json);
  // The manifest says how large the binary is: a larger file (or a FIFO, a device) is not read.
  const bin = readLocalFile(join(dir, manifest.weights.file), 'studio weights binary', manifest.weights.byteLength);
  return readStudioWeights(manifest, bin, opts);
}

/** Writes the manifest text and binary from `writeStudioWeights` into `dir` (created if needed). */
export function writeStudioWeightsDir(dir: string, written: { json: string; bin: Uint8Array; manifest: { weights: { file: string } } }): void {
  ensureWritableDir(dir);
  writeFileSync(join(dir, written.manifest.weights.file), written.bin);
  writeFileSync(join(dir, STUDIO_MANIFEST_FILE), written.json);
}
