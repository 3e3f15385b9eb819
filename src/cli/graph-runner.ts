import { dirname, resolve } from 'node:path';
import { Engine } from '../graph/engine.ts';
import type { GraphDocument } from '../graph/document.ts';
import { hasErrors, formatProblem, type Problem } from '../graph/problems.ts';
import type { EngineEvent, RunSummary } from '../graph/runtime-types.ts';
import { builtinRegistry } from '../nodes/registry.ts';
import { nodeAssetReader, PUBLIC_DIR } from './assets-node.ts';
import { readGraphFile } from './graph-file.ts';
import { applySets } from './graph-overrides.ts';
import { applyPreset } from '../graph/presets.ts';

export interface LoadedRun {
  graph: GraphDocument;
  engine: Engine;
  problems: Problem[];
}

/**
 * A graph file ready to run headless: loaded, preset and `--set` overrides applied, an engine with
 * the Node asset reader. Throws one message listing the problems when the file has errors.
 */
export async function prepareGraphRun(file: string, opts: { preset?: string; sets?: string[]; onEvent?: (e: EngineEvent) => void } = {}): Promise<LoadedRun> {
  const registry = builtinRegistry();
  const loaded = await readGraphFile(file, registry);
  const problems = [...loaded.problems];
  if (loaded.graph) {
    if (opts.preset) problems.push(...applyPreset(loaded.graph, opts.preset, registry));
    problems.push(...applySets(loaded.graph, opts.sets ?? [], registry));
  }
  if (!loaded.graph || hasErrors(problems)) throw new Error(`${file}:\n${problems.filter((p) => p.severity === 'error').map(formatProblem).join('\n')}`);
  const engine = new Engine(registry, { assets: nodeAssetReader([dirname(resolve(file)), process.cwd(), PUBLIC_DIR]) });
  const setProblems = engine.setGraph(loaded.graph);
  if (opts.onEvent) engine.subscribe(opts.onEvent);
  return { graph: loaded.graph, engine, problems: [...problems, ...setProblems.filter((p) => !problems.includes(p))] };
}

export async function runGraphFile(file: string, opts: Parameters<typeof prepareGraphRun>[1] & { previews?: boolean } = {}): Promise<LoadedRun & { summary: RunSummary }> {
  const prepared = await prepareGraphRun(file, opts);
  const summary = await prepared.engine.run({ previews: opts.previews ?? false });
  return { ...prepared, summary };
}
