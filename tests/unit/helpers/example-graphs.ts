/** The shipped example graphs (graphs/*.graph.json) and their presets' params, for the example-graph tests. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const exampleGraph = (name: string) => fileURLToPath(new URL(`../../../graphs/${name}.graph.json`, import.meta.url));

/** A node param of a graph's preset, as shipped. */
export const exampleGraphParam = (name: string, preset: string, node: string, param: string): number =>
  JSON.parse(readFileSync(exampleGraph(name), 'utf8')).meta.presets[preset][node][param];
