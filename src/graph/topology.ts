/** Graph order helpers shared by validation, planning and the editor. */

/** A graph's edges as [from node, to node] pairs, the form every helper here takes. */
export function nodeLinks(edges: readonly { from: { node: string }; to: { node: string } }[]): (readonly [string, string])[] {
  return edges.map((e) => [e.from.node, e.to.node] as const);
}

/** Kahn's algorithm; ties broken by the order of `ids` so plans are deterministic. */
export function topologicalOrder(ids: readonly string[], edges: readonly (readonly [string, string])[]): string[] | undefined {
  const indeg = new Map(ids.map((id) => [id, 0]));
  const out = new Map<string, string[]>(ids.map((id) => [id, []]));
  for (const [a, b] of edges) {
    if (!indeg.has(a) || !indeg.has(b)) continue;
    out.get(a)!.push(b);
    indeg.set(b, indeg.get(b)! + 1);
  }
  const ready = ids.filter((id) => indeg.get(id) === 0);
  const order: string[] = [];
  // A read index instead of shift(): shifting a long queue is linear each time.
  for (let head = 0; head < ready.length; head++) {
    const id = ready[head]!;
    order.push(id);
    for (const n of out.get(id)!) {
      const d = indeg.get(n)! - 1;
      indeg.set(n, d);
      if (d === 0) ready.push(n);
    }
  }
  return order.length === ids.length ? order : undefined;
}

/** One cycle as a list of node ids, or undefined when the graph is acyclic. */
export function findCycle(ids: readonly string[], edges: readonly (readonly [string, string])[]): string[] | undefined {
  const out = new Map<string, string[]>(ids.map((id) => [id, []]));
  for (const [a, b] of edges) out.get(a)?.push(b);
  const state = new Map<string, 1 | 2>();
  for (const start of ids) {
    if (state.has(start)) continue;
    // Iterative DFS: graphs from files can be deep enough to overflow recursion.
    const stack: [string, number][] = [[start, 0]];
    const path: string[] = [start];
    state.set(start, 1);
    while (stack.length) {
      const top = stack[stack.length - 1]!;
      const next = out.get(top[0])![top[1]++];
      if (next === undefined) {
        state.set(top[0], 2);
        stack.pop();
        path.pop();
      } else if (state.get(next) === 1) {
        return path.slice(path.indexOf(next));
      } else if (!state.has(next)) {
        state.set(next, 1);
        stack.push([next, 0]);
        path.push(next);
      }
    }
  }
  return undefined;
}

/** `targets` and everything they depend on. */
export function ancestorsOf(targets: Iterable<string>, edges: readonly (readonly [string, string])[]): Set<string> {
  const into = new Map<string, string[]>();
  for (const [a, b] of edges) {
    const list = into.get(b);
    if (list) list.push(a);
    else into.set(b, [a]);
  }
  const seen = new Set<string>();
  const todo = [...targets];
  while (todo.length) {
    const id = todo.pop()!;
    if (seen.has(id)) continue;
    seen.add(id);
    for (const a of into.get(id) ?? []) todo.push(a);
  }
  return seen;
}

/** `sources` and everything that depends on them. */
export function descendantsOf(sources: Iterable<string>, edges: readonly (readonly [string, string])[]): Set<string> {
  return ancestorsOf(sources, edges.map(([a, b]) => [b, a] as const));
}
