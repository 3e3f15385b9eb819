import type { Command } from '../command.ts';

/** Every `nphm` sub-command, loaded lazily so that `nphm graph check` does not start tfjs. */
export const COMMANDS: Record<string, { summary: string; load: () => Promise<Command> }> = {
  graph: { summary: 'check and run graph files', load: async () => (await import('./graph.ts')).command },
  bench: { summary: 'run a benchmark from bench/ (field, render, mesh, …)', load: async () => (await import('./bench.ts')).command },
  eval: { summary: 'evaluate a MonoNPHM model on codes and points (parity probe)', load: async () => (await import('./eval.ts')).command },
  mesh: { summary: 'extract a mesh (PLY/OBJ/GLB) of a MonoNPHM model for given codes', load: async () => (await import('./mesh.ts')).command },
  import: { summary: 'convert an official MonoNPHM checkpoint to the studio weight format', load: async () => (await import('./import.ts')).command },
  train: { summary: 'train a MonoNPHM model on procedural heads (checkpoints, resume)', load: async () => (await import('./train.ts')).command },
  'fit-expressions': { summary: 'named expression codes (jawOpen, smile, …) of a trained model', load: async () => (await import('./fit-expressions.ts')).command },
  'fit-eval': { summary: 'fit a trained model to held-out procedural heads; Chamfer / NC / recall', load: async () => (await import('./fit-eval.ts')).command },
  synth: { summary: 'procedural heads: synthetic videos with ground truth', load: async () => (await import('./synth.ts')).command },
};
