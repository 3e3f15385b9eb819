/**
 * Writes the example graphs in graphs/ (canonical JSON). Kept as code so that their structure is
 * reviewed like code; run `npx tsx scripts/make-example-graphs.ts` after changing it.
 */
import { writeFileSync } from 'node:fs';
import { serializeGraph } from '../src/graph/serialize.ts';
import { loadGraphValue } from '../src/graph/load.ts';
import { presetChanges } from '../src/graph/presets.ts';
import { layeredLayout, layoutHeight, NODE_WIDTH } from '../src/ui/state/layout.ts';
import { builtinRegistry } from '../src/nodes/registry.ts';
import { SCHEMA_VERSION, type GraphDocument, type ParamValue } from '../src/graph/document.ts';
import type { NotebookCell } from '../src/graph/notebook.ts';
import { NARRATED, NOTEBOOKS } from './example-notebooks.ts';

type N = [id: string, type: string, params: Record<string, ParamValue>, x: number, y: number, label?: string];
type E = [from: string, fromPort: string, to: string, toPort: string];

const registry = builtinRegistry();

/** `autoRun: false` for graphs that run for minutes as shipped: the studio waits for Run. */
/**
 * `runSeconds`: each preset's run time on a 2-core CPU (see RUN_SECONDS); `onRequest`: nodes that
 * Run all and auto-run leave until asked for (the interpolation's mesh, so the opening graph answers
 * in seconds).
 */
function build(
  id: string,
  title: string,
  description: string,
  nodes: N[],
  edges: E[],
  presets: NonNullable<GraphDocument['meta']['presets']>,
  opts: { autoRun?: false; runSeconds?: Record<string, number>; onRequest?: string[]; cells?: NotebookCell[] } = {},
): GraphDocument {
  const { onRequest = [], cells, ...meta } = opts;
  const doc: GraphDocument = {
    format: 'nphm-studio/graph',
    schemaVersion: SCHEMA_VERSION,
    id,
    meta: { title, description, presets, ...meta },
    nodes: nodes.map(([nid, type, params, , , label]) => ({ id: nid, type, typeVersion: 1, params, ...(label ? { label } : {}) })),
    edges: edges.map(([a, ap, b, bp]) => ({ id: `${a}.${ap}-${b}.${bp}`, from: { node: a, port: ap }, to: { node: b, port: bp } })),
    ui: { nodes: {}, comments: [], ...(cells ? { cells } : {}) },
  };
  // The studio's own auto-arrange, at the card sizes it assumes before previews arrive: the files
  // open without overlapping cards, and Arrange leaves them where they are. The hand positions
  // only order the nodes within a column.
  const given = new Map(nodes.map(([nid, , , x, y]) => [nid, { x, y }]));
  const typeOf = new Map(nodes.map(([nid, type]) => [nid, type]));
  const pos = layeredLayout({
    ids: nodes.map(([nid]) => nid),
    edges: edges.map(([a, , b]) => [a, b] as const),
    size: (nid) => ({ width: NODE_WIDTH, height: layoutHeight(undefined, Object.keys(registry.get(typeOf.get(nid)!)?.outputs ?? {}).length > 0) }),
    current: (nid) => given.get(nid),
  });
  doc.ui.nodes = Object.fromEntries(pos);
  for (const nid of onRequest) doc.ui.nodes[nid] = { ...doc.ui.nodes[nid]!, onRequest: true };
  const checked = loadGraphValue(doc, registry);
  // Every problem counts here, warnings too: a cell pointing at a node that is not there is a bug.
  const errors = [...checked.problems];
  for (const name of Object.keys(presets)) errors.push(...presetChanges(checked.graph!, name, registry).problems);
  if (errors.length) throw new Error(`${id}: ${JSON.stringify(errors)}`);
  return checked.graph!;
}

const COL = 280;

/**
 * Seconds per preset on this project's 2-core CPU (wasm, one thread), from `nphm graph run FILE
 * --preset NAME` (interpolation: without its on-request mesh, `--target render`); tracking from a
 * run in the studio; the full presets scaled from the quick ones by pixels, samples and mesh cells.
 */
const RUN_SECONDS = {
  // interactive: 17.2 s with the CLI's start; quick 70.2 s; full scaled from quick's 29.2-s render and 39.5-s mesh.
  interpolation: { interactive: 15, quick: 70, full: 1300 },
  // quick: 5 min 34 s in the studio (issue of the first ten minutes); full: 24 frames at ≈ 9.4 s an iteration.
  tracking: { quick: 330, full: 31_000 },
  // quick: 665.7 s (renders 211 + 183 s, meshes 132 + 138 s); full: renders × 18, meshes × 16.
  expressionTransfer: { quick: 640, full: 11_400 },
  // `nphm graph run … --preset NAME` less the on-request optimisation and what follows it (interactive:
  // 33.9 s in all, the optimisation 11.2 s, its overlay 11.5 s; quick: 73.7 s, 10.5 s, 25.1 s).
  howItWorks: { interactive: 11, quick: 38 },
};
const tracking = build(
  'example-tracking',
  'Tracking a head in a video (MonoNPHM stage 1 + stage 2)',
  'The synthetic sample → ground-truth landmarks and masks → per-frame tracking on the default model (NeuS volume rendering, landmark loss through the posed anchors, latent regularisers) → per-frame codes, overlays and world-space meshes. Presets: quick (4 frames, CPU minutes) and full (all 24 frames, the paper\'s tracking numbers).',
  [
    ['video', 'nphm.videoSource', { uri: 'samples/synthetic-a/sequence.json', start: 0, end: 23, stride: 1, maxSide: 96 }, 0, 0],
    ['landmarks', 'nphm.landmarks', {}, COL, -120],
    ['masks', 'nphm.segmentation', {}, COL, 60],
    ['model', 'nphm.headModel', { uri: 'models/default/model.json' }, COL, 240],
    ['loss', 'nphm.loss', {}, 2 * COL, 0],
    ['optimizer', 'nphm.optimizer', { schedule: 'paper', stages: '1+2' }, 3 * COL, 120],
    ['codes', 'nphm.codeSequence', { mode: 'save', filename: 'tracking.codes.json' }, 4 * COL, -80],
    ['identity', 'nphm.latentCode', { mode: 'tracked', frame: 0 }, 4 * COL, 120],
    ['field', 'nphm.textureField', {}, 5 * COL, 200],
    ['overlay', 'nphm.volumeRender', { save: true, prefix: 'overlay', opacity: 0.85 }, 6 * COL, 0],
    ['meshes', 'nphm.meshExport', { resolution: 128, format: 'ply', space: 'world', filename: 'tracked' }, 6 * COL, 280],
    ['viewer', 'nphm.viewer', {}, 7 * COL, 0],
  ],
  [
    ['video', 'video', 'landmarks', 'video'],
    ['video', 'video', 'masks', 'video'],
    ['video', 'video', 'loss', 'video'],
    ['landmarks', 'landmarks', 'loss', 'landmarks'],
    ['masks', 'segmentation', 'loss', 'segmentation'],
    ['model', 'model', 'optimizer', 'model'],
    ['loss', 'loss', 'optimizer', 'loss'],
    ['optimizer', 'sequence', 'codes', 'sequence'],
    ['model', 'model', 'identity', 'model'],
    ['optimizer', 'sequence', 'identity', 'sequence'],
    ['model', 'model', 'field', 'model'],
    ['identity', 'codes', 'field', 'codes'],
    ['field', 'field', 'overlay', 'field'],
    ['optimizer', 'sequence', 'overlay', 'sequence'],
    ['video', 'video', 'overlay', 'video'],
    ['field', 'field', 'meshes', 'field'],
    ['optimizer', 'sequence', 'meshes', 'sequence'],
    ['overlay', 'video', 'viewer', 'value'],
  ],
  {
    quick: {
      video: { end: 3, maxSide: 64 },
      optimizer: { schedule: 'short', firstIterations: 60, laterIterations: 20, stage2Iterations: 16 },
      meshes: { resolution: 64 },
      overlay: { samples: 24 },
    },
    full: {
      video: { end: 23, maxSide: 128 },
      optimizer: { schedule: 'paper', firstIterations: 0, laterIterations: 0, stage2Iterations: 0 },
      meshes: { resolution: 150 },
      overlay: { samples: 32 },
    },
  },
  { autoRun: false, runSeconds: RUN_SECONDS.tracking, cells: NOTEBOOKS.tracking },
);

const corners: N[] = [1, 2, 3, 4].map((s, i) => [`head${s}`, 'nphm.latentCode', { mode: 'random', seed: s, spread: 0.85, keepExpression: false }, COL, -240 + i * 160, `Identity ${s}`]);
const interpolation = build(
  'example-interpolation',
  'Latent interpolation between four heads',
  'Four random identities (with their appearance) from the default model\'s latent statistics at the corners of a square; the cursor blends them bilinearly, as on the MonoNPHM project page. The blended head is rendered and meshed.',
  [
    ['model', 'nphm.headModel', { uri: 'models/default/model.json' }, 0, 0],
    ...corners,
    ['blend', 'nphm.latentInterpolate', { cursorX: 0.35, cursorY: 0.6, blend: 'all' }, 2 * COL, 0],
    ['geometry', 'nphm.sdf', { space: 'posed' }, 3 * COL, -120],
    ['appearance', 'nphm.textureField', { yaw: 25 }, 3 * COL, 120],
    // As shipped: the interactive preset (the graph opens and auto-runs on it).
    ['camera', 'nphm.camera', { width: 48, height: 48, yaw: 25, pitch: 5 }, 3 * COL, 300],
    ['render', 'nphm.volumeRender', { save: true, prefix: 'interpolation', samples: 16 }, 4 * COL, 120],
    ['mesh', 'nphm.meshExport', { resolution: 64, format: 'glb', filename: 'interpolated' }, 4 * COL, -120],
    ['viewer', 'nphm.viewer', {}, 5 * COL, 0],
  ],
  [
    ...[1, 2, 3, 4].map((s): E => ['model', 'model', `head${s}`, 'model']),
    ['head1', 'codes', 'blend', 'a'],
    ['head2', 'codes', 'blend', 'b'],
    ['head3', 'codes', 'blend', 'c'],
    ['head4', 'codes', 'blend', 'd'],
    ['model', 'model', 'geometry', 'model'],
    ['blend', 'codes', 'geometry', 'codes'],
    ['model', 'model', 'appearance', 'model'],
    ['blend', 'codes', 'appearance', 'codes'],
    ['appearance', 'field', 'render', 'field'],
    ['camera', 'camera', 'render', 'camera'],
    ['geometry', 'field', 'mesh', 'field'],
    ['mesh', 'mesh', 'viewer', 'value'],
  ],
  {
    interactive: { camera: { width: 48, height: 48 }, mesh: { resolution: 64 }, render: { samples: 16 } },
    quick: { camera: { width: 64, height: 64 }, mesh: { resolution: 64 }, render: { samples: 24 } },
    full: { camera: { width: 256, height: 256 }, mesh: { resolution: 256 }, render: { samples: 32 } },
  },
  { runSeconds: RUN_SECONDS.interpolation, onRequest: ['mesh'], cells: NOTEBOOKS.interpolation },
);

const expressionTransfer = build(
  'example-expression-transfer',
  'Expression transfer: a tracked performance drives other identities',
  'Per-frame expression codes tracked from the synthetic sample (samples/synthetic-a/tracked.codes.json, made by the tracking graph) drive two other identities: their identity and appearance codes are kept, the expression codes and head poses come from the performance. Rendered sequences and meshes per frame.',
  [
    ['model', 'nphm.headModel', { uri: 'models/default/model.json' }, 0, 0],
    ['performance', 'nphm.codeSequence', { mode: 'load', uri: 'samples/synthetic-a/tracked.codes.json' }, COL, -160],
    ['personA', 'nphm.latentCode', { mode: 'random', seed: 11, keepExpression: false }, COL, 80, 'Target A'],
    ['personB', 'nphm.latentCode', { mode: 'random', seed: 12, keepExpression: false }, COL, 240, 'Target B'],
    ['transferA', 'nphm.expressionTransfer', { pose: 'source', lighting: 'source' }, 2 * COL, 0],
    ['transferB', 'nphm.expressionTransfer', { pose: 'source', lighting: 'source' }, 2 * COL, 200],
    ['fieldA', 'nphm.textureField', {}, 3 * COL, -60],
    ['fieldB', 'nphm.textureField', {}, 3 * COL, 260],
    ['camera', 'nphm.camera', { width: 128, height: 128 }, 3 * COL, 100],
    ['renderA', 'nphm.volumeRender', { save: true, prefix: 'transfer-a' }, 4 * COL, -60],
    ['renderB', 'nphm.volumeRender', { save: true, prefix: 'transfer-b' }, 4 * COL, 260],
    ['meshA', 'nphm.meshExport', { resolution: 128, format: 'ply', filename: 'transfer-a' }, 5 * COL, -60],
    ['meshB', 'nphm.meshExport', { resolution: 128, format: 'ply', filename: 'transfer-b' }, 5 * COL, 260],
  ],
  [
    ['model', 'model', 'performance', 'model'],
    ['model', 'model', 'personA', 'model'],
    ['model', 'model', 'personB', 'model'],
    ['performance', 'sequence', 'transferA', 'source'],
    ['personA', 'codes', 'transferA', 'target'],
    ['performance', 'sequence', 'transferB', 'source'],
    ['personB', 'codes', 'transferB', 'target'],
    ['model', 'model', 'fieldA', 'model'],
    ['personA', 'codes', 'fieldA', 'codes'],
    ['model', 'model', 'fieldB', 'model'],
    ['personB', 'codes', 'fieldB', 'codes'],
    ['fieldA', 'field', 'renderA', 'field'],
    ['transferA', 'sequence', 'renderA', 'sequence'],
    ['camera', 'camera', 'renderA', 'camera'],
    ['fieldB', 'field', 'renderB', 'field'],
    ['transferB', 'sequence', 'renderB', 'sequence'],
    ['camera', 'camera', 'renderB', 'camera'],
    ['fieldA', 'field', 'meshA', 'field'],
    ['transferA', 'sequence', 'meshA', 'sequence'],
    ['fieldB', 'field', 'meshB', 'field'],
    ['transferB', 'sequence', 'meshB', 'sequence'],
  ],
  {
    quick: { camera: { width: 64, height: 64 }, meshA: { resolution: 48 }, meshB: { resolution: 48 }, renderA: { samples: 16 }, renderB: { samples: 16 } },
    full: { camera: { width: 192, height: 192 }, meshA: { resolution: 192 }, meshB: { resolution: 192 }, renderA: { samples: 32 }, renderB: { samples: 32 } },
  },
  { autoRun: false, runSeconds: RUN_SECONDS.expressionTransfer, cells: NOTEBOOKS.expressionTransfer },
);

/**
 * The narrated walk through the method (scripts/example-notebooks.ts holds its prose): every stage
 * of MonoNPHM as a node with a preview, small enough to auto-run in seconds on a CPU; the
 * optimisation step and what follows it run on request.
 */
const howItWorks = build(
  'example-how-mononphm-works',
  'How MonoNPHM works: a narrated walk through the model',
  'A notebook for teaching: latent codes → anchors → backward deformation with hyper-dimensions → the local SDF ensemble and its blend weights → appearance → NeuS rendering → the losses → an optimisation, each with its preview and the params to try. Open the Notebook panel and step with PageDown.',
  [
    ['model', 'nphm.headModel', { uri: 'models/default/model.json' }, 0, 0],
    ['codes', 'nphm.latentCode', { mode: 'random', seed: 7, spread: 1 }, COL, 0, 'Latent codes'],
    ['anchors', 'nphm.anchorInvert', {}, 2 * COL, -260, 'Anchors'],
    ['deform', 'nphm.deformField', { slice: 'sagittal', show: 'displacement' }, 2 * COL, -80, 'Backward deformation'],
    ['canonical', 'nphm.sdf', { space: 'canonical', slice: 'coronal', sliceOffset: 0.05, sliceShows: 'blend' }, 2 * COL, 100, 'Local ensemble (canonical)'],
    ['geometry', 'nphm.sdf', { space: 'posed', slice: 'sagittal' }, 2 * COL, 280, 'Posed SDF'],
    ['appearance', 'nphm.textureField', { yaw: 25 }, 2 * COL, 460, 'Appearance'],
    ['camera', 'nphm.camera', { width: 40, height: 40, yaw: 25, pitch: 5 }, 2 * COL, 640],
    ['render', 'nphm.volumeRender', { samples: 16 }, 3 * COL, 500, 'NeuS render'],
    ['video', 'nphm.videoSource', { uri: 'samples/synthetic-a/sequence.json', start: 0, end: 0, maxSide: 40 }, 0, 800, 'Target frame'],
    ['landmarks', 'nphm.landmarks', {}, COL, 720],
    ['masks', 'nphm.segmentation', {}, COL, 880],
    ['loss', 'nphm.loss', {}, 2 * COL, 820, 'Losses'],
    ['step', 'nphm.optimizer', { schedule: 'short', stages: '1', firstIterations: 12, rays: 64 }, 3 * COL, 760, 'Optimisation'],
    ['fitted', 'nphm.latentCode', { mode: 'tracked', frame: 0 }, 4 * COL, 700, 'Fitted codes'],
    ['fittedField', 'nphm.textureField', {}, 5 * COL, 700],
    ['overlay', 'nphm.volumeRender', { samples: 16, opacity: 0.85 }, 6 * COL, 760, 'Fit over the frame'],
  ],
  [
    ['model', 'model', 'codes', 'model'],
    ...(['anchors', 'deform', 'canonical', 'geometry', 'appearance'] as const).flatMap((n): E[] => [['model', 'model', n, 'model'], ['codes', 'codes', n, 'codes']]),
    ['appearance', 'field', 'render', 'field'],
    ['camera', 'camera', 'render', 'camera'],
    ['video', 'video', 'landmarks', 'video'],
    ['video', 'video', 'masks', 'video'],
    ['video', 'video', 'loss', 'video'],
    ['landmarks', 'landmarks', 'loss', 'landmarks'],
    ['masks', 'segmentation', 'loss', 'segmentation'],
    ['model', 'model', 'step', 'model'],
    ['loss', 'loss', 'step', 'loss'],
    ['model', 'model', 'fitted', 'model'],
    ['step', 'sequence', 'fitted', 'sequence'],
    ['model', 'model', 'fittedField', 'model'],
    ['fitted', 'codes', 'fittedField', 'codes'],
    ['fittedField', 'field', 'overlay', 'field'],
    ['step', 'sequence', 'overlay', 'sequence'],
    ['video', 'video', 'overlay', 'video'],
  ],
  {
    interactive: { camera: { width: 40, height: 40 }, render: { samples: 16 }, video: { maxSide: 40 } },
    quick: { camera: { width: 64, height: 64 }, render: { samples: 24 }, video: { maxSide: 64 } },
  },
  { runSeconds: RUN_SECONDS.howItWorks, onRequest: ['step'], cells: NARRATED },
);

for (const [name, g] of [['tracking', tracking], ['interpolation', interpolation], ['expression-transfer', expressionTransfer], ['how-mononphm-works', howItWorks]] as const) {
  writeFileSync(new URL(`../graphs/${name}.graph.json`, import.meta.url), serializeGraph(g));
  console.log(`graphs/${name}.graph.json: ${g.nodes.length} nodes, ${g.edges.length} edges`);
}
