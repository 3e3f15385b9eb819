/**
 * Builds the tf model from the original PyTorch state dicts (`id_decoder`, `ex_decoder` of a
 * MonoNPHM checkpoint), with the original key names. Every key the forward pass needs is checked
 * for presence and shape first; keys it does not need are ignored.
 */
import * as tf from '@tensorflow/tfjs-core';
import { COMMUNICATION_DIM, SOFTPLUS_BETA, derivedSizes, typeNodes, type NphmConfig } from './config.ts';
import type { AppType, Dense, GeoType, NphmParams } from './params.ts';
import { checkFiniteStateDict, checkStateDict, getTensor, type StateDict, type StateTensor } from './weights/state-dict.ts';
import { NphmModel } from './model.ts';
import { weight, type Weight } from './linear.ts';

export type { StateDict, StateTensor } from './weights/state-dict.ts';

export interface DecoderStateDicts {
  idDecoder: StateDict;
  exDecoder: StateDict;
}

/** Mean anchors Ā as rows [[x, y, z], …] (anchors_65.json) or a flat row-major array. */
export type MeanAnchors = readonly (readonly number[])[] | Float32Array | Float64Array;

/** Linear layer keys of `prefix` for `n` linears at module indices 0, 2, 4, … (odd ones are activations). */
function seqLinearKeys(prefix: string, n: number): string[] {
  return Array.from({ length: n }, (_, i) => `${prefix}.${2 * i}`);
}

/** Expected [out, in] / [out] shapes of every key the forward pass reads. */
export function expectedShapes(cfg: NphmConfig): { idDecoder: Map<string, number[]>; exDecoder: Map<string, number[]> } {
  const { id, ex } = cfg.decoder;
  const s = derivedSizes(cfg);
  const idm = new Map<string, number[]>();
  const lin = (m: Map<string, number[]>, key: string, out: number, inn: number) => {
    m.set(`${key}.weight`, [out, inn]);
    m.set(`${key}.bias`, [out]);
  };
  const mlp = (prefix: string, inn: number, hidden: number, nlayers: number, out: number) => {
    const keys = seqLinearKeys(prefix, nlayers + 1);
    keys.forEach((k, i) => lin(idm, k, i === nlayers ? out : hidden, i === 0 ? inn : hidden));
  };
  for (let t = 0; t < s.numTypes; t++) {
    mlp(`deepSDFensemble.layers.${t}.layers`, id.lat_dim_glob + id.lat_dim_loc_geo + s.dPos, id.gnn.hidden_dim_geo, id.gnn.nlayers_geo, 1);
    mlp(`aggr_app.layers.${t}.layers`, id.lat_dim_glob + id.lat_dim_loc_app + COMMUNICATION_DIM, id.gnn.hidden_dim_app, id.gnn.nlayers_app, 3);
  }
  lin(idm, 'communcation_bottleneck1', COMMUNICATION_DIM, id.gnn.hidden_dim_geo);
  lin(idm, 'communcation_bottleneck2', COMMUNICATION_DIM, COMMUNICATION_DIM);
  lin(idm, 'mlp_pos.0', id.pos_mlp_dim, id.lat_dim_glob);
  lin(idm, 'mlp_pos.2', id.pos_mlp_dim, id.pos_mlp_dim);
  lin(idm, 'mlp_pos.4', 3 * id.nloc, id.pos_mlp_dim);
  const exm = new Map<string, number[]>();
  lin(exm, 'compressor.0', ex.lat_dim_id, s.zGeoDim + 3 * id.nloc);
  for (let i = 0; i <= ex.nlayers; i++) {
    const out = i === ex.nlayers ? s.defOut : ex.hidden_dim;
    const inn = i === 0 ? s.defIn : i === s.skipLayer ? ex.hidden_dim + s.defIn : ex.hidden_dim;
    lin(exm, `defDeepSDF.lin${i}`, out, inn);
  }
  return { idDecoder: idm, exDecoder: exm };
}

/** Columns [c0, c1) of a PyTorch [out, in] weight, transposed to [c1 − c0, out] and scaled. */
function cols(t: StateTensor, c0: number, c1: number, scale = 1): Float32Array {
  const [out, inn] = t.shape as [number, number];
  const r = new Float32Array((c1 - c0) * out);
  for (let o = 0; o < out; o++) for (let i = c0; i < c1; i++) r[(i - c0) * out + o] = t.data[o * inn + i]! * scale;
  return r;
}

function scaled(d: Float32Array, scale: number): Float32Array {
  if (scale === 1) return d.slice();
  return d.map((v) => v * scale);
}

export function buildParams(cfg: NphmConfig, sds: DecoderStateDicts, meanAnchors: MeanAnchors): NphmParams {
  const { id, ex } = cfg.decoder;
  const s = derivedSizes(cfg);
  const exp = expectedShapes(cfg);
  checkStateDict(sds.idDecoder, exp.idDecoder, { where: 'id_decoder', strict: false });
  checkStateDict(sds.exDecoder, exp.exDecoder, { where: 'ex_decoder', strict: false });
  // Every path to a model (import, eval, mesh, the HeadModel node, the studio) comes through here.
  checkFiniteStateDict(sds.idDecoder, 'id_decoder', exp.idDecoder.keys());
  checkFiniteStateDict(sds.exDecoder, 'ex_decoder', exp.exDecoder.keys());

  const flatAnchors = Array.isArray(meanAnchors) ? (meanAnchors as number[][]).flat() : Array.from(meanAnchors as Float32Array);
  if (flatAnchors.length !== 3 * id.nloc || flatAnchors.some((v) => !Number.isFinite(v))) {
    throw new Error(`mean anchors: expected ${id.nloc} finite [x, y, z] rows (${3 * id.nloc} numbers), got ${flatAnchors.length} numbers`);
  }

  const B = SOFTPLUS_BETA;
  const idT = (k: string) => getTensor(sds.idDecoder, k, undefined, 'id_decoder');
  const exT = (k: string) => getTensor(sds.exDecoder, k, undefined, 'ex_decoder');
  const t2 = (d: Float32Array, rows: number, c: number) => tf.tensor2d(d, [rows, c], 'float32');
  const t1 = (d: Float32Array) => tf.tensor1d(d, 'float32');
  /** A full Linear as Dense with W scaled by ws and b by bs. */
  const dense = (get: (k: string) => StateTensor, key: string, ws = 1, bs = 1): Dense => {
    const w = get(`${key}.weight`);
    const [out, inn] = w.shape as [number, number];
    return { ...weight(t2(cols(w, 0, inn, ws), inn, out)), b: t1(scaled(get(`${key}.bias`).data, bs)) };
  };

  return tf.tidy((): tf.TensorContainer => {
    const keep = <T extends tf.Tensor>(x: T) => tf.keep(x);
    const keepDense = (d: Dense): Dense => ({ w: keep(d.w), wt: keep(d.wt), b: keep(d.b) });
    const keepW = (w: tf.Tensor2D): Weight => {
      const r = weight(w);
      return { w: keep(r.w), wt: keep(r.wt) };
    };

    const pos = ['mlp_pos.0', 'mlp_pos.2', 'mlp_pos.4'].map((k) => keepDense(dense(idT, k)));
    const compressor = keepDense(dense(exT, 'compressor.0'));

    // Deformation MLP: β-scaled, layer 0 and the skip layer split into xyz and code rows.
    const Hd = ex.hidden_dim;
    const w0 = exT('defDeepSDF.lin0.weight');
    const hiddenDef: Dense[] = [];
    let skipX: Weight | undefined;
    let skipCode: tf.Tensor2D | undefined;
    for (let i = 1; i < ex.nlayers; i++) {
      const key = `defDeepSDF.lin${i}`;
      if (i === s.skipLayer) {
        const w = exT(`${key}.weight`);
        hiddenDef.push({ ...keepW(t2(cols(w, 0, Hd, 1 / Math.SQRT2), Hd, Hd)), b: keep(t1(scaled(exT(`${key}.bias`).data, B))) });
        skipX = keepW(t2(cols(w, Hd, Hd + 3, B / Math.SQRT2), 3, Hd));
        skipCode = keep(t2(cols(w, Hd + 3, Hd + s.defIn, B / Math.SQRT2), s.defIn - 3, Hd));
      } else hiddenDef.push(keepDense(dense(exT, key, 1, B)));
    }
    if (!skipX || !skipCode) {
      // nlayers < 2 never reaches here (validated); keep the type checker honest.
      throw new Error(`config: decoder.ex.nlayers = ${ex.nlayers} leaves no skip layer`);
    }
    const deform = {
      w0x: keepW(t2(cols(w0, 0, 3, B), 3, Hd)),
      w0code: keep(t2(cols(w0, 3, s.defIn, B), s.defIn - 3, Hd)),
      b0: keep(t1(scaled(exT('defDeepSDF.lin0.bias').data, B))),
      hidden: hiddenDef,
      skipX,
      skipCode,
      out: keepDense(dense(exT, `defDeepSDF.lin${ex.nlayers}`, 1 / B, 1)),
    };

    const G = id.lat_dim_glob;
    const Hg = id.gnn.hidden_dim_geo;
    const Ha = id.gnn.hidden_dim_app;
    const C = COMMUNICATION_DIM;
    const b2w = idT('communcation_bottleneck2.weight'); // [C, C] (out, in)
    const b2b = idT('communcation_bottleneck2.bias').data;
    const geo: GeoType[] = [];
    const app: AppType[] = [];
    for (let t = 0; t < s.numTypes; t++) {
      const gp = `deepSDFensemble.layers.${t}.layers`;
      const gKeys = seqLinearKeys(gp, id.gnn.nlayers_geo + 1);
      const gw0 = idT(`${gKeys[0]}.weight`);
      const latG = G + id.lat_dim_loc_geo;
      geo.push({
        wLat: keep(t2(cols(gw0, 0, latG, B), latG, Hg)),
        wDelta: keepW(t2(cols(gw0, latG, latG + s.dPos, B), s.dPos, Hg)),
        b0: keep(t1(scaled(idT(`${gKeys[0]}.bias`).data, B))),
        hidden: gKeys.slice(1, -1).map((k) => keepDense(dense(idT, k, 1, B))),
        out: keepDense(dense(idT, gKeys[gKeys.length - 1]!, 1 / B, 1)),
      });

      const ap = `aggr_app.layers.${t}.layers`;
      const aKeys = seqLinearKeys(ap, id.gnn.nlayers_app + 1);
      const aw0 = idT(`${aKeys[0]}.weight`);
      const latA = G + id.lat_dim_loc_app;
      // Fold bottleneck2 into the c rows of layer 0 in float64: wR = B2ᵀ·Wc, b0' = b0 + b2·Wc.
      const wc = cols(aw0, latA, latA + C); // [C, Ha]
      const wR = new Float32Array(C * Ha);
      const b0 = Float64Array.from(idT(`${aKeys[0]}.bias`).data);
      for (let m = 0; m < C; m++) {
        for (let h = 0; h < Ha; h++) {
          b0[h] = b0[h]! + b2b[m]! * wc[m * Ha + h]!;
        }
      }
      for (let j = 0; j < C; j++) {
        for (let h = 0; h < Ha; h++) {
          let acc = 0;
          for (let m = 0; m < C; m++) acc += b2w.data[m * C + j]! * wc[m * Ha + h]!;
          wR[j * Ha + h] = acc;
        }
      }
      app.push({
        wLat: keep(t2(cols(aw0, 0, latA), latA, Ha)),
        wR: keepW(t2(wR, C, Ha)),
        b0: keep(t1(Float32Array.from(b0))),
        hidden: aKeys.slice(1, -1).map((k) => keepDense(dense(idT, k))),
        out: keepDense(dense(idT, aKeys[aKeys.length - 1]!)),
      });
    }
    // Sanity: the type layout must cover every anchor exactly once (pairs, midline, global).
    const covered = new Set<number>();
    for (let t = 0; t < s.numTypes; t++) typeNodes(cfg, t).forEach((k) => covered.add(k));
    if (covered.size !== id.nloc + 1) throw new Error(`config: the MLP types cover ${covered.size} nodes, expected nloc + 1 = ${id.nloc + 1}`);

    return {
      config: cfg,
      meanAnchors: keep(tf.tensor2d(Float32Array.from(flatAnchors), [id.nloc, 3], 'float32')),
      pos,
      compressor,
      deform,
      geo,
      app,
      bottleneck1: keepDense(dense(idT, 'communcation_bottleneck1', 1 / B, 1)),
    } satisfies NphmParams as unknown as tf.TensorContainer;
  }) as unknown as NphmParams;
}

/** The model of `cfg` from the original state dicts and the mean anchors Ā. */
export function buildModel(cfg: NphmConfig, sds: DecoderStateDicts, meanAnchors: MeanAnchors): NphmModel {
  return new NphmModel(buildParams(cfg, sds, meanAnchors));
}

/** Random PyTorch-like weights (uniform ±1/√fan_in) for every key: benchmarks and tests. */
export function randomStateDicts(cfg: NphmConfig, seed = 1): DecoderStateDicts {
  let state = seed >>> 0 || 1;
  const rand = () => {
    // xorshift32: deterministic and dependency-free.
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state / 4294967296;
  };
  const fill = (m: Map<string, number[]>): StateDict => {
    const sd: StateDict = new Map();
    for (const [k, shape] of m) {
      const fanIn = k.endsWith('.bias') ? (m.get(k.replace(/\.bias$/, '.weight'))?.[1] ?? 1) : shape[1]!;
      const bound = 1 / Math.sqrt(fanIn);
      const n = shape.reduce((a, b) => a * b, 1);
      const data = new Float32Array(n);
      for (let i = 0; i < n; i++) data[i] = (2 * rand() - 1) * bound;
      sd.set(k, { shape: [...shape], data });
    }
    return sd;
  };
  const exp = expectedShapes(cfg);
  return { idDecoder: fill(exp.idDecoder), exDecoder: fill(exp.exDecoder) };
}
