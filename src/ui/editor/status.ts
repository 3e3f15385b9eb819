import type { NodeState } from '../../graph/runtime-types.ts';

export function fmtMs(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : ms < 60_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

/** Short text for a node's badge. */
export function statusLabel(s: NodeState | undefined): string {
  if (!s) return 'idle';
  switch (s.status) {
    case 'running':
      return s.progress ? `${Math.round(s.progress * 100)}%` : 'running';
    case 'done':
      return s.cached ? 'cached' : s.ms !== undefined ? fmtMs(s.ms) : 'done';
    default:
      return s.status;
  }
}
