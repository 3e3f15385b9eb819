/**
 * The node catalog as the page sees it (plain data from the worker) and the look of socket types.
 */
import type { GraphNode } from '../graph/document.ts';
import { acceptedOutputs, canConnect, isSocketType, type SocketType } from '../graph/sockets.ts';
import type { NodeTypeDescription } from '../workers/compute-service.ts';

export type { NodeTypeDescription };

/** One colour per socket type, distinct enough on the dark canvas; shapes add a second cue. */
export const SOCKET_COLORS: Partial<Record<SocketType, string>> = {
  any: '#9aa3b2',
  number: '#8fd16a',
  boolean: '#d1c36a',
  string: '#e0a458',
  tensor: '#5aa9e6',
  image: '#e66fa3',
  video: '#c55fd6',
  landmarks: '#f2845c',
  segmentation: '#b0895c',
  camera: '#6ad1c8',
  model: '#a28bf2',
  latent: '#f2d15c',
  codeSequence: '#e8b84a',
  pose: '#63c2a0',
  field: '#4fd18a',
  renderer: '#7f9cf5',
  loss: '#f25c6e',
  mesh: '#55d6e6',
  points: '#d68a55',
} as Partial<Record<string, string>>;

/** What a card, the inspector and the notebook call a node: its own label, else its type's title. */
export function nodeTitle(node: Pick<GraphNode, 'type' | 'label'>, info: Pick<NodeTypeDescription, 'title'> | undefined): string {
  return node.label ?? info?.title ?? node.type;
}

/** Types added later without a colour here get a stable hue from their name. */
export function socketColor(type: string): string {
  const c = isSocketType(type) ? SOCKET_COLORS[type] : undefined;
  if (c) return c;
  if (!isSocketType(type)) return '#777';
  let h = 0;
  for (const ch of type) h = (h * 31 + ch.charCodeAt(0)) % 360;
  return `hsl(${h} 55% 62%)`;
}

/** Socket shape: values are round, tensors and fields square, model-like things diamond. */
export function socketShape(type: string): 'circle' | 'square' | 'diamond' {
  if (['tensor', 'field', 'image', 'video', 'segmentation', 'mesh'].includes(type)) return 'square';
  if (['model', 'renderer', 'loss', 'latent', 'codeSequence'].includes(type)) return 'diamond';
  return 'circle';
}

export class Catalog {
  private readonly byType: Map<string, NodeTypeDescription>;
  constructor(readonly list: readonly NodeTypeDescription[]) {
    this.byType = new Map(list.map((d) => [d.type, d]));
  }
  get(type: string): NodeTypeDescription | undefined {
    return this.byType.get(type);
  }
  categories(): string[] {
    return [...new Set(this.list.map((d) => d.category))].sort();
  }
  /** Node types with an input that accepts an output of `type`. */
  acceptingInput(type: SocketType): NodeTypeDescription[] {
    return this.list.filter((d) => Object.values(d.inputs).some((i) => canConnect(type, i.type).ok));
  }
  /** Node types with an output that an input of `type` accepts. */
  producingFor(type: SocketType): NodeTypeDescription[] {
    const ok = new Set(acceptedOutputs(type));
    return this.list.filter((d) => Object.values(d.outputs).some((o) => type === 'any' || ok.has(o.type)));
  }
}

export interface PortView {
  key: string;
  type: string;
  description: string;
  optional?: boolean;
}

/** The ports a node shows: its type's, or (for unknown types) the ones its edges use. */
export function portsOf(node: GraphNode, info: NodeTypeDescription | undefined, edges: readonly { from: { node: string; port: string }; to: { node: string; port: string } }[]): { inputs: PortView[]; outputs: PortView[] } {
  if (info)
    return {
      inputs: Object.entries(info.inputs).map(([key, s]) => ({ key, type: s.type, description: s.description, ...(s.optional ? { optional: true } : {}) })),
      outputs: Object.entries(info.outputs).map(([key, s]) => ({ key, type: s.type, description: s.description })),
    };
  const ins = [...new Set(edges.filter((e) => e.to.node === node.id).map((e) => e.to.port))];
  const outs = [...new Set(edges.filter((e) => e.from.node === node.id).map((e) => e.from.port))];
  return {
    inputs: ins.map((key) => ({ key, type: 'any', description: 'port of an unknown node type' })),
    outputs: outs.map((key) => ({ key, type: 'any', description: 'port of an unknown node type' })),
  };
}
