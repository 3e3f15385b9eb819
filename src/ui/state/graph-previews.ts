/**
 * The previews the page keeps for graphs other than the one shown.
 *
 * The worker sends a node's preview once per cache key, and keeps results cached across opens: a
 * preview the page drops is not sent again while that result stays cached. So previews of a graph
 * being left are kept (with a burst still waiting to be drawn), and a preview that arrives after
 * its graph was left (worker events are batched) goes to that graph, not to the one shown.
 */
export class GraphPreviews<P> {
  private readonly byGraph = new Map<string, Record<string, P>>();

  constructor(private readonly graphsKept = 8) {}

  /** Keeps what the page showed of `graphId`, and the previews still pending for it. */
  leave(graphId: string, shown: Record<string, P>, pending: Iterable<[string, P]>): void {
    this.put(graphId, { ...shown, ...Object.fromEntries(pending) });
  }

  /** The previews kept for a graph being opened (empty when none). */
  open(graphId: string): Record<string, P> {
    return this.byGraph.get(graphId) ?? {};
  }

  /** A preview of a graph that is not shown. */
  late(graphId: string, nodeId: string, preview: P): void {
    this.put(graphId, { ...this.byGraph.get(graphId), [nodeId]: preview });
  }

  private put(graphId: string, previews: Record<string, P>): void {
    // Most recently used last: the oldest graph's previews go first.
    this.byGraph.delete(graphId);
    this.byGraph.set(graphId, previews);
    while (this.byGraph.size > this.graphsKept) this.byGraph.delete(this.byGraph.keys().next().value!);
  }
}
