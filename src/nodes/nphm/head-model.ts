import { defineNode } from '../contract.ts';
import { loadCheckpointModel, loadStudioModel } from './load-model.ts';
import type { ModelValue } from './values.ts';

export const headModelNode = defineNode({
  type: 'nphm.headModel',
  typeVersion: 1,
  title: 'HeadModel',
  category: 'Model',
  description: 'Loads a MonoNPHM head model: the studio default, a studio weight folder, or an official PyTorch checkpoint (checkpoint_epoch_*.tar) with its configs.yaml.',
  inputs: {},
  outputs: { model: { type: 'model', description: 'the networks (identity, expression, appearance) and their config' } },
  params: {
    source: { type: 'enum', default: 'studio', options: ['studio', 'checkpoint'], description: 'studio weight format or an official checkpoint' },
    uri: { type: 'file', default: 'models/default/model.json', accept: ['.json', '.tar', '.pt', '.pth'], description: 'model.json of studio weights, or the checkpoint file' },
    config: { type: 'file', default: '', accept: ['.yaml', '.yml', '.json'], description: 'configs.yaml of an official checkpoint' },
    stats: { type: 'file', default: '', accept: ['.json'], description: 'latent statistics (default: latent-stats.json beside model.json)' },
  },
  run: async (_inputs, p, ctx) => {
    const model = p.source === 'checkpoint' ? await loadCheckpointModel(ctx.assets, p.uri as string, p.config as string) : await loadStudioModel(ctx.assets, p.uri as string, p.stats as string);
    return { model };
  },
  preview: (o) => {
    const m = o.model as ModelValue;
    const s = m.model.sizes;
    const cfg = m.model.config.decoder;
    return {
      kind: 'text',
      text: `${m.name}\nz_geo ${s.zGeoDim} · z_app ${s.zAppDim} · z_exp ${s.zExpDim}\nanchors ${s.numAnchors}, k-NN ${cfg.id.nneigh}, hidden ${cfg.id.gnn.hidden_dim_geo}/${cfg.id.gnn.hidden_dim_app}/${cfg.ex.hidden_dim}${m.stats ? '\nlatent statistics loaded' : ''}`,
    };
  },
});
