import type { NodeCatalog } from '../graph/catalog.ts';
import { MAX_GRAPH_BYTES } from '../graph/document.ts';
import { loadGraphText, type LoadResult } from '../graph/load.ts';
import { LocalFileError, readLocalFile } from './local-files.ts';

/**
 * Reads a graph file from disk: a regular file only (a FIFO would block, a device never ends),
 * refused when oversized before any byte is read.
 */
export async function readGraphFile(path: string, catalog: NodeCatalog): Promise<LoadResult> {
  let bytes: Uint8Array;
  try {
    bytes = readLocalFile(path, 'graph', MAX_GRAPH_BYTES);
  } catch (e) {
    if (!(e instanceof LocalFileError)) throw e;
    // The caller prints the file's name before each problem.
    const message = e.size !== undefined && e.size > MAX_GRAPH_BYTES ? `file is ${e.size} bytes; graph files are limited to ${MAX_GRAPH_BYTES} bytes` : e.problem;
    return { graph: null, problems: [{ severity: 'error', path: '$', message }] };
  }
  return loadGraphText(new TextDecoder().decode(bytes), catalog);
}
