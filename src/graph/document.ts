/**
 * The graph document: the executable part (nodes, edges, params by name, ports by name) and the
 * layout (`ui`) kept apart, so moving a node never changes a cache key or the content hash.
 */
export const GRAPH_FORMAT = 'nphm-studio/graph';
/** 3: the notebook (`ui.cells`); a version-2 reader would drop it on save, so it refuses the file instead. */
export const SCHEMA_VERSION = 3;
/** Graph files larger than this are refused before parsing. */
export const MAX_GRAPH_BYTES = 4 * 1024 * 1024;

import type { NotebookCell } from './notebook.ts';

export type ParamValue = number | boolean | string | number[] | null;

export interface PortRef {
  node: string;
  port: string;
}

export interface GraphEdge {
  id: string;
  from: PortRef;
  to: PortRef;
}

export interface GraphNode {
  id: string;
  type: string;
  typeVersion: number;
  params: Record<string, ParamValue>;
  /** User-given title shown instead of the type's. */
  label?: string;
}

export interface NodeLayout {
  x: number;
  y: number;
  collapsed?: boolean;
  /**
   * Computed only when asked for (its card's Compute button, Run selected): Run all and auto-run
   * leave it and what depends on it. Kept with the layout because it never changes a result.
   */
  onRequest?: boolean;
}

export interface GraphComment {
  id: string;
  text: string;
  x: number;
  y: number;
  width?: number;
  height?: number;
}

export interface GraphUi {
  nodes: Record<string, NodeLayout>;
  comments: GraphComment[];
  viewport?: { x: number; y: number; zoom: number };
  /** The notebook's cells, in reading order (absent: none). */
  cells?: NotebookCell[];
}

export interface GraphMeta {
  title?: string;
  description?: string;
  /** Named parameter sets, e.g. `quick` and `full`: `{ presetName: { nodeId: { param: value } } }`. */
  presets?: Record<string, Record<string, Record<string, ParamValue>>>;
  /** `false` for graphs that run for minutes: the studio does not auto-run them (Run starts them). */
  autoRun?: boolean;
  /**
   * Measured run time of each preset in seconds (on the machine named in the README), shown by the
   * Examples menu so a user knows what a click will cost.
   */
  runSeconds?: Record<string, number>;
}

export interface GraphDocument {
  format: typeof GRAPH_FORMAT;
  schemaVersion: number;
  id: string;
  meta: GraphMeta;
  nodes: GraphNode[];
  edges: GraphEdge[];
  ui: GraphUi;
  /** Unknown top-level keys of a loaded file, written back unchanged on save. */
  extra?: Record<string, unknown>;
}

export function emptyGraph(id: string, title?: string): GraphDocument {
  return {
    format: GRAPH_FORMAT,
    schemaVersion: SCHEMA_VERSION,
    id,
    meta: title ? { title } : {},
    nodes: [],
    edges: [],
    ui: { nodes: {}, comments: [] },
  };
}

/** The part of a graph that determines results: what is hashed and sent to the engine. */
export function semanticPart(doc: GraphDocument): Pick<GraphDocument, 'format' | 'schemaVersion' | 'nodes' | 'edges'> {
  return { format: doc.format, schemaVersion: doc.schemaVersion, nodes: doc.nodes, edges: doc.edges };
}
