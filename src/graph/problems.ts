import { escapeControlChars } from './safe-text.ts';

/** A problem found while loading or validating a graph. Never thrown: collected and reported. */
export interface Problem {
  severity: 'error' | 'warning';
  /** JSON path into the file, e.g. `$.nodes[2].params.iterations`. */
  path: string;
  message: string;
  nodeId?: string;
  edgeId?: string;
}

export function hasErrors(problems: readonly Problem[]): boolean {
  return problems.some((p) => p.severity === 'error');
}

/**
 * One line per problem. Messages quote names and values from the file (node types, enum values,
 * preset names): they are escaped here, where every problem is formatted, so a file cannot write
 * control sequences to the terminal or a log.
 */
export function formatProblem(p: Problem): string {
  const where = p.nodeId ? `node '${p.nodeId}'` : p.edgeId ? `edge '${p.edgeId}'` : 'graph';
  return escapeControlChars(`${p.severity}: ${where} at ${p.path}: ${p.message}`);
}

/** Path segment for a key, quoting it when it is not a plain identifier. */
export function pathKey(base: string, key: string | number): string {
  if (typeof key === 'number') return `${base}[${key}]`;
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `${base}.${key}` : `${base}[${JSON.stringify(key)}]`;
}
