/** Node file I/O for the studio weight format (the format itself is in src/nphm/weights). */
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readStudioWeights, STUDIO_MANIFEST_FILE, validateManifest, type ReadStudioOptions, type StudioWeights } from '../nphm/weights/studio-format.ts';

/** Reads `DIR/model.json` and the binary it names. `path` may also be the manifest file itself. */
export function readStudioWeightsDir(path: string, opts: ReadStudioOptions = {}): StudioWeights {
  const manifestPath = statSync(path).isDirectory() ? join(path, STUDIO_MANIFEST_FILE) : path;
  const dir = manifestPath.slice(0, Math.max(0, manifestPath.lastIndexOf('/'))) || '.';
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(manifestPath, 'utf8'));
  } catch (e) {
    throw new Error(`studio weights: ${manifestPath}: ${e instanceof Error ? e.message : String(e)}`);
  }
  const manifest = validateManifest(json);
  const buf = readFileSync(join(dir, manifest.weights.file));
  return readStudioWeights(manifest, new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength), opts);
}

/** Writes the manifest text and binary from `writeStudioWeights` into `dir` (created if needed). */
export function writeStudioWeightsDir(dir: string, written: { json: string; bin: Uint8Array; manifest: { weights: { file: string } } }): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, written.manifest.weights.file), written.bin);
  writeFileSync(join(dir, STUDIO_MANIFEST_FILE), written.json);
}
