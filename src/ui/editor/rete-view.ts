/**
 * The rete canvas as a view of the graph document. Gestures (connect, drag a wire off, move nodes)
 * are turned into domain commands on the studio; the document is then reconciled into rete. Rete
 * never changes the document by itself: its own connection adds/removes are refused unless the
 * reconciler asked for them.
 */
import { ClassicPreset, NodeEditor, type GetSchemes } from 'rete';
import { AreaExtensions, AreaPlugin } from 'rete-area-plugin';

interface SelectorEntity {
  label: string;
  id: string;
  unselect(): void | Promise<void>;
  translate(dx: number, dy: number): void | Promise<void>;
}
import { ClassicFlow, ConnectionPlugin, getSourceTarget, type SocketData } from 'rete-connection-plugin';
import { Presets, SveltePlugin, type SvelteArea2D } from 'rete-svelte-plugin/5';
import { defaultParams } from '../../graph/params.ts';
import { canConnect, isSocketType, type SocketType } from '../../graph/sockets.ts';
import { nodeTitle, portsOf, type NodeTypeDescription } from '../catalog.ts';
import type { Command } from '../state/commands.ts';
import { nodeLinks } from '../../graph/topology.ts';
import { fitTransform, layeredLayout, layoutHeight, NODE_WIDTH, pushApart, type CardRect } from '../state/layout.ts';
import type { Studio } from '../studio.svelte.ts';
import CommentCard from './CommentCard.svelte';
import NodeCard from './NodeCard.svelte';
import SocketDot from './SocketDot.svelte';
import Wire from './Wire.svelte';
import type { MinimapSource } from './minimap-source.ts';

export const COMMENT_PREFIX = 'comment:';

export class StudioNode extends ClassicPreset.Node {
  width = NODE_WIDTH;
  height = 120;
  override selected = false;
  constructor(
    readonly docId: string,
    readonly kind: 'node' | 'comment',
    readonly nodeType: string,
    label: string,
    readonly signature: string,
  ) {
    super(label);
    this.id = kind === 'comment' ? COMMENT_PREFIX + docId : docId;
  }
}

export class StudioConnection extends ClassicPreset.Connection<StudioNode, StudioNode> {
  socketType = 'any';
}

type Schemes = GetSchemes<StudioNode, StudioConnection>;
type AreaExtra = SvelteArea2D<Schemes>;

/** Rete ids → document ids (comments carry a prefix so they never collide with nodes). */
export const toDocId = (reteId: string) => (reteId.startsWith(COMMENT_PREFIX) ? reteId.slice(COMMENT_PREFIX.length) : reteId);
/** The nodes of a canvas selection (comments left out), as document ids. */
export const selectedNodeIds = (selected: readonly string[]) => selected.filter((id) => !id.startsWith(COMMENT_PREFIX));

class NotifyingSelector extends AreaExtensions.Selector<SelectorEntity> {
  constructor(private readonly changed: () => void) {
    super();
  }
  override async add(entity: SelectorEntity, accumulate: boolean) {
    await super.add(entity, accumulate);
    this.changed();
  }
  override async remove(entity: Pick<SelectorEntity, 'label' | 'id'>) {
    await super.remove(entity);
    this.changed();
  }
  override async unselectAll() {
    await super.unselectAll();
    this.changed();
  }
}

export interface PaletteRequest {
  /** Position in the canvas container, in CSS pixels. */
  screen: { x: number; y: number };
  title: string;
  filter?: (d: NodeTypeDescription) => boolean;
  pick: (d: NodeTypeDescription) => void;
}

export interface ReteView {
  destroy(): void;
  reconcile(reset?: boolean): Promise<void>;
  editor: NodeEditor<Schemes>;
  area: AreaPlugin<Schemes, AreaExtra>;
}

export async function createReteView(container: HTMLElement, studio: Studio, openPalette: (req: PaletteRequest | null) => void): Promise<ReteView> {
  const editor = new NodeEditor<Schemes>();
  const area = new AreaPlugin<Schemes, AreaExtra>(container);
  const connection = new ConnectionPlugin<Schemes, AreaExtra>();
  const render = new SveltePlugin<Schemes, AreaExtra>();

  const allowAdd = new Set<string>();
  const allowRemove = new Set<string>();
  const allowMove = new Set<string>();
  const modifiers = { accumulate: false };
  /** A wire was pulled off an input during the current gesture (dropping it then just disconnects). */
  let detached = false;
  const onPointerDown = (e: PointerEvent) => {
    modifiers.accumulate = e.ctrlKey || e.metaKey || e.shiftKey;
    detached = false;
  };
  window.addEventListener('pointerdown', onPointerDown, true);

  const selector = new NotifyingSelector(() => queueMicrotask(syncSelection));
  const selectable = AreaExtensions.selectableNodes(area, selector, { accumulating: { active: () => modifiers.accumulate } });
  function syncSelection() {
    const ids = [...selector.entities.values()].filter((e) => e.label === 'node').map((e) => e.id);
    if (ids.length !== studio.selected.length || ids.some((id, i) => id !== studio.selected[i])) studio.selected = ids;
  }
  AreaExtensions.simpleNodesOrder(area);

  render.addPreset(
    Presets.classic.setup({
      customize: {
        node: (ctx) => ((ctx.payload as StudioNode).kind === 'comment' ? CommentCard : NodeCard) as unknown as never,
        socket: () => SocketDot as unknown as never,
        connection: () => Wire as unknown as never,
      },
    }) as never,
  );

  connection.addPreset(() =>
    new ClassicFlow({
      canMakeConnection: (from: SocketData, to: SocketData) => Boolean(getSourceTarget(from, to)),
      makeConnection: (from: SocketData, to: SocketData) => tryConnect(from, to),
    }),
  );

  editor.use(area);
  area.use(connection);
  area.use(render);

  // ---- gestures → commands ----

  let refusedAt = 0;
  function portType(nodeId: string, side: 'input' | 'output', key: string): string {
    const n = editor.getNode(nodeId);
    const port = side === 'input' ? n?.inputs[key] : n?.outputs[key];
    return port?.socket.name ?? 'any';
  }

  function tryConnect(a: SocketData, b: SocketData): boolean {
    const st = getSourceTarget(a, b);
    if (!st) return false;
    const source = st[0]!, target = st[1]!;
    if (source.nodeId === target.nodeId) {
      refusedAt = Date.now();
      studio.hint('A node cannot feed itself', 'warn');
      return false;
    }
    const outType = portType(source.nodeId, 'output', source.key);
    const inType = portType(target.nodeId, 'input', target.key);
    const ok = isSocketType(outType) && isSocketType(inType) ? canConnect(outType, inType) : { ok: false as const, reason: `unknown socket type` };
    if (!ok.ok) {
      refusedAt = Date.now();
      flashRefused(target.element);
      studio.hint(`Cannot connect ${source.nodeId}.${source.key} → ${target.nodeId}.${target.key}: ${ok.reason}`, 'warn');
      return false;
    }
    const cmd = studio.editor.connectCommand({ node: source.nodeId, port: source.key }, { node: target.nodeId, port: target.key });
    if (cmd && studio.dispatch(cmd, `connect ${source.nodeId} → ${target.nodeId}`)) return true;
    refusedAt = Date.now();
    return false;
  }

  function flashRefused(el: HTMLElement) {
    const card = el.closest('[data-testid="node"]');
    card?.classList.add('refused');
    setTimeout(() => card?.classList.remove('refused'), 900);
  }

  editor.addPipe((ctx) => {
    if (ctx.type === 'connectioncreate') {
      if (!allowAdd.delete(ctx.data.id)) return undefined;
    } else if (ctx.type === 'connectionremove') {
      if (!allowRemove.delete(ctx.data.id)) {
        // A wire dragged off its input: the document decides, the reconciler removes it.
        detached = true;
        studio.dispatch({ kind: 'removeEdges', ids: [ctx.data.id] }, 'disconnect');
        return undefined;
      }
    }
    return ctx;
  });

  connection.addPipe((ctx) => {
    if (ctx.type === 'connectiondrop' && !ctx.data.created && !ctx.data.socket && !detached && Date.now() - refusedAt > 300 && !studio.locked) {
      const initial = ctx.data.initial;
      const type = portType(initial.nodeId, initial.side, initial.key) as SocketType;
      const at = { ...area.area.pointer };
      const t = area.area.transform;
      openPalette({
        screen: { x: at.x * t.k + t.x, y: at.y * t.k + t.y },
        title: initial.side === 'output' ? `Nodes taking a ${type}` : `Nodes producing a ${type}`,
        filter: (d) =>
          initial.side === 'output'
            ? Object.values(d.inputs).some((i) => isSocketType(type) && canConnect(type, i.type).ok)
            : Object.values(d.outputs).some((o) => isSocketType(type) && canConnect(o.type, type).ok),
        pick: (d) => addNodeAt(d, at, initial),
      });
    }
    return ctx;
  });

  let tickFrame = 0;
  const tick = () => (tickFrame ||= requestAnimationFrame(() => ((tickFrame = 0), studio.viewTick++)));
  // Cards grow when their previews arrive; one that grows over the card below pushes it down.
  // Only growth after a card was first laid out counts: a file's own layout is judged on open.
  let roomTimer: ReturnType<typeof setTimeout> | undefined;
  const heights = new WeakMap<Element, number>();
  const grown = new ResizeObserver((entries) => {
    let grew = false;
    for (const e of entries) {
      const h = (e.target as HTMLElement).offsetHeight;
      const before = heights.get(e.target);
      heights.set(e.target, h);
      if (before !== undefined && h > before + 1) grew = true;
    }
    if (!grew) return;
    clearTimeout(roomTimer);
    roomTimer = setTimeout(makeRoom, 150);
  });
  area.addPipe((ctx) => {
    if (ctx.type === 'rendered' && ctx.data.type === 'node') grown.observe(ctx.data.element);
    if (ctx.type === 'translated' || ctx.type === 'zoomed' || ctx.type === 'nodetranslated' || ctx.type === 'rendered' || ctx.type === 'noderemoved' || ctx.type === 'resized') tick();
    if (ctx.type === 'nodetranslate') {
      if (studio.locked && !allowMove.has(ctx.data.id)) return undefined;
    } else if (ctx.type === 'nodetranslated') {
      allowMove.delete(ctx.data.id);
    } else if (ctx.type === 'nodedragged') {
      commitMoves();
    } else if (ctx.type === 'contextmenu') {
      ctx.data.event.preventDefault();
      ctx.data.event.stopPropagation();
      if (ctx.data.context === 'root' && !studio.locked) {
        const at = { ...area.area.pointer };
        const rect = container.getBoundingClientRect();
        openPalette({ screen: { x: ctx.data.event.clientX - rect.left, y: ctx.data.event.clientY - rect.top }, title: 'Add a node', pick: (d) => addNodeAt(d, at) });
      } else if (ctx.data.context !== 'root' && 'kind' in ctx.data.context) {
        const n = ctx.data.context;
        const rect = container.getBoundingClientRect();
        // The area clears the selection on the pointerup of a click on it: select after that.
        const ids = studio.selected.includes(n.id) ? studio.selected.map(toDocId) : [n.docId];
        window.addEventListener('pointerup', () => setTimeout(() => void select(ids)), { once: true });
        studio.nodeMenu = { x: ctx.data.event.clientX - rect.left, y: ctx.data.event.clientY - rect.top, id: n.docId, ids, comment: n.kind === 'comment' };
      }
      return undefined;
    }
    return ctx;
  });

  function commitMoves() {
    const doc = studio.editor.doc;
    const moves: { id: string; x: number; y: number }[] = [];
    for (const [reteId, view] of area.nodeViews) {
      const node = editor.getNode(reteId);
      if (!node) continue;
      const cur = node.kind === 'comment' ? doc.ui.comments.find((c) => c.id === node.docId) : doc.ui.nodes[node.docId];
      const { x, y } = view.position;
      if (!cur || Math.abs(cur.x - x) > 0.5 || Math.abs(cur.y - y) > 0.5) moves.push({ id: node.docId, x: Math.round(x), y: Math.round(y) });
    }
    if (moves.length) studio.dispatch({ kind: 'moveNodes', moves }, moves.length > 1 ? `move ${moves.length} nodes` : `move ${moves[0]!.id}`);
  }

  function addNodeAt(d: NodeTypeDescription, at: { x: number; y: number }, wireFrom?: SocketData) {
    const id = studio.editor.newNodeId(d.type);
    const cmds: Command[] = [{ kind: 'addNodes', nodes: [{ node: { id, type: d.type, typeVersion: d.typeVersion, params: defaultParams(d.params) }, layout: { x: Math.round(at.x), y: Math.round(at.y) } }], edges: [] }];
    if (wireFrom) {
      const type = portType(wireFrom.nodeId, wireFrom.side, wireFrom.key);
      if (wireFrom.side === 'output') {
        const port = Object.entries(d.inputs).find(([, i]) => isSocketType(type) && canConnect(type, i.type).ok)?.[0];
        if (port) cmds.push({ kind: 'addEdges', edges: [{ id: studio.editor.newEdgeId(), from: { node: wireFrom.nodeId, port: wireFrom.key }, to: { node: id, port } }] });
      } else {
        const port = Object.entries(d.outputs).find(([, o]) => isSocketType(type) && canConnect(o.type, type).ok)?.[0];
        if (port) {
          const existing = studio.editor.doc.edges.find((e) => e.to.node === wireFrom.nodeId && e.to.port === wireFrom.key);
          if (existing) cmds.push({ kind: 'removeEdges', ids: [existing.id] });
          cmds.push({ kind: 'addEdges', edges: [{ id: studio.editor.newEdgeId(), from: { node: id, port }, to: { node: wireFrom.nodeId, port: wireFrom.key } }] });
        }
      }
    }
    if (studio.dispatch(cmds.length === 1 ? cmds[0] : { kind: 'batch', commands: cmds }, `add ${d.title}`)) void reconcile().then(() => select([id]));
  }

  // ---- document → rete ----

  let chain: Promise<void> = Promise.resolve();
  function reconcile(reset = false): Promise<void> {
    chain = chain.then(() => doReconcile(reset)).catch((e) => console.error('reconcile failed', e));
    return chain;
  }

  async function doReconcile(reset: boolean) {
    const doc = studio.editor.doc;
    const catalog = studio.catalog;
    if (reset) {
      await selector.unselectAll();
      for (const c of editor.getConnections()) {
        allowRemove.add(c.id);
        await editor.removeConnection(c.id);
      }
      for (const n of editor.getNodes()) await editor.removeNode(n.id);
    }
    const wantNodes = new Map<string, { sig: string; make: () => StudioNode; pos: { x: number; y: number }; label: string }>();
    doc.nodes.forEach((n, i) => {
      const info = catalog.get(n.type);
      const ports = portsOf(n, info, doc.edges);
      const sig = `${n.type}|${ports.inputs.map((p) => `${p.key}:${p.type}`).join(',')}|${ports.outputs.map((p) => `${p.key}:${p.type}`).join(',')}`;
      const label = nodeTitle(n, info);
      wantNodes.set(n.id, {
        sig,
        label,
        pos: doc.ui.nodes[n.id] ?? { x: (i % 5) * 300, y: Math.floor(i / 5) * 220 },
        make: () => {
          const node = new StudioNode(n.id, 'node', n.type, label, sig);
          // 'multiple' so rete never drops the old wire itself: the document replaces it in the same undo step.
          for (const p of ports.inputs) node.addInput(p.key, new ClassicPreset.Input(new ClassicPreset.Socket(p.type), p.key, true));
          for (const p of ports.outputs) node.addOutput(p.key, new ClassicPreset.Output(new ClassicPreset.Socket(p.type), p.key));
          node.height = 56 + 26 * Math.max(ports.inputs.length, ports.outputs.length);
          return node;
        },
      });
    });
    for (const c of doc.ui.comments) {
      const id = COMMENT_PREFIX + c.id;
      if (wantNodes.has(id)) continue;
      wantNodes.set(id, {
        sig: 'comment',
        label: c.text,
        pos: { x: c.x, y: c.y },
        make: () => {
          const node = new StudioNode(c.id, 'comment', 'comment', c.text, 'comment');
          node.width = c.width ?? 240;
          node.height = c.height ?? 110;
          return node;
        },
      });
    }
    const wantEdges = new Map(doc.edges.map((e) => [e.id, e]));

    // 1. connections that are gone or changed
    for (const c of editor.getConnections()) {
      const e = wantEdges.get(c.id);
      const want = e && wantNodes.get(e.from.node)?.sig === editor.getNode(c.source)?.signature && wantNodes.get(e.to.node)?.sig === editor.getNode(c.target)?.signature;
      if (!e || !want || c.source !== e.from.node || c.sourceOutput !== e.from.port || c.target !== e.to.node || c.targetInput !== e.to.port) {
        allowRemove.add(c.id);
        await editor.removeConnection(c.id);
      }
    }
    // 2. nodes that are gone or changed shape
    for (const n of editor.getNodes()) {
      const want = wantNodes.get(n.id);
      if (!want || want.sig !== n.signature) {
        if (selector.isSelected({ id: n.id, label: 'node' })) await selectable.unselect(n.id);
        for (const c of editor.getConnections().filter((c) => c.source === n.id || c.target === n.id)) {
          allowRemove.add(c.id);
          await editor.removeConnection(c.id);
        }
        await editor.removeNode(n.id);
      }
    }
    // 3. new nodes, labels, positions
    for (const [id, want] of wantNodes) {
      let node = editor.getNode(id);
      if (!node) {
        node = want.make();
        await editor.addNode(node);
      } else if (node.label !== want.label) {
        node.label = want.label;
        await area.update('node', id);
      }
      const view = area.nodeViews.get(id);
      if (view && (view.position.x !== want.pos.x || view.position.y !== want.pos.y)) {
        allowMove.add(id);
        await area.translate(id, want.pos);
      }
    }
    // 4. new connections
    for (const e of doc.edges) {
      if (editor.getConnection(e.id)) continue;
      const src = editor.getNode(e.from.node), dst = editor.getNode(e.to.node);
      // Port names come from the file: own properties only (`constructor` is not a port).
      if (!src || !dst || !Object.hasOwn(src.outputs, e.from.port) || !Object.hasOwn(dst.inputs, e.to.port)) continue;
      const c = new StudioConnection(src, e.from.port, dst, e.to.port);
      c.id = e.id;
      c.socketType = src.outputs[e.from.port]!.socket.name;
      allowAdd.add(e.id);
      await editor.addConnection(c);
    }
  }

  // ---- actions used by the toolbar and shortcuts ----

  async function select(ids: string[]) {
    await selector.unselectAll();
    for (const id of ids) {
      const reteId = editor.getNode(id) ? id : COMMENT_PREFIX + id;
      if (editor.getNode(reteId)) await selectable.select(reteId, true);
    }
    syncSelection();
  }

  /** Every card's rectangle in canvas units, read in one layout pass. */
  function cardRects(): CardRect[] {
    return [...area.nodeViews].map(([id, v]) => ({ id, x: v.position.x, y: v.position.y, w: v.element.offsetWidth || NODE_WIDTH, h: v.element.offsetHeight || 100 }));
  }

  /** Fits the graph, but not below a readable zoom (then the graph's start shows; pan for the rest). */
  async function zoomToFit() {
    await fitRects(cardRects());
  }

  /** A notebook cell's nodes: fitted (never above 1:1) and selected. */
  async function frame(ids: string[]) {
    const wanted = new Set(ids);
    await fitRects(cardRects().filter((r) => wanted.has(r.id)));
    await select(ids);
  }

  async function fitRects(rects: CardRect[]) {
    if (!rects.length) return;
    const bounds = {
      left: Math.min(...rects.map((r) => r.x)),
      top: Math.min(...rects.map((r) => r.y)),
      right: Math.max(...rects.map((r) => r.x + r.w)),
      bottom: Math.max(...rects.map((r) => r.y + r.h)),
    };
    const t = fitTransform(bounds, container.clientWidth, container.clientHeight);
    await area.area.zoom(t.k, 0, 0);
    await area.area.translate(t.x, t.y);
  }

  /** Pushes cards covered by a grown card down (part of the last undo step: it follows from it). */
  function makeRoom() {
    if (studio.locked || area.nodeViews.size > 400) return;
    const moves = pushApart(cardRects().filter((r) => !r.id.startsWith(COMMENT_PREFIX))).map((m) => ({ ...m, id: toDocId(m.id) }));
    if (moves.length) studio.dispatch({ kind: 'moveNodes', moves }, 'make room for previews', { amend: true });
  }

  /** A card's size with room for a preview (previews arrive after a run and make cards taller). */
  function cardSize(id: string) {
    const el = area.nodeViews.get(id)?.element;
    const hasOutputs = Object.keys(editor.getNode(id)?.outputs ?? {}).length > 0;
    return { width: el?.offsetWidth || NODE_WIDTH, height: layoutHeight(el?.offsetHeight, hasOutputs) };
  }

  function arrange(): boolean {
    const doc = studio.editor.doc;
    const ids = doc.nodes.map((n) => n.id);
    const pos = layeredLayout({ ids, edges: nodeLinks(doc.edges), size: cardSize, current: (id) => doc.ui.nodes[id] });
    const moves = [...pos].map(([id, p]) => ({ id, ...p })).filter((m) => doc.ui.nodes[m.id]?.x !== m.x || doc.ui.nodes[m.id]?.y !== m.y);
    if (moves.length && studio.dispatch({ kind: 'moveNodes', moves }, 'auto-arrange')) {
      void reconcile().then(zoomToFit);
      return true;
    }
    return false;
  }

  function viewCenter() {
    const t = area.area.transform;
    return { x: (container.clientWidth / 2 - t.x) / t.k - NODE_WIDTH / 2, y: (container.clientHeight / 2 - t.y) / t.k - 60 };
  }

  function paletteAtPointerOrCenter(pointer?: { x: number; y: number }) {
    const rect = container.getBoundingClientRect();
    const inside = pointer && pointer.x >= rect.left && pointer.x <= rect.right && pointer.y >= rect.top && pointer.y <= rect.bottom;
    const at = inside ? pointer : undefined;
    const t = area.area.transform;
    const pos = at ? { x: (at.x - rect.left - t.x) / t.k, y: (at.y - rect.top - t.y) / t.k } : viewCenter();
    const screen = at ? { x: at.x - rect.left, y: at.y - rect.top } : { x: container.clientWidth / 2 - 160, y: 80 };
    openPalette({ screen, title: 'Add a node', pick: (d) => addNodeAt(d, pos) });
  }

  function selectedDocIds() {
    return studio.selected.map(toDocId);
  }

  const minimap: MinimapSource = {
    rects: () =>
      [...area.nodeViews].map(([id, v]) => ({ x: v.position.x, y: v.position.y, w: v.element.offsetWidth, h: v.element.offsetHeight, comment: id.startsWith(COMMENT_PREFIX), selected: studio.selected.includes(id) })),
    viewport: () => {
      const t = area.area.transform;
      return { x: -t.x / t.k, y: -t.y / t.k, w: container.clientWidth / t.k, h: container.clientHeight / t.k };
    },
    centerOn: (x, y) => {
      const t = area.area.transform;
      void area.area.translate(container.clientWidth / 2 - x * t.k, container.clientHeight / 2 - y * t.k);
    },
  };

  studio.view = {
    minimap,
    zoomToFit,
    frame: (ids) => void frame(ids),
    arrange: () => void arrange(),
    openPalette: paletteAtPointerOrCenter,
    select: (ids) => void select(ids),
    addComment: () => {
      const id = studio.editor.newCommentId();
      const at = viewCenter();
      if (studio.dispatch({ kind: 'addComments', comments: [{ id, text: 'Double-click to edit this note', x: Math.round(at.x), y: Math.round(at.y), width: 240, height: 110 }] }, 'add comment'))
        void reconcile().then(() => select([id]));
    },
    deleteSelection: (only) => {
      const ids = only ?? selectedDocIds();
      if (studio.dispatch(studio.editor.deleteCommand(ids), ids.length > 1 ? `delete ${ids.length} items` : `delete ${ids[0]}`)) studio.selected = [];
    },
    duplicateSelection: (only) => {
      const pasted = studio.editor.pasteCommand(studio.editor.copy(only ?? selectedDocIds()), { x: 40, y: 40 });
      if (pasted && studio.dispatch(pasted.cmd, 'duplicate')) void reconcile().then(() => select(pasted.ids));
    },
  };

  // ---- box selection: shift-drag (or ctrl-drag) on the background ----
  const host = container.parentElement ?? container;
  let box: { x0: number; y0: number; el: HTMLDivElement } | undefined;
  function onBoxDown(e: PointerEvent) {
    if (e.button !== 0 || !(e.shiftKey || e.ctrlKey || e.metaKey)) return;
    const t = e.target as Element;
    if (!container.contains(t) || t.closest('[data-testid="node"], [data-testid="comment"], [data-testid="socket"]')) return;
    e.stopPropagation();
    e.preventDefault();
    const el = document.createElement('div');
    el.className = 'box-select';
    el.dataset.testid = 'box-select';
    host.append(el);
    box = { x0: e.clientX, y0: e.clientY, el };
    host.setPointerCapture(e.pointerId);
  }
  function boxRect(e: PointerEvent) {
    const r = host.getBoundingClientRect();
    const x = Math.min(box!.x0, e.clientX) - r.left, y = Math.min(box!.y0, e.clientY) - r.top;
    return { x, y, w: Math.abs(e.clientX - box!.x0), h: Math.abs(e.clientY - box!.y0) };
  }
  function onBoxMove(e: PointerEvent) {
    if (!box) return;
    const b = boxRect(e);
    Object.assign(box.el.style, { left: `${b.x}px`, top: `${b.y}px`, width: `${b.w}px`, height: `${b.h}px` });
  }
  function onBoxUp(e: PointerEvent) {
    if (!box) return;
    const b = boxRect(e);
    box.el.remove();
    box = undefined;
    const t = area.area.transform;
    const [x0, y0, x1, y1] = [(b.x - t.x) / t.k, (b.y - t.y) / t.k, (b.x + b.w - t.x) / t.k, (b.y + b.h - t.y) / t.k];
    const hit = [...area.nodeViews]
      .filter(([, v]) => v.position.x < x1 && v.position.x + v.element.offsetWidth > x0 && v.position.y < y1 && v.position.y + v.element.offsetHeight > y0)
      .map(([id]) => toDocId(id));
    void select([...new Set([...studio.selected.map(toDocId), ...hit])]);
  }
  host.addEventListener('pointerdown', onBoxDown, true);
  host.addEventListener('pointermove', onBoxMove);
  host.addEventListener('pointerup', onBoxUp);

  /** Files laid out for other card sizes (or not at all) would open with cards on top of each other. */
  function overlapping(): boolean {
    // Judged at the sizes cards get once previews arrive; pushApart moves a card exactly when it overlaps one.
    const rects = [...area.nodeViews].filter(([id]) => !id.startsWith(COMMENT_PREFIX)).map(([id, v]) => ({ id, ...v.position, w: cardSize(id).width, h: cardSize(id).height }));
    return pushApart(rects).length > 0;
  }
  async function afterOpen() {
    await new Promise((r) => requestAnimationFrame(r));
    if (!studio.locked && overlapping() && arrange()) studio.hint('Cards would overlap in this layout: arranged them (Ctrl+Z restores the file’s layout)');
    else zoomToFit();
  }

  const unsubscribe = studio.editor.subscribe((c) => {
    void reconcile(c.reset).then(() => (c.reset ? afterOpen() : undefined));
  });
  await reconcile(true);
  await afterOpen();

  return {
    editor,
    area,
    reconcile,
    destroy() {
      unsubscribe();
      grown.disconnect();
      clearTimeout(roomTimer);
      window.removeEventListener('pointerdown', onPointerDown, true);
      host.removeEventListener('pointerdown', onBoxDown, true);
      host.removeEventListener('pointermove', onBoxMove);
      host.removeEventListener('pointerup', onBoxUp);
      area.destroy();
      studio.view = undefined;
    },
  };
}
