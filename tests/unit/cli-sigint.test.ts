/**
 * Ctrl-C during a real MonoNPHM run (the default model, through `node bin/nphm.mjs graph run`):
 * the process must end within 2 s, keep the outputs written before, and leave a run log that says
 * the run was cancelled. Before the nodes yielded to the event loop, SIGINT was not even seen until
 * the run had finished (minutes later), and outputs were written only at the end.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(ROOT, 'bin/nphm.mjs');
const SIGINT_DEADLINE_MS = 2000;
const dir = mkdtempSync(join(tmpdir(), 'nphm-sigint-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Interrupted {
  out: string;
  code: number | null;
  /** From SIGINT to the process's exit. */
  exitMs: number;
  stderr: string;
  files: string[];
  log: Record<string, unknown> & { cancelled?: boolean; summary?: { cancelled: boolean }; nodes: Record<string, { status: string }>; outputs: string[] };
}

/** Starts `graph run`, waits until `ready(out, stderr)` holds, sends SIGINT and times the exit. */
function interrupt(graph: string, args: string[], ready: (out: string, stderr: string) => boolean, limitMs: number): Promise<Interrupted> {
  const out = mkdtempSync(join(dir, 'out-'));
  const child = spawn(process.execPath, [BIN, 'graph', 'run', join(ROOT, graph), '--out', out, ...args], { cwd: dir, env: { ...process.env, NPHM_DEBUG: '' } });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) => {
    let sentAt = 0;
    const giveUp = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no exit within ${limitMs} ms (SIGINT ${sentAt ? 'sent' : 'never sent'}); output:\n${stderr.slice(-2000)}`));
    }, limitMs);
    const poll = setInterval(() => {
      if (sentAt || !ready(out, stderr)) return;
      sentAt = performance.now();
      child.kill('SIGINT');
    }, 50);
    child.on('exit', (code) => {
      const exitMs = performance.now() - sentAt;
      clearInterval(poll);
      clearTimeout(giveUp);
      if (!sentAt) return reject(new Error(`the run ended (exit ${code}) before it was interrupted; output:\n${stderr.slice(-2000)}`));
      const logFile = join(out, 'run-log.json');
      resolve({ out, code, exitMs, stderr, files: readdirSync(out).sort(), log: existsSync(logFile) ? JSON.parse(readFileSync(logFile, 'utf8')) : undefined });
    });
  });
}

describe('Ctrl-C during a real run', () => {
  it('interpolation: stops within 2 s while meshing, keeps the render it wrote, logs the run as cancelled', async () => {
    // The render writes its PNG, then the mesh export runs for ~20 s: the interrupt lands in it.
    const r = await interrupt(
      'graphs/interpolation.graph.json',
      ['--set', 'camera.width=32', '--set', 'camera.height=32', '--set', 'render.samples=16', '--set', 'mesh.resolution=80'],
      (out) => existsSync(join(out, 'interpolation-0000.png')),
      240_000,
    );
    console.log(`${r.log?.graph ?? 'run'}: exit ${r.exitMs.toFixed(0)} ms after SIGINT`);
    expect(r.exitMs, r.stderr).toBeLessThan(SIGINT_DEADLINE_MS);
    expect(r.code).toBe(130);
    expect(r.files).toEqual(['interpolation-0000.png', 'run-log.json']);
    expect(r.log.cancelled).toBe(true);
    expect(r.log.summary?.cancelled).toBe(true);
    expect(r.log.nodes.render?.status).toBe('done');
    expect(r.log.nodes.mesh?.status).toBe('cancelled');
    expect(r.log.outputs).toEqual(['interpolation-0000.png']);
    // A whole PNG (signature and IEND), not a file cut by the exit.
    const png = readFileSync(join(r.out, 'interpolation-0000.png'));
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    expect(png.subarray(-8, -4).toString('latin1')).toBe('IEND');
  }, 300_000);

  it('tracking: stops within 2 s in the middle of the optimiser, logs the run as cancelled', async () => {
    // Short schedule, 4 frames, 48 rays per step (about half a second here): a step is one tape
    // and ends before the cancel is seen, so the deadline is the step's plus the exit's. The
    // interrupt comes once the optimiser's progress shows it is iterating.
    const r = await interrupt(
      'graphs/tracking.graph.json',
      ['--set', 'optimizer.schedule=short', '--set', 'video.end=3', '--set', 'optimizer.rays=48'],
      (_out, stderr) => /optimizer: [1-9]\d*%/.test(stderr),
      400_000,
    );
    console.log(`${r.log?.graph ?? 'run'}: exit ${r.exitMs.toFixed(0)} ms after SIGINT`);
    expect(r.exitMs, r.stderr).toBeLessThan(SIGINT_DEADLINE_MS);
    expect(r.code).toBe(130);
    expect(r.log.cancelled).toBe(true);
    expect(r.log.nodes.video?.status).toBe('done');
    expect(r.log.nodes.optimizer?.status).toBe('cancelled');
    expect(r.log.nodes.meshes?.status).toBe('cancelled');
    expect(r.files).toEqual(['run-log.json']);
  }, 450_000);
});
