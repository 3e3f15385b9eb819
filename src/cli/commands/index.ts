import type { Command } from '../command.ts';

/** Every `nphm` sub-command, loaded lazily so that `nphm graph check` does not start tfjs. */
export const COMMANDS: Record<string, { summary: string; load: () => Promise<Command> }> = {
  graph: { summary: 'check and run graph files', load: async () => (await import('./graph.ts')).command },
  import: { summary: 'convert an official MonoNPHM checkpoint to the studio weight format', load: async () => (await import('./import.ts')).command },
};
