/**
 * The MonoNPHM model facade: anchors, deformation, and the SDF / colour / normal field on posed
 * points for a set of latent codes.
 *
 * Two styles:
 * - sync and differentiable (`field`, `fieldWithNormals`, `posedAnchors`): for loss closures inside
 *   tf.grad / tf.variableGrads. Without an explicit edge plan they read the kNN indices with
 *   dataSync, which cpu and wasm allow; on webgpu build the plan first with `plan()`.
 * - async and chunked (`evaluate`, `solveAnchors`): any backend, any batch size, plain arrays out.
 */
import * as tf from '@tensorflow/tfjs-core';
import { derivedSizes, type DerivedSizes, type NphmConfig } from './config.ts';
import { condition, disposeConditioning, predictAnchors, type Conditioning, type NphmCodes } from './conditioning.ts';
import { canonicalQueries, deformationOutput, deformPoints } from './deform.ts';
import { canonicalField, type CanonicalOutput } from './canonical.ts';
import { disposePlan, planAsync, planSync, type EdgePlan } from './edge-plan.ts';
import { disposeParams, type NphmParams } from './params.ts';
import { implicitPosedAnchors, solveAnchors, type AnchorSolution, type BroydenOptions } from './anchor-invert.ts';

export type { NphmCodes, Conditioning } from './conditioning.ts';
export type { EdgePlan } from './edge-plan.ts';
export type { AnchorSolution, BroydenOptions } from './anchor-invert.ts';

export interface FieldOptions {
  /** Compute colour (default true). */
  rgb?: boolean;
  /** Edge plan of these points' canonical queries (required on webgpu for the sync methods). */
  plan?: EdgePlan;
  /** Also return per-edge values. */
  edges?: boolean;
}

export interface FieldResult extends CanonicalOutput {
  /** Canonical queries x_c [N, 3 + nhyper]. */
  queries: tf.Tensor2D;
}

export interface NormalsResult extends FieldResult {
  /** ∂sdf/∂x_posed [N, 3], unnormalised; differentiable again (w.r.t. codes and points). */
  normals: tf.Tensor2D;
}

export interface EvaluateOptions {
  rgb?: boolean;
  normals?: boolean;
  /**
   * Points per chunk (default 16384 without normals, 1024 with: the normals' tape of the paper model
   * takes ≈ 1 MB per point, and wasm32 memory ends at 2–4 GB).
   */
  chunk?: number;
}

export interface EvaluateResult {
  sdf: Float32Array;
  rgb?: Float32Array;
  normals?: Float32Array;
  /** Canonical queries [N · (3 + nhyper)]. */
  queries: Float32Array;
}

function isCodes(c: NphmCodes | Conditioning): c is NphmCodes {
  return 'zGeo' in c;
}

export class NphmModel {
  readonly config: NphmConfig;
  readonly sizes: DerivedSizes;

  constructor(readonly params: NphmParams) {
    this.config = params.config;
    this.sizes = derivedSizes(params.config);
  }

  /** Code-dependent tensors shared by every query (differentiable w.r.t. the codes); dispose when done. */
  condition(codes: NphmCodes, opts: { app?: boolean } = {}): Conditioning {
    return condition(this.params, codes, opts);
  }

  /** Canonical anchors a_c [nloc, 3] of an identity code. */
  anchors(zGeo: tf.Tensor): tf.Tensor2D {
    return predictAnchors(this.params, zGeo);
  }

  /** Deformation of posed points [N, 3]: offsets Δ, hyper-coordinates h and canonical queries x_c. */
  deform(xPosed: tf.Tensor2D, c: NphmCodes | Conditioning): { offsets: tf.Tensor2D; hyper: tf.Tensor2D; queries: tf.Tensor2D } {
    return this.withCond(c, false, (cond) => {
      const out = deformationOutput(this.params, cond, xPosed);
      const n = xPosed.shape[0];
      return {
        offsets: tf.slice(out, [0, 0], [n, 3]),
        hyper: tf.slice(out, [0, 3], [n, this.sizes.dPos - 3]),
        queries: canonicalQueries(xPosed, out),
      };
    });
  }

  /** Edge plan (kNN grouping) of canonical queries; dispose with `disposePlan` or `plan.dispose`. */
  async plan(queries: tf.Tensor2D, cond: Conditioning): Promise<EdgePlan> {
    return planAsync(this.config, queries, cond.anchors);
  }

  /** SDF (and colour) at posed points; sync, differentiable. */
  field(xPosed: tf.Tensor2D, cond: Conditioning, opts: FieldOptions = {}): FieldResult {
    return tf.tidy(() => {
      const xc = deformPoints(this.params, cond, xPosed);
      const plan = opts.plan ?? planSync(this.config, xc, cond.anchors);
      try {
        const out = canonicalField(this.params, cond, xc, plan, opts);
        return { ...out, queries: xc } as unknown as tf.TensorContainer;
      } finally {
        if (!opts.plan) disposePlan(plan);
      }
    }) as unknown as FieldResult;
  }

  /**
   * SDF, colour and normals ∂sdf/∂x_posed in one forward pass. The normals are built on the tape,
   * so a loss of them can be differentiated again (w.r.t. codes inside tf.grad / variableGrads).
   */
  fieldWithNormals(xPosed: tf.Tensor2D, cond: Conditioning, opts: FieldOptions = {}): NormalsResult {
    let side: Omit<FieldResult, 'sdf'> | undefined;
    const seed = tf.ones([xPosed.shape[0]]) as tf.Tensor1D;
    const { value, grad } = tf.valueAndGrad((x: tf.Tensor): tf.Tensor1D => {
      const r = this.field(x as tf.Tensor2D, cond, opts);
      // Colour, queries and edge values are not part of y; keep them out of the forward tidy.
      const { sdf, ...rest } = r;
      side = rest;
      tf.keep(rest.queries);
      if (rest.rgb) tf.keep(rest.rgb);
      if (rest.edges) [rest.edges.sdf, rest.edges.weight, ...(rest.edges.rgb ? [rest.edges.rgb] : [])].forEach((t) => tf.keep(t));
      return sdf;
    })(xPosed, seed);
    seed.dispose();
    // Re-home the kept tensors in the caller's scope (clone is an identity op on the tape).
    const adopt = <T extends tf.Tensor>(t: T): T => {
      const c = tf.clone(t);
      t.dispose();
      return c;
    };
    const s = side!;
    return {
      sdf: value as tf.Tensor1D,
      normals: grad as tf.Tensor2D,
      queries: adopt(s.queries),
      ...(s.rgb ? { rgb: adopt(s.rgb) } : {}),
      ...(s.edges ? { edges: { sdf: adopt(s.edges.sdf), weight: adopt(s.edges.weight), ...(s.edges.rgb ? { rgb: adopt(s.edges.rgb) } : {}) } } : {}),
    };
  }

  /** Chunked evaluation on any backend; returns plain arrays. */
  async evaluate(xPosed: tf.Tensor2D | Float32Array, codes: NphmCodes | Conditioning, opts: EvaluateOptions = {}): Promise<EvaluateResult> {
    const wantRgb = opts.rgb ?? true;
    const pts = xPosed instanceof Float32Array ? xPosed : ((await xPosed.data()) as Float32Array);
    const N = pts.length / 3;
    const chunk = Math.max(1, opts.chunk ?? (opts.normals ? 1024 : 16384));
    const cond = isCodes(codes) ? this.condition(codes, { app: wantRgb }) : codes;
    const res: EvaluateResult = { sdf: new Float32Array(N), queries: new Float32Array(N * this.sizes.dPos) };
    if (wantRgb) res.rgb = new Float32Array(N * 3);
    if (opts.normals) res.normals = new Float32Array(N * 3);
    try {
      for (let start = 0; start < N; start += chunk) {
        const n = Math.min(chunk, N - start);
        const x = tf.tensor2d(pts.subarray(3 * start, 3 * (start + n)), [n, 3]);
        const xc = tf.tidy(() => deformPoints(this.params, cond, x));
        const plan = await this.plan(xc, cond);
        try {
          const out = opts.normals
            ? this.fieldWithNormals(x, cond, { rgb: wantRgb, plan })
            : tf.tidy(() => ({ ...canonicalField(this.params, cond, xc, plan, { rgb: wantRgb }), queries: tf.clone(xc) }) as unknown as tf.TensorContainer) as unknown as FieldResult;
          res.sdf.set((await out.sdf.data()) as Float32Array, start);
          res.queries.set((await out.queries.data()) as Float32Array, start * this.sizes.dPos);
          if (res.rgb && out.rgb) res.rgb.set((await out.rgb.data()) as Float32Array, 3 * start);
          if (res.normals) res.normals.set((await (out as NormalsResult).normals.data()) as Float32Array, 3 * start);
          tf.dispose(out as unknown as tf.TensorContainer);
        } finally {
          disposePlan(plan);
          tf.dispose([x, xc]);
        }
      }
    } finally {
      if (isCodes(codes)) disposeConditioning(cond);
    }
    return res;
  }

  /** Broyden solve of the posed anchors (no tape). */
  async solveAnchors(c: NphmCodes | Conditioning, opts: BroydenOptions = {}): Promise<AnchorSolution> {
    const cond = isCodes(c) ? this.condition(c, { app: false }) : c;
    try {
      return await solveAnchors(this.params, cond, opts);
    } finally {
      if (isCodes(c)) disposeConditioning(cond);
    }
  }

  /** Posed anchors [nloc, 3] with implicit gradients w.r.t. the codes behind `cond` (sync). */
  posedAnchors(cond: Conditioning, sol: AnchorSolution): tf.Tensor2D {
    return implicitPosedAnchors(this.params, cond, sol);
  }

  dispose(): void {
    disposeParams(this.params);
  }

  private withCond<T extends tf.TensorContainer>(c: NphmCodes | Conditioning, app: boolean, f: (cond: Conditioning) => T): T {
    if (!isCodes(c)) return tf.tidy(() => f(c));
    return tf.tidy(() => f(this.condition(c, { app })));
  }
}
