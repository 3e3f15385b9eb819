/**
 * The hostile-input corpus of issue 15, generated into a folder at test time (nothing binary is
 * committed): checkpoints (stride 0, zip bombs, prototype names, truncations, NaN/Inf weights),
 * asset folders with symlinks out of the graph's folder, FIFOs and oversized files, graph files
 * with terminal escapes, prototype names and out-of-range numbers, and hostile output paths.
 * Each case is one `nphm` command line with what it must do.
 */
import { copyFileSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { unzipSync } from 'fflate';
import { convertCheckpoint } from '../../src/nphm/weights/convert-checkpoint.ts';
import { writeStudioWeightsDir } from '../../src/cli/studio-weights.ts';
import { writeStudioWeights } from '../../src/nphm/weights/studio-format.ts';
import { checkpointPickle, PickleBuilder } from './pickle-builder.ts';
import { deflatedZeros, floats, rezip, torchZip, zipWithDeflatedEntry } from './torch-zip.ts';

export type Category = 'checkpoint' | 'weights' | 'assets' | 'graph' | 'output';

export interface HostileCase {
  category: Category;
  name: string;
  args: string[];
  /** Working directory of the command (default: the corpus folder). */
  cwd?: string;
  exit: number;
  /** What stdout + stderr must say: the problem and where. */
  message: RegExp;
  /** Must appear in no output and no written file: the contents of a file outside the allowed folders. */
  secret?: string;
  /** Checks after the run (e.g. the run log), given the command's output. */
  after?: (output: string) => void;
}

export const SECRET = 'HOSTILE-SECRET-7f3a9c';
export const FIXTURE_DIR = fileURLToPath(new URL('../../../shared/fixtures/mononphm-small-a/', import.meta.url));
const FIXTURE_CKPT = join(FIXTURE_DIR, 'checkpoint.tar');
const FIXTURE_CONFIG = join(FIXTURE_DIR, 'config.json');
const FIXTURE_INPUTS = join(FIXTURE_DIR, 'inputs.json');

/** Terminal escapes a file might carry: retitle the window, erase the line, fake a result. */
export const ESCAPES = '\u001b]0;pwned\u0007\u001b[2K\r\u001b[32mall good\u001b[0m\u009b';

function graphJson(nodes: unknown[], edges: unknown[] = [], extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ format: 'nphm-studio/graph', schemaVersion: 2, id: 'hostile', nodes, edges, ...extra }, null, 1);
}

const head = (uri: string, extra: Record<string, unknown> = {}) => ({ id: 'head', type: 'nphm.headModel', typeVersion: 1, params: { source: 'studio', uri, ...extra } });
const saveGraph = (filename: string) =>
  graphJson(
    [
      { id: 'n', type: 'tensor.random', typeVersion: 1, params: { shape: [2, 2], distribution: 'normal', seed: 1 } },
      { id: 'sum', type: 'tensor.reduce', typeVersion: 1, params: { op: 'sum' } },
      { id: 'save', type: 'io.saveJson', typeVersion: 1, params: { filename } },
    ],
    [
      { id: 'e1', from: { node: 'n', port: 'tensor' }, to: { node: 'sum', port: 'x' } },
      { id: 'e2', from: { node: 'sum', port: 'value' }, to: { node: 'save', port: 'value' } },
    ],
  );

/** Builds every file of the corpus under `dir` and returns the cases. */
export function buildCorpus(dir: string): HostileCase[] {
  const cases: HostileCase[] = [];
  const at = (...p: string[]) => join(dir, ...p);
  for (const d of ['ck', 'outside', 'g', 'out']) mkdirSync(at(d), { recursive: true });
  const out = (name: string) => at('out', name);

  // A secret outside every allowed folder, and a valid model there too.
  writeFileSync(at('outside', 'secret.json'), `{"z_geo": "${SECRET}"}\n${SECRET}\n`);
  const fixture = new Uint8Array(readFileSync(FIXTURE_CKPT));
  const config = JSON.parse(readFileSync(FIXTURE_CONFIG, 'utf8')) as Record<string, unknown>;
  const studio = convertCheckpoint(fixture, config, { source: 'fixture', created: '2026-01-01T00:00:00Z' });
  writeStudioWeightsDir(at('outside', 'model'), studio);
  writeStudioWeightsDir(at('g', 'model'), studio);

  // ---- checkpoints -------------------------------------------------------------------------
  const importCase = (name: string, file: Uint8Array, message: RegExp, via: 'import' | 'eval' | 'mesh' = 'import') => {
    const path = at('ck', `${name}.tar`);
    writeFileSync(path, file);
    const args =
      via === 'import'
        ? ['import', path, '--config', FIXTURE_CONFIG, '--out', out(`import-${name}`)]
        : via === 'eval'
          ? ['eval', '--checkpoint', path, '--config', FIXTURE_CONFIG, '--inputs', FIXTURE_INPUTS, '--out', out(`eval-${name}.json`), '--backend', 'cpu']
          : ['mesh', '--checkpoint', path, '--config', FIXTURE_CONFIG, '--codes', FIXTURE_INPUTS, '--resolution', '8', '--out', out(`mesh-${name}.ply`), '--backend', 'cpu'];
    cases.push({ category: 'checkpoint', name: `${via}: ${name}`, args, exit: 1, message });
  };

  // 1. A stride-0 view of one float as 2^32 elements (4 GB if gathered), in a 600-byte file.
  const stride0 = torchZip(checkpointPickle({ id_decoder: { 'mlp_pos.0.weight': { key: '0', numel: 1, shape: [2 ** 32], stride: [0] } }, ex_decoder: {} }), { '0': floats([1]) });
  for (const via of ['import', 'eval', 'mesh'] as const) importCase('stride0', stride0, /tensor \[4294967296\] \(stride \[0\]\) has 4294967296 elements, more than its storage '0' holds \(1\)/, via);
  // The same file as an asset of the HeadModel node (the studio's worker reads it the same way).
  writeFileSync(at('g', 'stride0.tar'), stride0);
  writeFileSync(at('g', 'stride0.graph.json'), graphJson([{ id: 'head', type: 'nphm.headModel', typeVersion: 1, params: { source: 'checkpoint', uri: 'stride0.tar', config: 'config.json' } }]));
  cases.push({ category: 'checkpoint', name: 'graph run HeadModel: stride0', args: ['graph', 'run', at('g', 'stride0.graph.json'), '--out', out('stride0-head'), '--backend', 'cpu'], exit: 1, message: /node 'head' failed: .*has 4294967296 elements, more than its storage '0' holds \(1\)/ });
  // 2. An overlapping 2-D view: more elements than its storage without any zero stride.
  importCase('overlap', torchZip(checkpointPickle({ id_decoder: { w: { key: '0', numel: 5, shape: [3, 3], stride: [1, 1] } } }), { '0': floats([1, 2, 3, 4, 5]) }), /has 9 elements, more than its storage '0' holds \(5\)/);
  // 3. A view reaching past its storage.
  importCase('past-end', torchZip(checkpointPickle({ id_decoder: { w: { key: '0', numel: 4, shape: [2, 2], stride: [4, 1] } } }), { '0': floats([1, 2, 3, 4]) }), /reaches element 5 of storage '0' with 4 elements/);
  // 4. Zip bombs: data.pkl declaring 96 MiB (deflated to ~100 kB), and one declaring 1000 bytes that inflates to 96 MiB.
  const zeros = deflatedZeros(96 * 1024 * 1024);
  const meta = { 'checkpoint/byteorder': new TextEncoder().encode('little') };
  importCase('pickle-bomb', zipWithDeflatedEntry(meta, 'checkpoint/data.pkl', zeros, 96 * 1024 * 1024), /zip entry 'checkpoint\/data\.pkl' declares 100663296 bytes; at most 16777216 are allowed here/);
  importCase('pickle-bomb-lying-size', zipWithDeflatedEntry(meta, 'checkpoint/data.pkl', zeros, 1000), /zip entry 'checkpoint\/data\.pkl' inflates to more than its declared 1000 bytes/);
  // 5. A storage bomb where the config bounds it: a 96 MiB deflated storage for a tensor of the wrong shape.
  const wrongShape = checkpointPickle({ id_decoder: { 'mlp_pos.0.weight': { key: '0', numel: 24 * 1024 * 1024, shape: [4096, 6144] } }, ex_decoder: {} });
  const bombFiles = unzipSync(torchZip(wrongShape, {}));
  importCase('storage-bomb-config', zipWithDeflatedEntry(bombFiles, 'checkpoint/data/0', zeros, 96 * 1024 * 1024), /id_decoder: .*shape mismatch\(es\): mlp_pos\.0\.weight: expected \[\d+, \d+\], got \[4096, 6144\]/);
  // 6. A storage bomb nothing in the config bounds: latent_codes with a 96 MiB deflated storage,
  // beyond the reader's tensor-memory budget for a 5 MB file.
  const withCodes = (() => {
    const files = unzipSync(fixture);
    const pkl = files['checkpoint/data.pkl']!;
    // Appends {'latent_codes': OrderedDict(codebook.geo.weight → [96 Mi/4/64, 64])} to the top dict
    // by rewriting the trailing SETITEMS + STOP: `... u .` → `... <key> <value> u .` is not
    // possible after the outer SETITEMS, so the new pair goes into a second SETITEMS.
    const extra = new PickleBuilder();
    const body = extra.mark().str('latent_codes').orderedDict().mark().str('codebook.geo.weight').tensor({ key: 'bomb', numel: 24 * 1024 * 1024, shape: [393216, 64] }).setItems().setItems().bytes();
    const tail = body.subarray(2); // without PROTO; ends with STOP
    const merged = new Uint8Array(pkl.length - 1 + tail.length);
    merged.set(pkl.subarray(0, pkl.length - 1));
    merged.set(tail, pkl.length - 1);
    files['checkpoint/data.pkl'] = merged;
    return zipWithDeflatedEntry(files, 'checkpoint/data/bomb', zeros, 96 * 1024 * 1024);
  })();
  importCase('storage-bomb-latents', withCodes, /reading 'checkpoint\/data\/bomb' needs 100663296 more bytes of memory than/);
  // 7. Prototype names as storage types: before, `torch.constructor` passed `name in STORAGE_DTYPES`
  // and a checkpoint without tensor data imported as an all-zero model.
  for (const proto of ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf']) {
    const pkl = checkpointPickle({ id_decoder: { 'mlp_pos.0.weight': { key: '0', numel: 4096, shape: [64, 64], storageType: proto } }, ex_decoder: {} });
    importCase(`storage-type-${proto}`, torchZip(pkl, { '0': new Uint8Array(0) }), new RegExp(`refused pickle global 'torch\\.${proto}' at byte \\d+ of checkpoint/data\\.pkl`));
  }
  // 8. Truncations of the real fixture at a few offsets (the in-process suite covers many more).
  for (const cut of [0.25, 0.5, 0.999]) {
    const n = Math.floor(fixture.length * cut);
    importCase(`truncated-${n}`, fixture.subarray(0, n), /checkpoint is not a (readable )?zip archive|truncated/);
  }

  // ---- weights: one NaN / Inf in an otherwise valid model, wherever weights are loaded --------
  const poisoned = (value: number) =>
    rezip(fixture, (f) => {
      const s = f['checkpoint/data/0']!.slice();
      new DataView(s.buffer).setFloat32(4 * 3, value, true);
      f['checkpoint/data/0'] = s;
    });
  const nan = poisoned(NaN);
  writeFileSync(at('ck', 'nan.tar'), nan);
  writeFileSync(at('ck', 'inf.tar'), poisoned(Infinity));
  const tensorNamed = /id_decoder: '[\w.]+' has a non-finite value \((NaN|Infinity)\) at flat index 3/;
  const weightsCase = (name: string, args: string[]) => cases.push({ category: 'weights', name, args, exit: 1, message: tensorNamed });
  weightsCase('import: NaN', ['import', at('ck', 'nan.tar'), '--config', FIXTURE_CONFIG, '--out', out('import-nan')]);
  weightsCase('eval: NaN', ['eval', '--checkpoint', at('ck', 'nan.tar'), '--config', FIXTURE_CONFIG, '--inputs', FIXTURE_INPUTS, '--out', out('eval-nan.json'), '--backend', 'cpu']);
  weightsCase('mesh: Inf', ['mesh', '--checkpoint', at('ck', 'inf.tar'), '--config', FIXTURE_CONFIG, '--codes', FIXTURE_INPUTS, '--resolution', '8', '--out', out('mesh-inf.ply'), '--backend', 'cpu']);
  // A studio weight folder with a NaN (its hash is right: it was written that way).
  const nanStudio = convertCheckpoint(fixture, config, { source: 'fixture' });
  const firstTensor = nanStudio.manifest.tensors.find((t) => t.name.startsWith('id_decoder.'))!;
  new DataView(nanStudio.bin.buffer, nanStudio.bin.byteOffset).setFloat32(firstTensor.offset + 12, NaN, true);
  writeStudioWeightsDir(at('g', 'nan-model'), writeStudioWeights(studioDicts(nanStudio), config, {}));
  weightsCase('eval --model: NaN', ['eval', '--model', at('g', 'nan-model'), '--inputs', FIXTURE_INPUTS, '--out', out('eval-nan-model.json'), '--backend', 'cpu']);
  writeFileSync(at('g', 'nan-head.graph.json'), graphJson([head('nan-model/model.json')]));
  weightsCase('graph run HeadModel (studio): NaN', ['graph', 'run', at('g', 'nan-head.graph.json'), '--out', out('nan-head'), '--backend', 'cpu']);
  copyFileSync(at('ck', 'nan.tar'), at('g', 'nan.tar'));
  copyFileSync(FIXTURE_CONFIG, at('g', 'config.json'));
  writeFileSync(at('g', 'nan-ckpt.graph.json'), graphJson([{ id: 'head', type: 'nphm.headModel', typeVersion: 1, params: { source: 'checkpoint', uri: 'nan.tar', config: 'config.json' } }]));
  weightsCase('graph run HeadModel (checkpoint): NaN', ['graph', 'run', at('g', 'nan-ckpt.graph.json'), '--out', out('nan-ckpt'), '--backend', 'cpu']);

  // ---- assets: symlinks, FIFOs, devices, sizes, the working directory -------------------------
  const assetCase = (name: string, uri: string, message: RegExp, opts: { cwd?: string; exit?: number; extra?: string[] } = {}) => {
    const file = at('g', `asset-${name}.graph.json`);
    writeFileSync(file, graphJson([head(uri)]));
    cases.push({ category: 'assets', name, args: ['graph', 'run', file, '--out', out(`asset-${name}`), '--backend', 'cpu', ...(opts.extra ?? [])], cwd: opts.cwd, exit: opts.exit ?? 1, message, secret: SECRET });
  };
  const outsideRe = /asset '[^']+' (resolves )?outside the allowed folders/;
  symlinkSync(at('outside', 'secret.json'), at('g', 'linked-secret.json'));
  assetCase('symlink-to-secret', 'linked-secret.json', outsideRe);
  symlinkSync(at('outside', 'model'), at('g', 'linked-model'));
  assetCase('symlinked-directory', 'linked-model/model.json', outsideRe);
  symlinkSync('/dev/zero', at('g', 'zero.json'));
  assetCase('symlink-to-dev-zero', 'zero.json', outsideRe);
  symlinkSync('/etc/passwd', at('g', 'passwd.json'));
  assetCase('symlink-to-etc-passwd', 'passwd.json', outsideRe);
  assetCase('dot-dot', '../outside/secret.json', outsideRe);
  assetCase('absolute-path', at('outside', 'secret.json'), outsideRe);
  // The working directory is not an allowed folder: a relative URI does not reach files there.
  assetCase('working-directory', 'secret.json', /asset 'secret\.json' not found in /, { cwd: at('outside') });
  execFileSync('mkfifo', [at('g', 'fifo.json')]);
  assetCase('fifo-manifest', 'fifo.json', /asset 'fifo\.json' is a FIFO \(named pipe\), not a regular file|asset 'fifo\.json': a FIFO \(named pipe\), not a regular file/);
  mkdirSync(at('g', 'fifo-model'));
  writeFileSync(at('g', 'fifo-model', 'model.json'), studio.json);
  execFileSync('mkfifo', [at('g', 'fifo-model', 'weights.bin')]);
  assetCase('fifo-weights', 'fifo-model/model.json', /asset 'fifo-model\/weights\.bin': a FIFO \(named pipe\), not a regular file/);
  mkdirSync(at('g', 'big-model'));
  writeFileSync(at('g', 'big-model', 'model.json'), studio.json);
  writeFileSync(at('g', 'big-model', 'weights.bin'), new Uint8Array(studio.bin.length + 4096));
  assetCase('weights-larger-than-declared', 'big-model/model.json', new RegExp(`asset 'big-model/weights\\.bin': ${studio.bin.length + 4096} bytes; at most ${studio.bin.length} are read`));
  assetCase('directory', 'model', /asset 'model': a directory, not a regular file/);
  // What must keep working: the graph's own folder, and a file named on the command line.
  assetCase('own-folder (allowed)', 'model/model.json', /done in .* 0 output file/, { exit: 0 });
  assetCase('named on the command line (allowed)', 'nope.json', /done in .* 0 output file/, { exit: 0, cwd: at('outside'), extra: ['--set', 'head.uri=model/model.json'] });
  // The CLI's own model folder reader: the same FIFO, device and size checks.
  mkdirSync(at('g', 'zero-model'));
  writeFileSync(at('g', 'zero-model', 'model.json'), studio.json);
  symlinkSync('/dev/zero', at('g', 'zero-model', 'weights.bin'));
  cases.push({ category: 'assets', name: 'eval --model: weights.bin → /dev/zero', args: ['eval', '--model', at('g', 'zero-model'), '--inputs', FIXTURE_INPUTS, '--out', out('eval-zero.json')], exit: 1, message: /studio weights binary .*weights\.bin: a character device, not a regular file/ });
  cases.push({ category: 'assets', name: 'eval --model: FIFO weights', args: ['eval', '--model', at('g', 'fifo-model'), '--inputs', FIXTURE_INPUTS, '--out', out('eval-fifo.json')], exit: 1, message: /studio weights binary .*weights\.bin: a FIFO \(named pipe\), not a regular file/ });

  // The fitting and training commands read their model folder's statistics and their config
  // through the same capped, regular-file-only reader.
  const statsModel = (name: string) => {
    mkdirSync(at('g', name));
    writeFileSync(at('g', name, 'model.json'), studio.json);
    writeFileSync(at('g', name, 'weights.bin'), studio.bin);
    return at('g', name);
  };
  execFileSync('mkfifo', [join(statsModel('fifo-stats-model'), 'latent-stats.json')]);
  cases.push({ category: 'assets', name: 'fit-expressions --model: FIFO latent-stats.json', args: ['fit-expressions', '--model', at('g', 'fifo-stats-model'), '--out', out('fit-fifo.json'), '--iterations', '1'], exit: 1, message: /latent statistics .*latent-stats\.json: a FIFO \(named pipe\), not a regular file/ });
  writeFileSync(join(statsModel('short-stats-model'), 'latent-stats.json'), JSON.stringify({ geo: { mean: [0, 0], std: [1, 1] }, app: { mean: [0], std: [1] }, exp: { mean: [0], std: [1] } }));
  cases.push({ category: 'assets', name: 'fit-eval --model: latent statistics of the wrong size', args: ['fit-eval', '--model', at('g', 'short-stats-model'), '--seed', '1', '--heads', '1', '--iterations', '1', '--backend', 'cpu'], exit: 1, message: /latent-stats\.json: geo statistics have 2\/2 values, the model's geo code has \d+/ });
  cases.push({ category: 'assets', name: 'train --config: a FIFO', args: ['train', '--config', at('g', 'fifo.json'), '--out', out('train-fifo')], exit: 1, message: /training config .*fifo\.json: a FIFO \(named pipe\), not a regular file/ });

  // ---- graphs ------------------------------------------------------------------------------
  const graphCase = (name: string, text: string, sub: 'check' | 'run', exit: number, message: RegExp, extra: string[] = [], after?: (o: string) => void) => {
    const file = at('g', `graph-${name.replace(/\W+/g, '-')}.graph.json`);
    writeFileSync(file, text);
    const args = sub === 'check' ? ['graph', 'check', file, ...extra] : ['graph', 'run', file, '--out', out(`graph-${name.replace(/\W+/g, '-')}`), '--backend', 'cpu', ...extra];
    cases.push({ category: 'graph', name: `${sub}: ${name}`, args, exit, message, after });
  };
  graphCase('escapes in a node type', graphJson([{ id: 'x', type: `evil${ESCAPES}`, typeVersion: 1, params: {} }]), 'check', 0, /unknown node type 'evil\\x1b\]0;pwned\\x07\\x1b\[2K\\x0d\\x1b\[32mall good\\x1b\[0m\\x9b'/);
  graphCase('escapes in an enum value', graphJson([{ id: 'r', type: 'tensor.random', typeVersion: 1, params: { shape: [2], distribution: `normal${ESCAPES}`, seed: 1 } }]), 'check', 2, /param 'distribution': 'normal\\x1b\]0;pwned/);
  graphCase('escapes in a param name', graphJson([{ id: 'r', type: 'tensor.random', typeVersion: 1, params: { [`s${ESCAPES}`]: 1 } }]), 'check', 0, /has no param 's\\x1b\]0;pwned/);
  graphCase('escapes in a preset name', graphJson([{ id: 'r', type: 'tensor.random', typeVersion: 1, params: {} }], [], { meta: { presets: { [`quick${ESCAPES}`]: {} } } }), 'run', 2, /no preset 'full'; the graph has quick\\x1b\]0;pwned/, ['--preset', 'full']);
  // `constructor` (like `__proto__`) is refused by the loader as a key anywhere in the file.
  graphCase('param named constructor', graphJson([{ id: 'r', type: 'tensor.random', typeVersion: 1, params: { constructor: 5 } }]), 'check', 2, /at \$\.nodes\[0\]\.params\.constructor: the key 'constructor' is not allowed/);
  for (const proto of ['toString', 'hasOwnProperty', 'valueOf']) {
    graphCase(`param named ${proto}`, graphJson([{ id: 'r', type: 'tensor.random', typeVersion: 1, params: { [proto]: 5 } }]), 'check', 0, new RegExp(`'tensor\\.random' has no param '${proto}': kept but unused`));
  }
  graphCase('--set of a prototype name', saveGraph('x.json'), 'run', 2, /--set n\.constructor=1: node 'n' \(tensor\.random\) has no param 'constructor'/, ['--set', 'n.constructor=1']);
  graphCase('--set of toString', saveGraph('x.json'), 'run', 2, /has no param 'toString'/, ['--set', 'n.toString=1']);
  graphCase('1e999 in an unchecked param (check)', graphJson([{ id: 'r', type: 'tensor.random', typeVersion: 1, params: { unused: 1 } }]).replace('"unused": 1', '"unused": 1e999'), 'check', 2, /at \$\.nodes\[0\]\.params\.unused: the number is out of range \(Infinity\)/);
  graphCase('1e999 in an unchecked param (run)', saveGraph('x.json').replace('"seed": 1', '"seed": 1, "unused": -1e999'), 'run', 2, /at \$\.nodes\[0\]\.params\.unused: the number is out of range \(-Infinity\)/);
  graphCase('UTF-8 byte-order mark', `\ufeff${saveGraph('x.json')}`, 'check', 0, /: ok \(3 nodes, 2 edges/);
  graphCase('warnings printed once', saveGraph('x.json').replace('"seed": 1', '"seed": 1, "unused": 2'), 'run', 0, /has no param 'unused'/, [], (o) => {
    if (o.split("has no param 'unused'").length !== 2) throw new Error(`the warning is printed ${o.split("has no param 'unused'").length - 1} times`);
  });
  graphCase('escapes in a --set value and the run log', saveGraph('x.json'), 'run', 1, /filename 'evil\\x9b\\u202e\.json': a file name may only contain/, ['--set', 'save.filename=evil\u009b\u202e.json'], () => {
    const log = readFileSync(out('graph-escapes-in-a-set-value-and-the-run-log/run-log.json'), 'utf8');
    if (/[\u007f-\u009f\u202a-\u202e]/.test(log)) throw new Error('raw control characters in run-log.json');
    if (!log.includes('evil\\\\x9b')) throw new Error('the --set value is missing from run-log.json');
  });
  graphCase('node id toString', graphJson([{ id: 'toString', type: 'tensor.random', typeVersion: 1, params: {} }]), 'check', 2, /at \$\.nodes\[0\]\.id: node id 'toString' is reserved/);
  execFileSync('mkfifo', [at('g', 'fifo.graph.json')]);
  cases.push({ category: 'graph', name: 'check: the graph file is a FIFO', args: ['graph', 'check', at('g', 'fifo.graph.json')], exit: 2, message: /fifo\.graph\.json: error: graph at \$: a FIFO \(named pipe\), not a regular file/ });
  cases.push({ category: 'graph', name: 'command named constructor', args: ['constructor'], exit: 2, message: /unknown command 'constructor'/ });

  // ---- output paths ------------------------------------------------------------------------
  const outputCase = (name: string, args: string[], exit: number, message: RegExp, after?: (o: string) => void) => cases.push({ category: 'output', name, args, exit, message, after });
  writeFileSync(at('g', 'save-dotdot.graph.json'), saveGraph('..'));
  outputCase("saveJson filename '..'", ['graph', 'run', at('g', 'save-dotdot.graph.json'), '--out', out('dotdot'), '--backend', 'cpu'], 1, /filename '\.\.': a file name cannot be only dots/);
  writeFileSync(at('g', 'save-runlog.graph.json'), saveGraph('run-log.json'));
  outputCase("saveJson filename 'run-log.json'", ['graph', 'run', at('g', 'save-runlog.graph.json'), '--out', out('runlog'), '--backend', 'cpu'], 1, /filename 'run-log\.json': 'run-log\.json' is the name of the run log/, () => {
    const log = JSON.parse(readFileSync(out('runlog/run-log.json'), 'utf8')) as { graphHash?: string };
    if (typeof log.graphHash !== 'string') throw new Error('the run log was overwritten');
  });
  writeFileSync(at('g', 'save-ok.graph.json'), saveGraph('x.json'));
  outputCase("--out ''", ['graph', 'run', at('g', 'save-ok.graph.json'), '--out', '', '--backend', 'cpu'], 2, /--out is empty/);
  outputCase('--out /proc/x', ['graph', 'run', at('g', 'save-ok.graph.json'), '--out', '/proc/nphm-hostile/x', '--backend', 'cpu'], 2, /--out \/proc\/nphm-hostile\/x: cannot create the folder \/proc\/nphm-hostile/);
  writeFileSync(at('out', 'a-file'), 'x');
  outputCase('--out is a file (found before compute)', ['graph', 'run', at('g', 'save-ok.graph.json'), '--out', at('out', 'a-file'), '--backend', 'cpu'], 2, /--out .*a-file: .*a-file is not a folder/, (o) => {
    if (/done in|failed in/.test(o)) throw new Error('the graph ran before the output folder was checked');
  });
  outputCase('mesh --resolution 100000', ['mesh', '--checkpoint', FIXTURE_CKPT, '--config', FIXTURE_CONFIG, '--codes', FIXTURE_INPUTS, '--resolution', '100000', '--out', out('big.ply')], 2, /--resolution must be an integer in \[2, 512\], got '100000'/);
  return cases;
}

/** The studio weights' state dicts back as maps (to rewrite them with a consistent hash). */
function studioDicts(w: ReturnType<typeof convertCheckpoint>) {
  const id = new Map<string, { shape: number[]; data: Float32Array }>();
  const ex = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const t of w.manifest.tensors) {
    const data = new Float32Array(w.bin.buffer.slice(w.bin.byteOffset + t.offset, w.bin.byteOffset + t.offset + 4 * t.length));
    const dot = t.name.indexOf('.');
    (t.name.startsWith('id_decoder.') ? id : ex).set(t.name.slice(dot + 1), { shape: t.shape, data });
  }
  return { id, ex };
}
