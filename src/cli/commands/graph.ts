import { join, resolve } from 'node:path';
import type { Command } from '../command.ts';
import { flag, parseArgs, UsageError } from '../args.ts';
import { readGraphFile } from '../graph-file.ts';
import { formatProblem, hasErrors } from '../../graph/problems.ts';
import { graphHash } from '../../graph/serialize.ts';
import { builtinRegistry } from '../../nodes/registry.ts';
import { RUN_LOG_FILE } from '../../graph/artifact-name.ts';
import type { RunSummary } from '../../graph/runtime-types.ts';
import { jsonSafeText, terminalText } from '../../graph/safe-text.ts';
import { writeAtomically } from '../atomic-write.ts';
import { RunOutputs } from '../run-outputs.ts';
import { ensureWritableDir, OutputDirError } from '../output-dir.ts';
import { THREADS_USAGE, threadCount, withRayThreads } from '../threads.ts';

const usage = `usage:
  nphm graph check FILE…
      validate graph files; exit 0 when all are valid, 2 with one line per problem otherwise
  nphm graph run FILE [--preset NAME] [--set NODE.PARAM=VALUE]… [--out DIR] [--backend wasm|cpu|webgpu] [--target NODE]…
                 [--assets DIR]… [--threads N]
      run a graph headless; writes the declared outputs and run-log.json into DIR (default ./out).
      Assets are read from the graph's folder, the studio's public folder, the --assets folders
      and the folders of files named by --set (relative to the working directory); never from
      elsewhere (symlinks are followed only within these). Each output is written when its node
      produces it. Ctrl-C stops the run at the running node's next step, keeps what was written
      and logs the run as cancelled (exit 130); a second Ctrl-C quits at once.
      ${THREADS_USAGE}; on webgpu, one.`;

async function check(files: string[]): Promise<number> {
  if (!files.length) throw new UsageError('no file given');
  const registry = builtinRegistry();
  let bad = false;
  for (const file of files) {
    const { graph, problems } = await readGraphFile(file, registry);
    for (const p of problems) (p.severity === 'error' ? console.error : console.warn)(`${file}: ${formatProblem(p)}`);
    if (!graph || hasErrors(problems)) bad = true;
    else console.log(`${file}: ok (${graph.nodes.length} nodes, ${graph.edges.length} edges, hash ${graphHash(graph).slice(0, 12)})`);
  }
  return bad ? 2 : 0;
}

async function run(argv: string[]): Promise<number> {
  const args = parseArgs(argv);
  const [file, ...extra] = args.positionals;
  if (!file || extra.length) throw new UsageError('give exactly one graph file');
  const { prepareGraphRun } = await import('../graph-runner.ts');
  const outFlag = flag(args, 'out');
  if (outFlag !== undefined && outFlag.trim() === '') throw new UsageError('--out is empty; give a folder');
  let prepared;
  try {
    prepared = await prepareGraphRun(file, { preset: flag(args, 'preset'), sets: args.flags.get('set') ?? [], assetDirs: args.flags.get('assets') ?? [] });
  } catch (e) {
    console.error(terminalText(e instanceof Error ? e.message : String(e)));
    return 2;
  }
  const { graph, engine } = prepared;
  for (const p of prepared.problems) if (p.severity === 'warning') console.warn(`${file}: ${formatProblem(p)}`);
  // The output folder is made and proven writable before anything is computed.
  let outDir: string;
  try {
    outDir = ensureWritableDir(outFlag ?? 'out');
  } catch (e) {
    if (e instanceof OutputDirError) {
      console.error(`nphm graph run: ${e.message}`);
      return 2;
    }
    throw e;
  }

  const { initNodeTf, parseBackend } = await import('../tf-node.ts');
  const tf = await import('@tensorflow/tfjs-core');
  const { terminalProgress } = await import('../progress.ts');
  const backendName = parseBackend(flag(args, 'backend'));
  const threads = backendName === 'webgpu' ? 1 : threadCount(flag(args, 'threads'), process.env.NPHM_THREADS);
  const backend = await initNodeTf(backendName);
  const targets = args.flags.get('target');
  const tensorsBefore = tf.memory().numTensors;
  const outputs = new RunOutputs(outDir);
  engine.subscribe(terminalProgress(targets?.length ?? graph.nodes.length));
  engine.subscribe((e) => {
    if (e.type === 'artifact') outputs.write(e.nodeId, e.artifact);
  });
  const runLog = (summary: RunSummary | undefined, extra: Record<string, unknown>) => ({
    graph: resolve(file),
    // The hash is of the graph as run, after the preset and the overrides named here.
    graphHash: graphHash(graph),
    preset: flag(args, 'preset') ?? null,
    sets: args.flags.get('set') ?? [],
    backend,
    threads,
    tfjs: tf.version_core,
    finishedAt: new Date().toISOString(),
    ...(summary ? { summary } : {}),
    ...extra,
    outputs: outputs.written,
    refusedOutputs: outputs.refused,
  });
  const ac = new AbortController();
  // First Ctrl-C: the run stops at the running node's next step (long work yields, see
  // graph/breathe.ts) and everything is written. A second one quits at once, logging that.
  const onSigint = () => {
    if (!ac.signal.aborted) {
      console.error('\nstopping… (Ctrl-C again to quit now)');
      ac.abort(new Error('cancelled by Ctrl-C'));
      return;
    }
    writeRunLog(outDir, runLog(undefined, { cancelled: true, quit: 'second Ctrl-C before the run had stopped', nodes: engine.allStates() }));
    console.error(`quit: ${outputs.written.length} output file(s) in ${outDir}`);
    process.exit(130);
  };
  process.on('SIGINT', onSigint);
  const summary = await withRayThreads(threads, backend, () => engine.run({ signal: ac.signal, previews: false, ...(targets ? { targets } : {}) }));
  // The engine hands back a cancelled run without waiting for a node that ignores its signal;
  // such a node's remaining compute is what the exit below cuts short.
  const tensorsAfterRun = tf.memory().numTensors;
  const nodeStates = engine.allStates();
  if (!summary.cancelled) engine.dispose();
  writeRunLog(outDir, runLog(summary, { cancelled: summary.cancelled, nodes: nodeStates, tensors: { before: tensorsBefore, afterRun: tensorsAfterRun, afterDispose: tf.memory().numTensors } }));
  process.off('SIGINT', onSigint);
  console.log(`${summary.ok ? 'done' : summary.cancelled ? 'cancelled' : 'failed'} in ${(summary.ms / 1000).toFixed(2)} s on ${backend} (${threads} thread${threads > 1 ? 's' : ''}): ${outputs.written.length} output file(s) in ${outDir}`);
  for (const f of summary.failed) console.error(`node '${f.nodeId}' failed: ${terminalText(f.message)}`);
  for (const r of outputs.refused) console.error(r);
  if (summary.blocked.length) console.error(`blocked by failures upstream: ${summary.blocked.join(', ')}`);
  if (summary.cancelled) process.exit(130);
  return summary.ok ? (outputs.refused.length ? 1 : 0) : 1;
}

function writeRunLog(dir: string, log: Record<string, unknown>): void {
  // Node messages quote text from files; JSON escapes C0 controls but not C1 or bidi overrides,
  // which a terminal showing the log would still obey.
  const safe = (_k: string, v: unknown) => (typeof v === 'string' ? jsonSafeText(v) : v);
  writeAtomically(join(dir, RUN_LOG_FILE), `${JSON.stringify(log, safe, 2)}\n`);
}

export const command: Command = {
  name: 'graph',
  summary: 'check and run graph files',
  usage,
  async run(argv) {
    const [sub, ...rest] = argv;
    if (sub === 'check') return check(rest);
    if (sub === 'run') return run(rest);
    throw new UsageError(sub ? `unknown sub-command '${sub}'` : 'missing sub-command');
  },
};
