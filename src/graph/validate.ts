import type { GraphDocument } from './document.ts';
import type { NodeCatalog, NodeTypeInfo } from './catalog.ts';
import { checkParam } from './params.ts';
import { pathKey, type Problem } from './problems.ts';
import { canConnect } from './sockets.ts';
import { findCycle } from './topology.ts';

/**
 * Every semantic check of a graph, as a list of problems (never thrown). Used by the loader, the
 * engine before a run, and the editor after each edit. Unknown node types are placeholders: they
 * keep their params and edges, and only running them is an error.
 */
export function validateGraph(graph: GraphDocument, catalog: NodeCatalog): Problem[] {
  const problems: Problem[] = [];
  const nodeIndex = new Map<string, number>();
  const types = new Map<string, NodeTypeInfo | undefined>();

  graph.nodes.forEach((node, i) => {
    const path = `$.nodes[${i}]`;
    const at = { nodeId: node.id };
    if (nodeIndex.has(node.id)) {
      problems.push({ severity: 'error', path: `${path}.id`, message: `duplicate node id '${node.id}' (also at $.nodes[${nodeIndex.get(node.id)}])`, ...at });
      return;
    }
    nodeIndex.set(node.id, i);
    const info = catalog.get(node.type);
    types.set(node.id, info);
    if (!info) {
      problems.push({ severity: 'warning', path: `${path}.type`, message: `unknown node type '${node.type}': kept as a placeholder; running it is an error`, ...at });
      return;
    }
    if (node.typeVersion > info.typeVersion) {
      problems.push({ severity: 'error', path: `${path}.typeVersion`, message: `'${node.type}' version ${node.typeVersion} is newer than this studio's version ${info.typeVersion}`, ...at });
      return;
    }
    if (node.typeVersion < info.typeVersion) {
      problems.push({ severity: 'error', path: `${path}.typeVersion`, message: `'${node.type}' version ${node.typeVersion} was not migrated to version ${info.typeVersion}`, ...at });
    }
    for (const [name, value] of Object.entries(node.params)) {
      // Own properties only: a file's `constructor` or `toString` is not a param of any node.
      const spec = Object.hasOwn(info.params, name) ? info.params[name] : undefined;
      const ppath = pathKey(`${path}.params`, name);
      if (!spec) {
        problems.push({ severity: 'warning', path: ppath, message: `'${node.type}' has no param '${name}': kept but unused`, ...at });
        continue;
      }
      const reason = checkParam(spec, value);
      if (reason) problems.push({ severity: 'error', path: ppath, message: `param '${name}': ${reason}`, ...at });
    }
  });

  const edgeIds = new Set<string>();
  const fedInputs = new Map<string, string>();
  const validEdges: [string, string][] = [];
  graph.edges.forEach((edge, i) => {
    const path = `$.edges[${i}]`;
    const at = { edgeId: edge.id };
    if (edgeIds.has(edge.id)) {
      problems.push({ severity: 'error', path: `${path}.id`, message: `duplicate edge id '${edge.id}'`, ...at });
      return;
    }
    edgeIds.add(edge.id);
    let ok = true;
    const ends = [['from', edge.from], ['to', edge.to]] as const;
    for (const [side, ref] of ends) {
      if (!nodeIndex.has(ref.node)) {
        problems.push({ severity: 'error', path: `${path}.${side}.node`, message: `edge ${side === 'from' ? 'starts' : 'ends'} at missing node '${ref.node}'`, ...at });
        ok = false;
        continue;
      }
      const info = types.get(ref.node);
      const ports = side === 'from' ? info?.outputs : info?.inputs;
      if (ports && !Object.hasOwn(ports, ref.port)) {
        const names = Object.keys(ports);
        problems.push({
          severity: 'error',
          path: `${path}.${side}.port`,
          message: `node '${ref.node}' (${info!.type}) has no ${side === 'from' ? 'output' : 'input'} '${ref.port}'${names.length ? `; it has ${names.join(', ')}` : ''}`,
          ...at,
        });
        ok = false;
      }
    }
    if (!ok) return;
    const outSpec = types.get(edge.from.node)?.outputs[edge.from.port];
    const inSpec = types.get(edge.to.node)?.inputs[edge.to.port];
    if (outSpec && inSpec) {
      const c = canConnect(outSpec.type, inSpec.type);
      if (!c.ok) problems.push({ severity: 'error', path, message: `incompatible sockets: ${c.reason} (${edge.from.node}.${edge.from.port} → ${edge.to.node}.${edge.to.port})`, ...at });
    }
    const inputKey = `${edge.to.node}\u0000${edge.to.port}`;
    const other = fedInputs.get(inputKey);
    if (other) problems.push({ severity: 'error', path: `${path}.to`, message: `input '${edge.to.port}' of node '${edge.to.node}' is already fed by edge '${other}'`, ...at });
    else fedInputs.set(inputKey, edge.id);
    validEdges.push([edge.from.node, edge.to.node]);
  });

  const cycle = findCycle([...nodeIndex.keys()], validEdges);
  if (cycle) {
    const first = cycle[0]!;
    problems.push({ severity: 'error', path: `$.nodes[${nodeIndex.get(first)}]`, message: `cycle: ${[...cycle, first].join(' → ')}`, nodeId: first });
  }
  return problems;
}
