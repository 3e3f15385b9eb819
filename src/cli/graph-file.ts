import { readFile, stat } from 'node:fs/promises';
import type { NodeCatalog } from '../graph/catalog.ts';
import { MAX_GRAPH_BYTES } from '../graph/document.ts';
import { loadGraphText, type LoadResult } from '../graph/load.ts';

/** Reads a graph file from disk, refusing oversized files before reading them. */
export async function readGraphFile(path: string, catalog: NodeCatalog): Promise<LoadResult> {
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return { graph: null, problems: [{ severity: 'error', path: '$', message: code === 'ENOENT' ? 'no such file' : `cannot read the file (${code ?? String(e)})` }] };
  }
  if (size > MAX_GRAPH_BYTES) return { graph: null, problems: [{ severity: 'error', path: '$', message: `file is ${size} bytes; graph files are limited to ${MAX_GRAPH_BYTES} bytes` }] };
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    return { graph: null, problems: [{ severity: 'error', path: '$', message: `cannot read the file (${(e as NodeJS.ErrnoException).code ?? String(e)})` }] };
  }
  return loadGraphText(text, catalog);
}
