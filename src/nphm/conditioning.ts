/**
 * Everything that depends on the latent codes but not on the query points: canonical anchors,
 * compressed identity, and the latent parts of the first layers (which become per-anchor biases).
 * Computed once per code set and shared by every chunk of points; differentiable w.r.t. the codes.
 */
import * as tf from '@tensorflow/tfjs-core';
import { dense } from './linear.ts';
import { derivedSizes, typeNodes, isMirrored } from './config.ts';
import type { Dense, NphmParams } from './params.ts';

/** Latent codes: z_geo [Dg], z_app [Da], z_exp [De] (or [1, D]). */
export interface NphmCodes {
  zGeo: tf.Tensor;
  zApp: tf.Tensor;
  zExp: tf.Tensor;
}

export interface Conditioning {
  /** Canonical anchors a_c [nloc, 3]. */
  anchors: tf.Tensor2D;
  /** Compressed identity c_id [1, lat_id]. */
  cId: tf.Tensor2D;
  /** Deformation layer 0 bias incl. the code rows (β-scaled) [Hd]. */
  def0Bias: tf.Tensor1D;
  /** Deformation skip layer bias incl. the code rows (β-scaled) [Hd]. */
  defSkipBias: tf.Tensor1D;
  /**
   * Per MLP type: first-layer bias of each of its nodes, [g; l_k]·W_lat + b (β-scaled): [2, Hg] for
   * a pair, [Hg] for a single node (rank 1 as created: wasm's fused matMul reads the shape of the
   * underlying data, which a reshape does not change).
   */
  geoNodeBias: tf.Tensor[];
  /** Per MLP type: appearance first-layer bias, same layout [2, Ha] / [Ha]; empty when colour is off. */
  appNodeBias: tf.Tensor[];
  /** Per MLP type: node positions in the member's mirrored frame, [ã_k, 0 …] [nodes, dPos]. */
  nodePos: tf.Tensor2D[];
}

export function disposeConditioning(c: Conditioning): void {
  tf.dispose([c.anchors, c.cId, c.def0Bias, c.defSkipBias, ...c.geoNodeBias, ...c.appNodeBias, ...c.nodePos]);
}

function asRow(z: tf.Tensor, dim: number, name: string): tf.Tensor2D {
  if (z.size !== dim || (z.rank !== 1 && !(z.rank === 2 && z.shape[0] === 1))) {
    throw new Error(`${name}: expected shape [${dim}] or [1, ${dim}], got [${z.shape.join(', ')}]`);
  }
  return z.rank === 1 ? tf.reshape(z, [1, dim]) : (z as tf.Tensor2D);
}

function denseChain(x: tf.Tensor2D, layers: Dense[]): tf.Tensor2D {
  let h = x;
  layers.forEach((l, i) => {
    h = dense(h, l, i < layers.length - 1 ? 'relu' : 'linear');
  });
  return h;
}

/** a_c = Ā + mlp_pos(z_geo[:G]) reshaped [nloc, 3]. */
export function predictAnchors(p: NphmParams, zGeo: tf.Tensor): tf.Tensor2D {
  const s = derivedSizes(p.config);
  return tf.tidy(() => {
    const z = asRow(zGeo, s.zGeoDim, 'z_geo');
    const g = tf.slice(z, [0, 0], [1, p.config.decoder.id.lat_dim_glob]);
    return tf.add(p.meanAnchors, tf.reshape(denseChain(g, p.pos), [s.numAnchors, 3]));
  });
}

/** c_id = Linear([z_geo, vec(a_c)]). */
export function compressIdentity(p: NphmParams, zGeo: tf.Tensor, anchors: tf.Tensor2D): tf.Tensor2D {
  const s = derivedSizes(p.config);
  return tf.tidy(() => {
    const z = asRow(zGeo, s.zGeoDim, 'z_geo');
    const inp = tf.concat([z, tf.reshape(anchors, [1, 3 * s.numAnchors])], 1);
    return dense(inp, p.compressor);
  });
}

/** Rows [g; l_k] for every node k = 0 … nloc (nloc = global) of a [G | 66 × L] code. */
function nodeLatents(z: tf.Tensor2D, G: number, L: number, nodes: number): tf.Tensor2D {
  const g = tf.slice(z, [0, 0], [1, G]);
  const loc = tf.reshape(tf.slice(z, [0, G], [1, nodes * L]), [nodes, L]);
  return tf.concat([tf.tile(g, [nodes, 1]), loc], 1) as tf.Tensor2D;
}

/** Rows of consecutive nodes of type t (pairs 2t, 2t+1 are adjacent; others are single). */
function typeRows(x: tf.Tensor2D, nodes: number[]): tf.Tensor2D {
  return tf.slice(x, [nodes[0]!, 0], [nodes.length, x.shape[1]]);
}

export function condition(p: NphmParams, codes: NphmCodes, opts: { app?: boolean } = {}): Conditioning {
  const cfg = p.config;
  const { id } = cfg.decoder;
  const s = derivedSizes(cfg);
  const wantApp = opts.app ?? true;
  return tf.tidy(() => {
    const zGeo = asRow(codes.zGeo, s.zGeoDim, 'z_geo');
    const zExp = asRow(codes.zExp, s.zExpDim, 'z_exp');
    const anchors = predictAnchors(p, zGeo);
    const cId = compressIdentity(p, zGeo, anchors);
    const code = tf.concat([cId, zExp], 1);
    const def0Bias = tf.add(tf.reshape(tf.matMul(code, p.deform.w0code), [-1]), p.deform.b0) as tf.Tensor1D;
    const defSkipBias = tf.add(tf.reshape(tf.matMul(code, p.deform.skipCode), [-1]), p.deform.hidden[s.skipLayer - 1]!.b) as tf.Tensor1D;

    const nodes = id.nloc + 1;
    const geoLat = nodeLatents(zGeo, id.lat_dim_glob, id.lat_dim_loc_geo, nodes);
    const appLat = wantApp ? nodeLatents(asRow(codes.zApp, s.zAppDim, 'z_app'), id.lat_dim_glob, id.lat_dim_loc_app, nodes) : null;

    // Mirrored anchor positions padded to dPos; the global node sits at the origin.
    const sign = new Float32Array(id.nloc * 3).fill(1);
    for (let k = 0; k < id.nloc; k++) if (isMirrored(cfg, k)) sign[3 * k] = -1;
    const mirrored = tf.mul(anchors, tf.tensor2d(sign, [id.nloc, 3]));
    const pos = tf.pad(mirrored, [[0, 1], [0, s.dPos - 3]]) as tf.Tensor2D;

    const geoNodeBias: tf.Tensor[] = [];
    const appNodeBias: tf.Tensor[] = [];
    const nodeBias = (lat: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D) =>
      lat.shape[0] === 1 ? tf.add(tf.reshape(tf.matMul(lat, w), [-1]), b) : tf.add(tf.matMul(lat, w), b);
    const nodePos: tf.Tensor2D[] = [];
    for (let t = 0; t < s.numTypes; t++) {
      const tn = typeNodes(cfg, t);
      const g = p.geo[t]!;
      geoNodeBias.push(nodeBias(typeRows(geoLat, tn), g.wLat, g.b0));
      if (appLat) {
        const a = p.app[t]!;
        appNodeBias.push(nodeBias(typeRows(appLat, tn), a.wLat, a.b0));
      }
      nodePos.push(typeRows(pos, tn));
    }
    return { anchors, cId, def0Bias, defSkipBias, geoNodeBias, appNodeBias, nodePos };
  });
}
