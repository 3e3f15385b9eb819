/**
 * Pure edits of a notebook's cell list (each becomes one `setCells` command): new lists, never
 * mutation, so the editor's undo log holds plain snapshots.
 */
import type { CellControl, NotebookCell } from '../../graph/notebook.ts';
import { freshId } from '../state/commands.ts';

export function newCellId(cells: readonly NotebookCell[]): string {
  return freshId('cell', cells.map((c) => c.id));
}

export function insertCell(cells: readonly NotebookCell[], at: number, cell: NotebookCell): NotebookCell[] {
  const i = Math.max(0, Math.min(cells.length, at));
  return [...cells.slice(0, i), cell, ...cells.slice(i)];
}

export function removeCell(cells: readonly NotebookCell[], at: number): NotebookCell[] {
  return cells.filter((_, i) => i !== at);
}

/** Moves cell `at` by `by` places (clamped to the list). */
export function moveCell(cells: readonly NotebookCell[], at: number, by: number): NotebookCell[] {
  const to = Math.max(0, Math.min(cells.length - 1, at + by));
  if (to === at || !cells[at]) return [...cells];
  const out = removeCell(cells, at);
  out.splice(to, 0, cells[at]!);
  return out;
}

/** Sets a cell's nodes, preview or controls; an empty or undefined value removes the key. */
export function setCellLinks(cells: readonly NotebookCell[], at: number, links: { nodes?: string[]; preview?: string | undefined; controls?: CellControl[] }): NotebookCell[] {
  return cells.map((c, i) => {
    if (i !== at) return c;
    const out: NotebookCell = { ...c };
    for (const key of Object.keys(links) as (keyof typeof links)[]) {
      const v = links[key];
      if (v === undefined || (Array.isArray(v) && v.length === 0)) delete out[key];
      else (out as unknown as Record<string, unknown>)[key] = Array.isArray(v) ? [...v] : v;
    }
    return out;
  });
}
