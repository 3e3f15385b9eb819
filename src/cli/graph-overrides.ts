import type { GraphDocument } from '../graph/document.ts';
import type { NodeCatalog } from '../graph/catalog.ts';
import { checkParam, parseParamText } from '../graph/params.ts';
import type { Problem } from '../graph/problems.ts';
import { quoteForMessage } from '../graph/safe-text.ts';

/**
 * Applies `--set NODE.PARAM=VALUE` overrides; node ids may contain dots, param names do not.
 * `fileValue` maps the text given for a file param (a path on the command line) to the value set.
 */
export function applySets(graph: GraphDocument, sets: readonly string[], catalog: NodeCatalog, fileValue: (text: string) => string = (t) => t): Problem[] {
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
    const specs = node && catalog.get(node.type)?.params;
    // Own properties only: `constructor` or `toString` are not params.
    const spec = specs && Object.hasOwn(specs, param) ? specs[param] : undefined;
    if (!node) problems.push({ severity: 'error', path, message: `no node ${quoteForMessage(nodeId)}` });
    else if (!spec) problems.push({ severity: 'error', path, nodeId, message: `node '${nodeId}' (${node.type}) has no param ${quoteForMessage(param)}` });
    else {
      const value = spec.type === 'file' ? fileValue(text) : parseParamText(spec, text);
      const reason = checkParam(spec, value);
      if (reason) problems.push({ severity: 'error', path, nodeId, message: `param '${param}': ${reason}` });
      else node.params[param] = value;
    }
  }
  return problems;
}
