/**
 * Named parameter sets of a graph (`meta.presets`, e.g. `quick` and `full`): resolved against the
 * graph and the node catalog, so the CLI's `--preset` and the studio's preset menu apply the same,
 * checked changes. A preset comes from a file: each entry is validated like a param edit.
 */
import type { GraphDocument, ParamValue } from './document.ts';
import { checkParam, type ParamSpec } from './params.ts';
import type { Problem } from './problems.ts';

export interface PresetChange {
  node: string;
  param: string;
  value: ParamValue;
}

/** What the preset code needs of a catalog (the graph's and the studio's both fit). */
export interface ParamCatalog {
  get(type: string): { params: Readonly<Record<string, ParamSpec>> } | undefined;
}

export function presetNames(graph: GraphDocument): string[] {
  return Object.keys(graph.meta.presets ?? {});
}

/** The param changes a preset makes, and the problems that stop it from being applied. */
export function presetChanges(graph: GraphDocument, name: string, catalog: ParamCatalog): { changes: PresetChange[]; problems: Problem[] } {
  const preset = Object.hasOwn(graph.meta.presets ?? {}, name) ? graph.meta.presets![name] : undefined;
  if (!preset) {
    const names = presetNames(graph);
    return { changes: [], problems: [{ severity: 'error', path: '$.meta.presets', message: `no preset '${name}'${names.length ? `; the graph has ${names.join(', ')}` : ''}` }] };
  }
  const changes: PresetChange[] = [];
  const problems: Problem[] = [];
  for (const [nodeId, params] of Object.entries(preset)) {
    const path = `$.meta.presets.${name}.${nodeId}`;
    const node = graph.nodes.find((n) => n.id === nodeId);
    if (!node) {
      problems.push({ severity: 'error', path, message: `preset '${name}' names missing node '${nodeId}'` });
      continue;
    }
    const specs = catalog.get(node.type)?.params;
    for (const [param, value] of Object.entries(params)) {
      const spec = specs && Object.hasOwn(specs, param) ? specs[param] : undefined;
      const reason = !specs ? `unknown node type '${node.type}'` : !spec ? `node '${nodeId}' (${node.type}) has no param '${param}'` : checkParam(spec, value);
      if (reason) problems.push({ severity: 'error', path: `${path}.${param}`, nodeId, message: `preset '${name}': ${reason}` });
      else changes.push({ node: nodeId, param, value });
    }
  }
  return { changes, problems };
}

/** Applies a preset to the graph in place; nothing changes when any entry is invalid. */
export function applyPreset(graph: GraphDocument, name: string, catalog: ParamCatalog): Problem[] {
  const { changes, problems } = presetChanges(graph, name, catalog);
  if (problems.length) return problems;
  for (const c of changes) graph.nodes.find((n) => n.id === c.node)!.params[c.param] = c.value;
  return [];
}
