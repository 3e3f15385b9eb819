/**
 * Progress and time left of a run from measured times, not node counts: a tracking graph is one
 * node that takes minutes among ten that take milliseconds, so counting nodes said "ETA 35 s"
 * 25 s into a ten-minute run. Each node weighs its last measured duration; the running node's
 * remaining time comes from its own rate (elapsed / progress); nodes never measured are unknown,
 * and then the estimate is a lower bound.
 */
import type { NodeState } from '../../graph/runtime-types.ts';

export interface RunNode {
  id: string;
  state: NodeState | undefined;
  /** Last measured duration (ms) of this node, when it ran before. */
  lastMs?: number;
  /** When the node started running (ms, same clock as `now`). */
  runningSince?: number;
}

export interface RunEstimate {
  /** Done fraction in [0, 1], by time where known. */
  fraction: number;
  /** Milliseconds left, or null when nothing can be said yet. */
  remainingMs: number | null;
  /** Some nodes still to run have never been measured: the time left is at least `remainingMs`. */
  lowerBound: boolean;
}

const finished = (s: NodeState | undefined) => !!s && (s.status === 'done' || s.status === 'error' || s.status === 'blocked' || s.status === 'cancelled');

/** A running node's own estimate needs a little progress to be more than noise. */
const MIN_PROGRESS = 0.02;

export function estimateRun(nodes: readonly RunNode[], now: number): RunEstimate {
  if (!nodes.length) return { fraction: 0, remainingMs: null, lowerBound: false };
  let doneMs = 0;
  let leftMs = 0;
  let unknown = 0;
  let runningUnknown = false;
  for (const n of nodes) {
    const s = n.state;
    if (finished(s)) {
      // What a finished node took this time, else what it took before (cached: counts as done).
      const ms = !s!.cached && s!.ms !== undefined ? s!.ms : (n.lastMs ?? 0);
      doneMs += ms;
      continue;
    }
    if (s?.status === 'running') {
      const p = s.progress ?? 0;
      const elapsed = n.runningSince !== undefined ? Math.max(0, now - n.runningSince) : 0;
      if (p >= MIN_PROGRESS && elapsed > 0) {
        const total = elapsed / p;
        doneMs += elapsed;
        leftMs += total - elapsed;
      } else if (n.lastMs !== undefined) {
        doneMs += Math.min(elapsed, n.lastMs);
        leftMs += Math.max(0, n.lastMs - elapsed);
      } else {
        doneMs += elapsed;
        runningUnknown = true;
      }
      continue;
    }
    if (n.lastMs !== undefined) leftMs += n.lastMs;
    else unknown++;
  }
  const allFinished = nodes.every((n) => finished(n.state));
  // Without any time still to come that is known, time says nothing about the rest: count nodes.
  const fraction = allFinished ? 1 : leftMs > 0 ? doneMs / (doneMs + leftMs) : nodes.filter((n) => finished(n.state)).length / nodes.length;
  const lowerBound = unknown > 0 || runningUnknown;
  const remainingMs = runningUnknown && leftMs === 0 ? null : leftMs;
  return { fraction: Math.max(0, Math.min(1, fraction)), remainingMs, lowerBound };
}
