import { canonicalStringify, contentHash } from './canonical-json.ts';
import { semanticPart, type GraphDocument } from './document.ts';

/**
 * Nodes and edges sorted by id, keys sorted, two-space indent: stable bytes for diffs and hashes.
 * `compact` drops the indent (share links, where every byte of the URL counts).
 */
export function serializeGraph(doc: GraphDocument, opts: { compact?: boolean } = {}): string {
  const { extra, ...known } = doc;
  const sorted = {
    ...(extra ?? {}),
    ...known,
    nodes: [...doc.nodes].sort((a, b) => cmp(a.id, b.id)),
    edges: [...doc.edges].sort((a, b) => cmp(a.id, b.id)),
  };
  return opts.compact ? canonicalStringify(sorted) : `${canonicalStringify(sorted, 2)}\n`;
}

/** Hash of what determines results (not layout, titles or comments). */
export function graphHash(doc: GraphDocument): string {
  const sem = semanticPart(doc);
  return contentHash({ ...sem, nodes: [...sem.nodes].sort((a, b) => cmp(a.id, b.id)).map(({ label: _l, ...n }) => n), edges: [...sem.edges].sort((a, b) => cmp(a.id, b.id)) });
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
