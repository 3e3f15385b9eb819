/**
 * The prose of the example graphs' notebooks (scripts/make-example-graphs.ts puts them in the
 * files). Facts about the method follow MonoNPHM (CVPR 2024) and its code; figures about the
 * studio's default model are from its own config (public/models/default/model.json).
 */
import type { NotebookCell } from '../src/graph/notebook.ts';

const md = (lines: string[]) => lines.join('\n');

/** graphs/how-mononphm-works.graph.json: the method, one stage per cell. */
export const NARRATED: NotebookCell[] = [
  {
    id: 'intro',
    text: md([
      '# How MonoNPHM works',
      '',
      'MonoNPHM (Giebenhain et al., CVPR 2024) is a *neural parametric head model*: a few latent codes describe a whole head — its shape, its colours and its expression — as continuous fields in 3-D, and a renderer turns those fields into pictures. Tracking a video runs this backwards: it searches for the codes whose rendering looks like each frame.',
      '',
      'This notebook walks through the model one stage per cell. Each cell frames its nodes on the canvas, shows the preview of one of them, and puts the params worth trying at hand. Everything runs on the studio\'s small default model, on this machine, in seconds.',
      '',
      '- **PageDown / PageUp** (or Alt+↓/↑) step through the cells; in a presentation also → ← and space.',
      '- Yellow links such as [the head model](#node:model) frame a node.',
      '- A control in a cell is the node\'s own param: change it and what depends on it runs again. Ctrl+Z undoes it.',
    ]),
    nodes: ['model'],
  },
  {
    id: 'codes',
    text: md([
      '## 1 · Latent codes',
      '',
      'A head is three vectors:',
      '',
      '- $z_{geo}$, the identity\'s geometry: a **global** part and one **local** part per anchor (65 anchors plus a global MLP). The paper uses 64 + 66 × 32 = 2176 numbers; the default model 32 + 66 × 16.',
      '- $z_{app}$, the appearance, laid out the same way.',
      '- $z_{exp}$, the expression (100 numbers in the paper, 32 here).',
      '',
      'Random heads are drawn from the statistics of the codes the model was trained with: $z = \\mu + s\\,\\sigma \\odot \\varepsilon$, $\\varepsilon \\sim \\mathcal N(0, I)$. The preview shows the global identity and the expression as bars; the grey box behind each bar is that element\'s $\\mu \\pm \\sigma$, and bars outside it turn red.',
      '',
      '> **Try:** set *spread* to 0 (the mean head: every bar sits in the middle of its box), then to 2.5. How many bars leave their box, and what happens to the [render](#node:render)?',
    ]),
    nodes: ['codes'],
    preview: 'codes',
    controls: [{ node: 'codes', param: 'seed' }, { node: 'codes', param: 'spread' }],
  },
  {
    id: 'anchors',
    text: md([
      '## 2 · Anchors: where the local parts live',
      '',
      'The global identity code predicts 65 **canonical anchors**, points on the face (eye corners, nose, mouth, chin, …): $a_c = \\bar A + \\mathrm{MLP}_{pos}(z_{geo}[{:}g])$. Each local code belongs to one anchor, and 30 left/right pairs share their MLP with $\\delta_x$ mirrored, which keeps the face symmetric.',
      '',
      'With an expression, the anchors move. MonoNPHM deforms *backwards* (posed → canonical), so the posed position of an anchor is the point $x$ with $x + \\Delta(x) = a_c$, found by Broyden\'s method (≤ 30 steps, tolerance 5·10⁻⁵). These posed anchors are what the landmark loss projects into the image.',
      '',
      'The preview shows both in 3-D (drag to orbit): blue the canonical anchors, amber the posed ones, a line joining each pair.',
      '',
      '> **Try:** untick *keepExpression* (z_exp = 0, the neutral face). What happens to the anchors? The default model was trained with $z_{exp} = 0$ as neutral, so the two sets should meet to within a millimetre.',
    ]),
    nodes: ['anchors', 'codes'],
    preview: 'anchors',
    controls: [{ node: 'codes', param: 'keepExpression' }, { node: 'codes', param: 'seed' }],
  },
  {
    id: 'deformation',
    text: md([
      '## 3 · Backward deformation with hyper-dimensions',
      '',
      'Every posed point $x_p$ is sent to canonical space by one MLP conditioned on a compressed identity $c_{id}$ and the expression:',
      '',
      '$$',
      '[\\Delta, h] = \\mathrm{MLP}_{def}([x_p;\\ c_{id};\\ z_{exp}]), \\qquad x_c = [\\,x_p + \\Delta \\;\\|\\; h\\,]',
      '$$',
      '',
      'The two **hyper-coordinates** $h$ make canonical space 5-D: where the topology changes (a mouth opening) the same 3-D canonical point can mean two different things, and $h$ tells them apart (the idea of HyperNeRF).',
      '',
      'The preview colours a slice of posed space: by the canonical coordinates (the same colour = the same canonical point, across expressions), by $|\\Delta|$, or by $h$.',
      '',
      '> **Try:** set *show* to `hyper` and move the slice: where are the hyper-coordinates far from zero? Then `displacement` with *keepExpression* off.',
    ]),
    nodes: ['deform'],
    preview: 'deform',
    controls: [{ node: 'deform', param: 'show' }, { node: 'deform', param: 'slice' }, { node: 'deform', param: 'sliceOffset' }],
  },
  {
    id: 'ensemble',
    text: md([
      '## 4 · The local SDF ensemble and its blend weights',
      '',
      'In canonical space the signed distance is a blend of small MLPs, one per anchor neighbourhood plus a global one. A query $x_c$ takes its $K = 12$ nearest anchors and the global node; each edge evaluates its MLP on the local offset $\\delta = x_c - a_k$ and the codes $[g;\\ l_k]$:',
      '',
      '$$',
      '\\mathrm{SDF}(x_c) = \\sum_k w_k\\, f_k(\\delta_k), \\qquad w_k \\propto \\exp\\!\\Big(-\\tfrac12 \\big(\\tfrac{\\lVert\\delta_k\\rVert}{\\sigma}\\big)^2\\Big), \\quad \\sigma = \\tfrac{d_8}{3.75}',
      '$$',
      '',
      'with $d_8$ the distance to the 8th nearest anchor (the global MLP sits at a fixed distance 0.75). The preview colours a slice of canonical space by the anchor whose MLP has the **largest weight** (grey: the global MLP), brighter where that one weight dominates; the white line is the surface.',
      '',
      '> **Try:** move the plane (*sliceOffset*) from the back of the head to the tip of the nose. Where does the global MLP take over? Why do the patches follow the anchors of [step 2](#node:anchors)?',
    ]),
    nodes: ['canonical'],
    preview: 'canonical',
    controls: [{ node: 'canonical', param: 'sliceOffset' }, { node: 'canonical', param: 'slice' }, { node: 'canonical', param: 'sliceShows' }],
  },
  {
    id: 'posed-sdf',
    text: md([
      '## 5 · The posed head',
      '',
      'Chaining the two gives the head with its expression: $\\mathrm{SDF}_{posed}(x_p) = \\mathrm{SDF}_{can}(x_p + \\Delta(x_p), h(x_p))$. Its normals are $\\nabla_{x_p}$ of that, through the deformation too.',
      '',
      'The preview shows the signed distance on a movable plane (blue inside, red outside, black the zero level) next to the shaded surface.',
      '',
      '> **Try:** drag the plane through the head with *sliceOffset*, then switch the [codes](#node:codes) to another seed.',
    ]),
    nodes: ['geometry'],
    preview: 'geometry',
    controls: [{ node: 'geometry', param: 'sliceOffset' }, { node: 'geometry', param: 'slice' }],
  },
  {
    id: 'appearance',
    text: md([
      '## 6 · Appearance from geometry',
      '',
      'Colour uses the same ensemble and the same weights $w_k$, but its MLPs never see the position: each reads the appearance codes $[g_{app};\\ m_k]$ and a 16-number bottleneck of its geometry MLP\'s last hidden layer. Colour therefore follows the geometry — and the expression — for free.',
    ]),
    nodes: ['appearance'],
    preview: 'appearance',
    controls: [{ node: 'appearance', param: 'yaw' }],
  },
  {
    id: 'render',
    text: md([
      '## 7 · NeuS volume rendering',
      '',
      'Each pixel\'s ray is sampled inside a sphere, first evenly, then where the surface is (NeuS up-sampling). The SDF becomes an opacity through a sigmoid of sharpness $s = e^{10 v}$:',
      '',
      '$$',
      '\\alpha_i = \\max\\!\\Big(\\frac{\\Phi_s(f^-_i) - \\Phi_s(f^+_i)}{\\Phi_s(f^-_i)},\\ 0\\Big), \\qquad C = \\sum_i T_i\\, \\alpha_i\\, c_i\\ \\text{(shaded by 2nd-order SH)}',
      '$$',
      '',
      'Because every step is differentiable, a difference in the picture tells the codes which way to move.',
      '',
      '> **Try:** *variance* 0.3 (tracking starts there: a soft, blurry surface with gradients from far away) against 0.8 (sharp). Fewer *samples* is faster and noisier.',
    ]),
    nodes: ['render', 'camera'],
    preview: 'render',
    controls: [{ node: 'render', param: 'variance' }, { node: 'render', param: 'samples' }, { node: 'camera', param: 'yaw' }],
  },
  {
    id: 'targets',
    text: md([
      '## 8 · What tracking compares against',
      '',
      'A frame of the shipped synthetic video, its 68 facial landmarks and its segmentation (face, hair, neck, mouth interior, …). For a real video these come from a landmark detector and a face parser; here they are the synthetic sequence\'s ground truth, so only the model can be wrong.',
    ]),
    nodes: ['video', 'landmarks', 'masks'],
    preview: 'landmarks',
  },
  {
    id: 'losses',
    text: md([
      '## 9 · The losses',
      '',
      '$$',
      '\\mathcal L = \\lambda_{rgb}\\,\\lVert C - I \\rVert_1 + \\lambda_{mask}\\,\\mathcal L_{Jaccard} + \\lambda_{lm} \\sum_k s_k \\lVert \\pi(x_k) - \\ell_k \\rVert^2 + \\lambda_{reg}\\,\\lVert z \\rVert^2 + \\dots',
      '$$',
      '',
      '- colour L1 on the sampled foreground rays (the mouth interior counts 1/25);',
      '- a soft-Jaccard between the rendered opacity and the mask;',
      '- 35 anchor ↔ landmark pairs projected through the camera (mouth, chin and eyelids ×100);',
      '- regularisers that keep the codes near the model\'s training codes, and symmetry of the local codes.',
      '',
      'Each weight is −1 by default: the schedule\'s value, which changes over the iterations (the landmark weight falls from 100 to 10). A value here holds it fixed.',
    ]),
    nodes: ['loss'],
    controls: [{ node: 'loss', param: 'rgb' }, { node: 'loss', param: 'landmark' }, { node: 'loss', param: 'regExpr' }],
  },
  {
    id: 'optimise',
    text: md([
      '## 10 · Optimisation',
      '',
      'Adam steps every code group, the head pose, the SH lighting and a colour correction, each with its own learning rate and milestones. This node is **computed on request**: press *Compute this preview* below (about 25 s here, with the render of the fit). Its plot shows each loss term and, dashed on the right axis, the learning rates.',
      '',
      'The pose starts from a fit of the mean head\'s anchors to the landmarks, so the first iterations already look at the right place.',
      '',
      '> **Try:** 40 iterations instead of 12, or `paper`\'s schedule. Which term falls first?',
    ]),
    nodes: ['step'],
    preview: 'step',
    controls: [{ node: 'step', param: 'firstIterations' }, { node: 'step', param: 'rays' }],
  },
  {
    id: 'result',
    text: md([
      '## 11 · The fit over the frame',
      '',
      'The fitted codes rendered at the tracked pose, over the target frame. With a dozen iterations at 40 px the pose and rough shape are there; tracking a whole video (the *Tracking* example) runs hundreds per frame, then all frames jointly with smoothness terms.',
      '',
      'Where next: the **Examples** menu has tracking, latent interpolation and expression transfer, each with a short notebook of its own.',
    ]),
    nodes: ['overlay', 'fitted'],
    preview: 'overlay',
  },
];

/** A few cells for each of the other examples. */
export const NOTEBOOKS: Record<'tracking' | 'interpolation' | 'expressionTransfer', NotebookCell[]> = {
  tracking: [
    {
      id: 'intro',
      text: md([
        '# Tracking a head in a video',
        '',
        'MonoNPHM\'s tracking in two stages. **Stage 1** fits frame by frame: the first frame fits identity, appearance, expression, pose and lighting from scratch; later frames start from the previous one and fit expression and pose. **Stage 2** refines all frames jointly with smoothness of expression and pose over time.',
        '',
        'This graph runs for minutes: choose the *quick* preset and press **Run**.',
      ]),
      nodes: ['video', 'landmarks', 'masks'],
      preview: 'video',
    },
    {
      id: 'objective',
      text: md([
        '## The objective',
        '',
        'Colour, silhouette and landmark terms (see [the Loss node](#node:loss)), with the schedule\'s weights. The [Optimizer](#node:optimizer) plot shows each term per iteration, dashed the learning rates, and a mark where each frame and stage 2 begin.',
      ]),
      nodes: ['loss', 'optimizer'],
      preview: 'optimizer',
      controls: [{ node: 'optimizer', param: 'schedule' }, { node: 'optimizer', param: 'stages' }],
    },
    {
      id: 'result',
      text: md([
        '## The result',
        '',
        'The tracked heads rendered over the input frames (use the frame player), a mesh per frame in world space, and the codes as a file the expression-transfer example reads.',
      ]),
      nodes: ['overlay', 'meshes', 'codes'],
      preview: 'overlay',
    },
  ],
  interpolation: [
    {
      id: 'intro',
      text: md([
        '# Latent interpolation',
        '',
        'Four random identities sit at the corners of a square. The cursor blends their codes bilinearly, $z = (1-u)(1-v)\\,z_a + u(1-v)\\,z_b + (1-u)v\\,z_c + uv\\,z_d$, and the blend is a head too: the latent space is smooth.',
      ]),
      nodes: ['head1', 'head2', 'head3', 'head4', 'blend'],
      preview: 'render',
      controls: [{ node: 'blend', param: 'cursorX' }, { node: 'blend', param: 'cursorY' }, { node: 'blend', param: 'blend' }],
    },
    {
      id: 'mesh',
      text: md([
        '## A mesh of the blend',
        '',
        'Marching cubes on the posed SDF. The [mesh](#node:mesh) is computed on request: press its Compute button (about a minute here).',
      ]),
      nodes: ['geometry', 'mesh'],
      preview: 'mesh',
    },
  ],
  expressionTransfer: [
    {
      id: 'intro',
      text: md([
        '# Expression transfer',
        '',
        'Identity and expression are separate codes, so a performance tracked from one person can drive another: keep the target\'s $z_{geo}, z_{app}$, take $z_{exp}$ and the head pose of every tracked frame.',
      ]),
      nodes: ['performance', 'personA', 'personB', 'transferA', 'transferB'],
    },
    {
      id: 'renders',
      text: md([
        '## Two heads, one performance',
        '',
        'Each target rendered frame by frame (use the frame player). Its mouth and eyes follow the performance; its forehead and nose stay its own.',
      ]),
      nodes: ['renderA', 'renderB'],
      preview: 'renderA',
      controls: [{ node: 'transferA', param: 'pose' }],
    },
  ],
};
