/**
 * The example graphs shipped in `graphs/`, as the Examples menu lists them: title, description and
 * the run time of each preset (measured, stored in the file's `meta.runSeconds`). Graphs under
 * `graphs/test/` are for tests and links (`?example=test/…`), not for the menu.
 */
import { normaliseMeta } from '../../graph/load.ts';

export interface ExampleInfo {
  path: string;
  title: string;
  description: string;
  /** `[preset, seconds]` in the file's order, when the file states them. */
  runTimes: [string, number][];
  test: boolean;
  /** URL of `graphs/thumbs/<name>.png` when there is one (a result of the graph's quick preset). */
  thumbnail?: string;
}

/** Reads the menu entry of a shipped example (our own files: a bad one is a build fault, so it throws). */
export function exampleInfo(path: string, text: string, thumbnails: Readonly<Record<string, string>> = {}): ExampleInfo {
  // The same reading of `meta` as opening the file does (a malformed run-time table is dropped).
  const meta = normaliseMeta((JSON.parse(text) as { meta?: unknown }).meta, []);
  const file = path.split('/').pop()!.replace(/\.graph\.json$/, '');
  return {
    path,
    title: meta.title ?? file,
    description: meta.description ?? '',
    runTimes: Object.entries(meta.runSeconds ?? {}),
    test: path.includes('/test/'),
    ...(thumbnails[`/graphs/thumbs/${file}.png`] ? { thumbnail: thumbnails[`/graphs/thumbs/${file}.png`] } : {}),
  };
}

/** "quick ≈ 2 min · full ≈ 9 h": run times for a menu line. */
export function formatRunTimes(times: [string, number][]): string {
  return times.map(([preset, s]) => `${preset} ≈ ${roughDuration(s)}`).join(' · ');
}

export function roughDuration(seconds: number): string {
  if (seconds < 90) return `${Math.max(1, Math.round(seconds / 5) * 5)} s`;
  if (seconds < 90 * 60) return `${Math.round(seconds / 60)} min`;
  return `${Math.round(seconds / 3600)} h`;
}
