import type { GraphDocument } from '../graph/document.ts';
import type { NodeCatalog } from '../graph/catalog.ts';
import { checkParam, parseParamText } from '../graph/params.ts';
import type { Problem } from '../graph/problems.ts';

/** Applies a named preset of the graph's meta (e.g. `quick`, `full`). */
export function applyPreset(graph: GraphDocument, name: string): Problem[] {
  const preset = graph.meta.presets?.[name];
  if (!preset) {
    const names = Object.keys(graph.meta.presets ?? {});
    return [{ severity: 'error', path: '$.meta.presets', message: `no preset '${name}'${names.length ? `; the graph has ${names.join(', ')}` : ''}` }];
  }
  const problems: Problem[] = [];
  for (const [nodeId, params] of Object.entries(preset)) {
    const node = graph.nodes.find((n) => n.id === nodeId);
    if (!node) problems.push({ severity: 'error', path: `$.meta.presets.${name}`, message: `preset names missing node '${nodeId}'` });
    else Object.assign(node.params, params);
  }
  return problems;
}

/** Applies `--set NODE.PARAM=VALUE` overrides; node ids may contain dots, param names do not. */
export function applySets(graph: GraphDocument, sets: readonly string[], catalog: NodeCatalog): Problem[] {
  const problems: Problem[] = [];
  for (const s of sets) {
    const eq = s.indexOf('=');
    const dot = eq < 0 ? -1 : s.lastIndexOf('.', eq);
    const path = `--set ${s}`;
    if (eq < 0 || dot < 1) {
      problems.push({ severity: 'error', path, message: 'expected NODE.PARAM=VALUE' });
      continue;
    }
    const nodeId = s.slice(0, dot), param = s.slice(dot + 1, eq), text = s.slice(eq + 1);
    const node = graph.nodes.find((n) => n.id === nodeId);
    const spec = node && catalog.get(node.type)?.params[param];
    if (!node) problems.push({ severity: 'error', path, message: `no node '${nodeId}'` });
    else if (!spec) problems.push({ severity: 'error', path, nodeId, message: `node '${nodeId}' (${node.type}) has no param '${param}'` });
    else {
      const value = parseParamText(spec, text);
      const reason = checkParam(spec, value);
      if (reason) problems.push({ severity: 'error', path, nodeId, message: `param '${param}': ${reason}` });
      else node.params[param] = value;
    }
  }
  return problems;
}
