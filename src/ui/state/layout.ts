/**
 * Auto-arrange: a simple layered layout. Layers are longest-path ranks from the sources; within a
 * layer nodes are ordered by the mean position of their inputs (one barycentre sweep), which keeps
 * most edges from crossing in the small DAGs of a notebook.
 */
/** Width of a node card, and the height it is given for layout (room for its preview when it has outputs). */
export const NODE_WIDTH = 220;
export const layoutHeight = (domHeight: number | undefined, hasOutputs: boolean): number => Math.max(domHeight || 150, hasOutputs ? 230 : 100);

export interface LayoutInput {
  ids: readonly string[];
  edges: readonly (readonly [string, string])[];
  size: (id: string) => { width: number; height: number };
  /** Current positions, used to keep the existing vertical order of ties. */
  current?: (id: string) => { x: number; y: number } | undefined;
}

export function layeredLayout({ ids, edges, size, current }: LayoutInput, gap = { x: 80, y: 40 }): Map<string, { x: number; y: number }> {
  const idSet = new Set(ids);
  const preds = new Map<string, string[]>(ids.map((id) => [id, []]));
  const succs = new Map<string, string[]>(ids.map((id) => [id, []]));
  for (const [a, b] of edges) {
    if (!idSet.has(a) || !idSet.has(b) || a === b) continue;
    preds.get(b)!.push(a);
    succs.get(a)!.push(b);
  }
  // Longest-path rank via Kahn order; nodes on a cycle (invalid graphs) fall back to rank 0.
  const rank = new Map<string, number>();
  const indeg = new Map(ids.map((id) => [id, preds.get(id)!.length]));
  const queue = ids.filter((id) => indeg.get(id) === 0);
  while (queue.length) {
    const id = queue.shift()!;
    const r = Math.max(0, ...preds.get(id)!.map((p) => (rank.get(p) ?? -1) + 1));
    rank.set(id, r);
    for (const s of succs.get(id)!) {
      indeg.set(s, indeg.get(s)! - 1);
      if (indeg.get(s) === 0) queue.push(s);
    }
  }
  for (const id of ids) if (!rank.has(id)) rank.set(id, 0);

  const layers: string[][] = [];
  for (const id of ids) (layers[rank.get(id)!] ??= []).push(id);
  const order = new Map<string, number>();
  layers.forEach((layer, li) => {
    if (li === 0) layer.sort((a, b) => (current?.(a)?.y ?? 0) - (current?.(b)?.y ?? 0));
    else {
      const bary = (id: string) => {
        const ps = preds.get(id)!.filter((p) => order.has(p));
        return ps.length ? ps.reduce((s, p) => s + order.get(p)!, 0) / ps.length : Number.MAX_SAFE_INTEGER;
      };
      layer.sort((a, b) => bary(a) - bary(b) || (current?.(a)?.y ?? 0) - (current?.(b)?.y ?? 0));
    }
    layer.forEach((id, i) => order.set(id, i));
  });

  const out = new Map<string, { x: number; y: number }>();
  let x = 0;
  const heights = layers.map((layer) => layer.reduce((h, id) => h + size(id).height, 0) + gap.y * Math.max(0, layer.length - 1));
  const tallest = Math.max(0, ...heights);
  layers.forEach((layer, li) => {
    let y = (tallest - heights[li]!) / 2;
    let width = 0;
    for (const id of layer) {
      const s = size(id);
      out.set(id, { x: Math.round(x), y: Math.round(y) });
      y += s.height + gap.y;
      width = Math.max(width, s.width);
    }
    x += width + gap.x;
  });
  return out;
}

export interface CardRect {
  id: string;
  x: number;
  y: number;
  w: number;
  h: number;
}

/**
 * Moves that end overlaps between cards by pushing cards down (a preview that arrives makes its
 * card taller and covers the one below; cards keep their columns and their order). Cards are
 * visited top to bottom; each moves just below the lowest card above it that it overlaps.
 */
export function pushApart(cards: readonly CardRect[], gapY = 24): { id: string; x: number; y: number }[] {
  const placed: CardRect[] = [];
  const moves: { id: string; x: number; y: number }[] = [];
  for (const c of [...cards].sort((a, b) => a.y - b.y || a.x - b.x)) {
    let y = c.y;
    for (let moved = true; moved; ) {
      moved = false;
      for (const p of placed)
        if (c.x < p.x + p.w && p.x < c.x + c.w && y < p.y + p.h && p.y < y + c.h) {
          y = p.y + p.h + gapY;
          moved = true;
        }
    }
    if (y !== c.y) moves.push({ id: c.id, x: c.x, y: Math.round(y) });
    placed.push({ ...c, y });
  }
  return moves;
}

/** Below this zoom a card's text is unreadable: Fit stops there and shows the graph's start. */
export const MIN_READABLE_ZOOM = 0.6;

/**
 * The view transform that fits `bounds` into a viewport of `width`×`height` (with `margin` around),
 * never below MIN_READABLE_ZOOM (then the graph's left end shows, centred vertically) nor above 1.
 */
export function fitTransform(bounds: { left: number; top: number; right: number; bottom: number }, width: number, height: number, margin = 30): { k: number; x: number; y: number } {
  const bw = Math.max(1, bounds.right - bounds.left);
  const bh = Math.max(1, bounds.bottom - bounds.top);
  const fit = Math.min((width - 2 * margin) / bw, (height - 2 * margin) / bh);
  const k = Math.max(MIN_READABLE_ZOOM, Math.min(1, fit));
  const x = k === fit || bw * k <= width - 2 * margin ? (width - bw * k) / 2 - bounds.left * k : margin - bounds.left * k;
  const y = bh * k <= height - 2 * margin ? (height - bh * k) / 2 - bounds.top * k : margin - bounds.top * k;
  return { k, x, y };
}
