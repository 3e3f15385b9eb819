/**
 * The state_dict keys and shapes MonoNPHM's original classes produce for a config (the
 * `configs.yaml` `decoder.id` / `decoder.ex` keys; reference §1.8, fixture README). Used to check a
 * checkpoint against its config before converting it, so that a wrong config is reported as
 * "key, expected vs actual shape" instead of surfacing later as a matMul error.
 */

export interface MonoNphmSizes {
  latDimGlob: number;
  latDimLocGeo: number;
  latDimLocApp: number;
  nloc: number;
  nsymmPairs: number;
  hiddenGeo: number;
  hiddenApp: number;
  nlayersGeo: number;
  nlayersApp: number;
  posMlpDim: number;
  latDimEx: number;
  latDimId: number;
  hiddenEx: number;
  nlayersEx: number;
  nhyper: number;
}

/** Hard-coded in the original NPHM class. */
const COMMUNICATION_DIM = 16;
/** `get_id_model` hard-codes the anchor MLP width when the config does not name it. */
const DEFAULT_POS_MLP_DIM = 64;
/** The deformation net's hyper-dimension count is fixed in setup_training.py. */
const DEFAULT_NHYPER = 2;

function obj(v: unknown, path: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error(`config: '${path}' is missing or not a mapping`);
  return v as Record<string, unknown>;
}

function int(o: Record<string, unknown>, key: string, path: string, fallback?: number): number {
  const v = o[key] ?? fallback;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v <= 0) {
    throw new Error(`config: '${path}.${key}' must be a positive integer, got ${v === undefined ? 'nothing' : JSON.stringify(v)}`);
  }
  return v;
}

/** Reads the sizes from a config holding `decoder.id` and `decoder.ex` (configs.yaml layout). */
export function monoNphmSizes(config: unknown): MonoNphmSizes {
  const dec = obj(obj(config, 'config').decoder, 'decoder');
  const id = obj(dec.id, 'decoder.id');
  const ex = obj(dec.ex, 'decoder.ex');
  const gnn = obj(id.gnn, 'decoder.id.gnn');
  if (ex.mode !== undefined && ex.mode !== 'compress') throw new Error(`config: 'decoder.ex.mode' is ${JSON.stringify(ex.mode)}; only 'compress' (MonoNPHM) is supported`);
  const s: MonoNphmSizes = {
    latDimGlob: int(id, 'lat_dim_glob', 'decoder.id'),
    latDimLocGeo: int(id, 'lat_dim_loc_geo', 'decoder.id'),
    latDimLocApp: int(id, 'lat_dim_loc_app', 'decoder.id'),
    nloc: int(id, 'nloc', 'decoder.id'),
    nsymmPairs: int(id, 'nsymm_pairs', 'decoder.id'),
    hiddenGeo: int(gnn, 'hidden_dim_geo', 'decoder.id.gnn'),
    hiddenApp: int(gnn, 'hidden_dim_app', 'decoder.id.gnn'),
    nlayersGeo: int(gnn, 'nlayers_geo', 'decoder.id.gnn'),
    nlayersApp: int(gnn, 'nlayers_app', 'decoder.id.gnn'),
    posMlpDim: int(id, 'pos_mlp_dim', 'decoder.id', DEFAULT_POS_MLP_DIM),
    latDimEx: int(ex, 'lat_dim_ex', 'decoder.ex'),
    latDimId: int(ex, 'lat_dim_id', 'decoder.ex'),
    hiddenEx: int(ex, 'hidden_dim', 'decoder.ex'),
    nlayersEx: int(ex, 'nlayers', 'decoder.ex'),
    nhyper: int(ex, 'nhyper', 'decoder.ex', DEFAULT_NHYPER),
  };
  if (2 * s.nsymmPairs > s.nloc) throw new Error(`config: 2 × nsymm_pairs (${2 * s.nsymmPairs}) exceeds nloc (${s.nloc})`);
  return s;
}

/** Expected `id_decoder` and `ex_decoder` key → shape maps, in the original module order. */
export function monoNphmStateDictShapes(config: unknown): { id: Map<string, number[]>; ex: Map<string, number[]> } {
  const s = monoNphmSizes(config);
  const id = new Map<string, number[]>();
  const ex = new Map<string, number[]>();
  const linear = (m: Map<string, number[]>, name: string, inDim: number, outDim: number) => {
    m.set(`${name}.weight`, [outDim, inDim]);
    m.set(`${name}.bias`, [outDim]);
  };
  const dPos = 3 + s.nhyper;
  const types = s.nloc - s.nsymmPairs + 1;
  const mlp = (prefix: string, inDim: number, hidden: number, nlayers: number, outDim: number) => {
    for (let t = 0; t < types; t++) {
      for (let l = 0; l <= nlayers; l++) {
        linear(id, `${prefix}.layers.${t}.layers.${2 * l}`, l === 0 ? inDim : hidden, l === nlayers ? outDim : hidden);
      }
    }
  };
  mlp('deepSDFensemble', s.latDimGlob + s.latDimLocGeo + dPos, s.hiddenGeo, s.nlayersGeo, 1);
  linear(id, 'communcation_bottleneck1', s.hiddenGeo, COMMUNICATION_DIM);
  linear(id, 'communcation_bottleneck2', COMMUNICATION_DIM, COMMUNICATION_DIM);
  mlp('aggr_app', s.latDimGlob + s.latDimLocApp + COMMUNICATION_DIM, s.hiddenApp, s.nlayersApp, 3);
  linear(id, 'mlp_pos.0', s.latDimGlob, s.posMlpDim);
  linear(id, 'mlp_pos.2', s.posMlpDim, s.posMlpDim);
  linear(id, 'mlp_pos.4', s.posMlpDim, 3 * s.nloc);

  const zGeo = s.latDimGlob + (s.nloc + 1) * s.latDimLocGeo;
  linear(ex, 'compressor.0', zGeo + 3 * s.nloc, s.latDimId);
  const dIn = 3 + s.latDimId + s.latDimEx;
  const skip = Math.floor(s.nlayersEx / 2);
  for (let l = 0; l <= s.nlayersEx; l++) {
    const inDim = l === 0 ? dIn : l === skip ? s.hiddenEx + dIn : s.hiddenEx;
    linear(ex, `defDeepSDF.lin${l}`, inDim, l === s.nlayersEx ? 3 + s.nhyper : s.hiddenEx);
  }
  return { id, ex };
}
