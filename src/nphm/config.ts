/**
 * MonoNPHM model configuration, keyed exactly like the `decoder` section of the original
 * `configs.yaml` (`decoder.id`, `decoder.ex`), plus the sizes derived from it.
 */

export interface IdDecoderConfig {
  lat_dim_glob: number;
  lat_dim_loc_geo: number;
  lat_dim_loc_app: number;
  nloc: number;
  nsymm_pairs: number;
  nneigh: number;
  blend_std: number;
  /** Hidden width of mlp_pos; the original get_id_model hard-codes 64. */
  pos_mlp_dim: number;
  gnn: { hidden_dim_geo: number; hidden_dim_app: number; nlayers_geo: number; nlayers_app: number };
}

export interface ExDecoderConfig {
  /** Only 'compress' (Linear([z_geo, a_c]) → lat_dim_id) is what MonoNPHM ships. */
  mode: 'compress';
  lat_dim_ex: number;
  lat_dim_id: number;
  hidden_dim: number;
  nlayers: number;
  nhyper: number;
}

export interface NphmConfig {
  decoder: { id: IdDecoderConfig; ex: ExDecoderConfig };
}

/** The paper model (`pretrained_mononphm_original`): z_geo = 64 + 66 × 32 = 2176. */
export const PAPER_CONFIG: NphmConfig = {
  decoder: {
    id: {
      lat_dim_glob: 64,
      lat_dim_loc_geo: 32,
      lat_dim_loc_app: 32,
      nloc: 65,
      nsymm_pairs: 30,
      nneigh: 12,
      blend_std: 3.75,
      pos_mlp_dim: 64,
      gnn: { hidden_dim_geo: 200, hidden_dim_app: 200, nlayers_geo: 4, nlayers_app: 4 },
    },
    ex: { mode: 'compress', lat_dim_ex: 100, lat_dim_id: 16, hidden_dim: 400, nlayers: 6, nhyper: 2 },
  },
};

/** Width of the geometry → appearance bottleneck; hard-coded in the original NPHM class. */
export const COMMUNICATION_DIM = 16;
/** Blend distance of the global node, hard-coded in the original. */
export const GLOBAL_NODE_DISTANCE = 0.75;
/** The blend σ uses the distance to this many nearest anchors (hard-coded `[:, :8]`). */
export const SIGMA_NEIGHBOURS = 8;
export const SOFTPLUS_BETA = 100;

export interface DerivedSizes {
  zGeoDim: number;
  zAppDim: number;
  zExpDim: number;
  numAnchors: number;
  numTypes: number;
  /** 3 + nhyper: the canonical query and per-edge δ dimension. */
  dPos: number;
  edgesPerPoint: number;
  defIn: number;
  defOut: number;
  skipLayer: number;
}

export function derivedSizes(cfg: NphmConfig): DerivedSizes {
  const { id, ex } = cfg.decoder;
  return {
    zGeoDim: id.lat_dim_glob + (id.nloc + 1) * id.lat_dim_loc_geo,
    zAppDim: id.lat_dim_glob + (id.nloc + 1) * id.lat_dim_loc_app,
    zExpDim: ex.lat_dim_ex,
    numAnchors: id.nloc,
    numTypes: id.nloc - id.nsymm_pairs + 1,
    dPos: 3 + ex.nhyper,
    edgesPerPoint: id.nneigh + 1,
    defIn: 3 + ex.lat_dim_id + ex.lat_dim_ex,
    defOut: 3 + ex.nhyper,
    skipLayer: Math.floor(ex.nlayers / 2),
  };
}

/** MLP type of anchor node k (k = nloc is the global node): pair p → p, midline → k − nsymm, global last. */
export function anchorType(cfg: NphmConfig, k: number): number {
  const { nloc, nsymm_pairs } = cfg.decoder.id;
  if (k < 2 * nsymm_pairs) return k >> 1;
  if (k < nloc) return k - nsymm_pairs;
  return nloc - nsymm_pairs;
}

/** Anchor nodes served by MLP type t (two for a symmetric pair, one otherwise). */
export function typeNodes(cfg: NphmConfig, t: number): number[] {
  const { nloc, nsymm_pairs } = cfg.decoder.id;
  if (t < nsymm_pairs) return [2 * t, 2 * t + 1];
  if (t < nloc - nsymm_pairs) return [t + nsymm_pairs];
  return [nloc];
}

export function isMirrored(cfg: NphmConfig, k: number): boolean {
  return k < 2 * cfg.decoder.id.nsymm_pairs && k % 2 === 1;
}

function fail(key: string, msg: string): never {
  throw new Error(`config: '${key}' ${msg}`);
}

function obj(v: unknown, key: string): Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) fail(key, `must be an object, got ${v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v}`);
  return v as Record<string, unknown>;
}

function int(o: Record<string, unknown>, name: string, prefix: string, min: number): number {
  const key = `${prefix}.${name}`;
  const v = o[name];
  if (v === undefined) fail(key, 'is missing');
  if (typeof v !== 'number' || !Number.isInteger(v)) fail(key, `must be an integer, got ${JSON.stringify(v)}`);
  if (v < min) fail(key, `must be ≥ ${min}, got ${v}`);
  return v;
}

function num(o: Record<string, unknown>, name: string, prefix: string): number {
  const key = `${prefix}.${name}`;
  const v = o[name];
  if (v === undefined) fail(key, 'is missing');
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) fail(key, `must be a positive number, got ${JSON.stringify(v)}`);
  return v;
}

/**
 * Validates a parsed config (the `decoder` section of `configs.yaml`, or a JSON file holding it at
 * top level as `{decoder: …}`; other top-level keys such as `derived` are ignored) and returns a
 * clean copy. Errors name the key.
 */
export function validateConfig(raw: unknown): NphmConfig {
  const root = obj(raw, '(root)');
  const dec = obj(root.decoder, 'decoder');
  const idRaw = obj(dec.id, 'decoder.id');
  const exRaw = obj(dec.ex, 'decoder.ex');
  const gnnRaw = obj(idRaw.gnn, 'decoder.id.gnn');
  const p = 'decoder.id';
  const id: IdDecoderConfig = {
    lat_dim_glob: int(idRaw, 'lat_dim_glob', p, 1),
    lat_dim_loc_geo: int(idRaw, 'lat_dim_loc_geo', p, 1),
    lat_dim_loc_app: int(idRaw, 'lat_dim_loc_app', p, 1),
    nloc: int(idRaw, 'nloc', p, 1),
    nsymm_pairs: int(idRaw, 'nsymm_pairs', p, 0),
    nneigh: int(idRaw, 'nneigh', p, 1),
    blend_std: num(idRaw, 'blend_std', p),
    pos_mlp_dim: idRaw.pos_mlp_dim === undefined ? 64 : int(idRaw, 'pos_mlp_dim', p, 1),
    gnn: {
      hidden_dim_geo: int(gnnRaw, 'hidden_dim_geo', `${p}.gnn`, 1),
      hidden_dim_app: int(gnnRaw, 'hidden_dim_app', `${p}.gnn`, 1),
      nlayers_geo: int(gnnRaw, 'nlayers_geo', `${p}.gnn`, 1),
      nlayers_app: int(gnnRaw, 'nlayers_app', `${p}.gnn`, 1),
    },
  };
  if (2 * id.nsymm_pairs > id.nloc) fail(`${p}.nsymm_pairs`, `must be ≤ nloc/2 = ${id.nloc / 2}, got ${id.nsymm_pairs}`);
  if (id.nneigh > id.nloc) fail(`${p}.nneigh`, `must be ≤ nloc = ${id.nloc}, got ${id.nneigh}`);
  if (id.nneigh < SIGMA_NEIGHBOURS) fail(`${p}.nneigh`, `must be ≥ ${SIGMA_NEIGHBOURS} (σ uses the ${SIGMA_NEIGHBOURS}th nearest anchor), got ${id.nneigh}`);
  const e = 'decoder.ex';
  const mode = exRaw.mode ?? 'compress';
  if (mode !== 'compress') fail(`${e}.mode`, `must be 'compress' (the only mode MonoNPHM uses), got ${JSON.stringify(mode)}`);
  const ex: ExDecoderConfig = {
    mode: 'compress',
    lat_dim_ex: int(exRaw, 'lat_dim_ex', e, 1),
    lat_dim_id: int(exRaw, 'lat_dim_id', e, 1),
    hidden_dim: int(exRaw, 'hidden_dim', e, 1),
    nlayers: int(exRaw, 'nlayers', e, 2),
    nhyper: int(exRaw, 'nhyper', e, 0),
  };
  return { decoder: { id, ex } };
}
