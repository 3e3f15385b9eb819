import { existsSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
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
export interface GraphRunOptions {
  preset?: string;
  sets?: string[];
  /** Folders the graph may read assets from besides its own folder and the studio's public one. */
  assetDirs?: string[];
  onEvent?: (e: EngineEvent) => void;
}

export async function prepareGraphRun(file: string, opts: GraphRunOptions = {}): Promise<LoadedRun> {
  const registry = builtinRegistry();
  const loaded = await readGraphFile(file, registry);
  const problems = [...loaded.problems];
  // A file named on the command line (`--set head.uri=../models/x/model.json`) is read where the
  // user means it, relative to the working directory, with its folder (a manifest's binary and
  // statistics lie beside it).
  const namedDirs: string[] = [];
  const fileValue = (text: string) => {
    const abs = resolve(text);
    if (/^[a-z][a-z0-9+.-]*:/i.test(text) || !(isAbsolute(text) || existsSync(abs))) return text;
    namedDirs.push(dirname(abs));
    return abs;
  };
  if (loaded.graph) {
    if (opts.preset) problems.push(...applyPreset(loaded.graph, opts.preset, registry));
    problems.push(...applySets(loaded.graph, opts.sets ?? [], registry, fileValue));
  }
  if (!loaded.graph || hasErrors(problems)) throw new Error(`${file}:\n${problems.filter((p) => p.severity === 'error').map(formatProblem).join('\n')}`);
  // The graph's folder and the studio's public folder, never the working directory: a graph must
  // not read whatever lies where it happens to be run.
  const engine = new Engine(registry, { assets: nodeAssetReader([dirname(resolve(file)), PUBLIC_DIR, ...(opts.assetDirs ?? []), ...namedDirs]) });
  const engineProblems = engine.setGraph(loaded.graph);
  if (opts.onEvent) engine.subscribe(opts.onEvent);
  // The engine validates the same graph again: its problems are the loader's, once each.
  const seen = new Set(problems.map(formatProblem));
  return { graph: loaded.graph, engine, problems: [...problems, ...engineProblems.filter((p) => !seen.has(formatProblem(p)))] };
}

export async function runGraphFile(file: string, opts: Parameters<typeof prepareGraphRun>[1] & { previews?: boolean } = {}): Promise<LoadedRun & { summary: RunSummary }> {
  const prepared = await prepareGraphRun(file, opts);
  const summary = await prepared.engine.run({ previews: opts.previews ?? false });
  return { ...prepared, summary };
}
