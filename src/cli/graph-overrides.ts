import type { GraphDocument } from '../graph/document.ts';
import type { NodeCatalog } from '../graph/catalog.ts';
import { checkParam, parseParamText } from '../graph/params.ts';
import type { Problem } from '../graph/problems.ts';

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
