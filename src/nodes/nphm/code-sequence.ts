import { defineNode } from '../contract.ts';
import { sequenceFromJson, sequenceToJson } from './sequence-io.ts';
import type { CodeSequenceValue, ModelValue } from './values.ts';
import { artifactNameProblem } from '../../graph/artifact-name.ts';
import { quoteForMessage } from '../../graph/safe-text.ts';

export const codeSequenceNode = defineNode({
  type: 'nphm.codeSequence',
  typeVersion: 1,
  title: 'CodeSequence',
  category: 'Latent',
  description: 'Per-frame codes of a tracking run (identity, appearance, per-frame expression and pose, SH lighting, colour correction): saves them as a `*.codes.json` file, or loads one (checked against the model).',
  inputs: {
    sequence: { type: 'codeSequence', description: 'a tracking result to pass on and save (mode save)', optional: true },
    model: { type: 'model', description: 'checks the code sizes (mode load)', optional: true },
  },
  outputs: { sequence: { type: 'codeSequence', description: 'the codes' } },
  params: {
    mode: { type: 'enum', default: 'save', options: ['save', 'load'], description: 'save the input, or load a file' },
    uri: { type: 'file', default: '', accept: ['.json'], description: 'codes file to load' },
    filename: { type: 'string', default: 'codes.json', maxLength: 64, description: 'file name when saving' },
  },
  run: async (inputs, p, ctx) => {
    if (p.mode === 'load') {
      const m = inputs.model as ModelValue | undefined;
      if (!m) throw new Error('mode "load" needs the model input (to check the code sizes)');
      if (!p.uri) throw new Error('mode "load" needs a codes file (uri)');
      return { sequence: sequenceFromJson(await ctx.assets.readText(p.uri as string), m.model.sizes, p.uri as string) };
    }
    const seq = inputs.sequence as CodeSequenceValue | undefined;
    if (!seq) throw new Error('mode "save" needs a tracking result on the sequence input');
    const nameProblem = artifactNameProblem(p.filename as string);
    if (nameProblem) throw new Error(`filename ${quoteForMessage(p.filename as string)}: ${nameProblem}`);
    ctx.artifact({ name: p.filename as string, mime: 'application/json', data: sequenceToJson(seq, { provenance: JSON.parse(ctx.provenance()) as unknown }) });
    return { sequence: seq };
  },
  preview: (o) => {
    const s = o.sequence as CodeSequenceValue;
    const norms = s.frames.map((f) => Math.hypot(...f.zExp));
    return { kind: 'plot', series: [{ name: '‖z_exp‖ per frame', values: norms }, { name: 'yaw (°)', values: s.frames.map((f) => (f.rot[1]! * 180) / Math.PI) }], x: 'frame', caption: `${s.frames.length} frames` };
  },
});
