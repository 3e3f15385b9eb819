/**
 * "Download all": the files the graph's nodes produced, in one zip with the graph that made them
 * (so the folder reproduces its results). Each file under its own name; a name two nodes share
 * gets each node's id in front (the CLI, which writes as results come, prefixes only the later one).
 */
import { zipSync, strToU8 } from 'fflate';
import type { Artifact } from '../../graph/runtime-types.ts';

export interface ZipEntry {
  path: string;
  bytes: number;
}

export function resultsZip(artifacts: Readonly<Record<string, readonly Artifact[]>>, nodeIds: readonly string[], graph: { fileName: string; text: string }): { zip: Uint8Array; entries: ZipEntry[] } {
  const owners = new Map<string, number>();
  for (const id of nodeIds) for (const a of artifacts[id] ?? []) owners.set(a.name, (owners.get(a.name) ?? 0) + 1);
  const files: Record<string, Uint8Array> = {};
  const entries: ZipEntry[] = [];
  const add = (path: string, data: Uint8Array) => {
    files[path] = data;
    entries.push({ path, bytes: data.length });
  };
  add(graph.fileName, strToU8(graph.text));
  for (const id of nodeIds)
    for (const a of artifacts[id] ?? []) {
      const clash = owners.get(a.name)! > 1 || a.name === graph.fileName;
      add(clash ? `${id}-${a.name}` : a.name, typeof a.data === 'string' ? strToU8(a.data) : a.data);
    }
  // PNG, GLB and friends are compressed already: store them, deflate the text formats.
  const zip = zipSync(Object.fromEntries(Object.entries(files).map(([p, d]) => [p, [d, { level: /\.(json|ply|obj|txt|csv)$/i.test(p) ? 6 : 0 }]])) as Parameters<typeof zipSync>[0]);
  return { zip, entries };
}
