/**
 * The variables of one optimisation (a frame of stage 1, or all frames in stage 2), created from a
 * tracking state and written back into it. Codes live in the run's code space (code-space.ts): the
 * loss sees z = centre + scale · u, the optimiser steps u.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { CodeAxis, CodeSpace } from './code-space.ts';
import { fromSteps, toSteps } from './code-space.ts';
import type { ParamGroup } from './optimizer.ts';
import type { LearningRates } from './schedules.ts';
import type { TrackingState } from './state.ts';
import type { HeadPose } from '../render/pose.ts';

let counter = 0;

interface AxisTensors {
  centre: tf.Tensor1D;
  scale: tf.Tensor1D;
  /** 1/scale: turns a gradient in u into code units. */
  inverse: tf.Tensor1D;
}

export interface RowCodes {
  zGeo: tf.Tensor1D;
  zApp: tf.Tensor1D;
  /** [1, De] */
  zExp: tf.Tensor2D;
}

export class TrackVariables {
  readonly uGeo: tf.Variable;
  readonly uApp: tf.Variable;
  readonly sh: tf.Variable;
  readonly colorA: tf.Variable;
  readonly colorB: tf.Variable;
  /** [T, De], [T, 3], [T, 3]: one row per frame being optimised. */
  readonly uExp: tf.Variable;
  readonly rot: tf.Variable;
  readonly trans: tf.Variable;
  private readonly axes: Record<'geo' | 'app' | 'exp', AxisTensors>;

  constructor(state: TrackingState, readonly frameIds: readonly number[], readonly space: CodeSpace) {
    const id = counter++;
    const v = (x: Float32Array, shape: number[], name: string) => tf.tidy(() => tf.variable(tf.tensor(x, shape), true, `${name}_${id}`));
    const De = state.frames[0]!.zExp.length;
    const rows = (k: 'rot' | 'trans') => Float32Array.from(frameIds.flatMap((f) => Array.from(state.frames[f]![k])));
    const expRows = Float32Array.from(frameIds.flatMap((f) => Array.from(toSteps(space.exp, state.frames[f]!.zExp))));
    this.uGeo = v(toSteps(space.geo, state.zGeo), [state.zGeo.length], 'z_geo');
    this.uApp = v(toSteps(space.app, state.zApp), [state.zApp.length], 'z_app');
    this.sh = v(state.sh, [9, 3], 'sh');
    this.colorA = v(state.colorA, [3, 3], 'color_a');
    this.colorB = v(state.colorB, [1, 3], 'color_b');
    this.uExp = v(expRows, [frameIds.length, De], 'z_exp');
    this.rot = v(rows('rot'), [frameIds.length, 3], 'rot');
    this.trans = v(rows('trans'), [frameIds.length, 3], 'trans');
    const tensors = (a: CodeAxis): AxisTensors => ({ centre: tf.tensor1d(a.centre), scale: tf.tensor1d(a.scale), inverse: tf.tensor1d(Float32Array.from(a.scale, (x) => 1 / x)) });
    this.axes = { geo: tensors(space.geo), app: tensors(space.app), exp: tensors(space.exp) };
  }

  /** The codes of row `row`, differentiable w.r.t. the variables. */
  codes(row: number): RowCodes {
    return tf.tidy(() => {
      const z = (u: tf.Tensor, a: AxisTensors) => (this.space.steps === 'raw' ? tf.clone(u) : tf.add(a.centre, tf.mul(a.scale, u)));
      return {
        zGeo: z(this.uGeo, this.axes.geo) as tf.Tensor1D,
        zApp: z(this.uApp, this.axes.app) as tf.Tensor1D,
        zExp: tf.reshape(z(tf.reshape(tf.slice(this.uExp, [row, 0], [1, -1]), [-1]), this.axes.exp), [1, -1]) as tf.Tensor2D,
      };
    });
  }

  /** All rows' expression codes [T, De] (temporal smoothness). */
  allExpressions(): tf.Tensor2D {
    return tf.tidy(() => (this.space.steps === 'raw' ? tf.clone(this.uExp) : tf.add(this.axes.exp.centre, tf.mul(this.axes.exp.scale, this.uExp))) as tf.Tensor2D);
  }

  /**
   * What the latent regularisers measure: the codes themselves for raw steps (the original's
   * ‖z‖²), and for spread steps the offsets from the centre in units of the spread, u, whose
   * regularisers are means over elements (so a weight means "a code one spread from the mean
   * everywhere costs this much", whatever the code's length).
   */
  regularised(codes: RowCodes, row: number): { geo: tf.Tensor1D; app: tf.Tensor1D; exp: tf.Tensor1D; perElement: boolean } {
    if (this.space.steps === 'raw') return { geo: codes.zGeo, app: codes.zApp, exp: tf.reshape(codes.zExp, [-1]) as tf.Tensor1D, perElement: false };
    return tf.tidy(() => ({
      geo: tf.clone(this.uGeo) as tf.Tensor1D,
      app: tf.clone(this.uApp) as tf.Tensor1D,
      exp: tf.reshape(tf.slice(this.uExp, [row, 0], [1, -1]), [-1]) as tf.Tensor1D,
      perElement: true,
    })) as unknown as { geo: tf.Tensor1D; app: tf.Tensor1D; exp: tf.Tensor1D; perElement: boolean };
  }

  pose(row: number): HeadPose {
    return { rot: tf.reshape(tf.slice(this.rot, [row, 0], [1, 3]), [3]) as tf.Tensor1D, trans: tf.reshape(tf.slice(this.trans, [row, 0], [1, 3]), [3]) as tf.Tensor1D };
  }

  /**
   * Parameter groups at learning rates `lr` (a group at rate 0 is frozen). Gradients of code
   * variables are measured (and clipped) in code units: ‖∂L/∂z‖ = ‖(∂L/∂u) / scale‖.
   */
  groups(lr: LearningRates, clipNorm: number): ParamGroup[] {
    const metric = (a: AxisTensors) => (this.space.steps === 'raw' ? undefined : a.inverse);
    const g = (name: keyof LearningRates, variables: tf.Variable[], extra: Partial<ParamGroup> = {}): ParamGroup => ({ name, variables, lr: lr[name], frozen: lr[name] === 0, ...extra });
    const geoMetric = metric(this.axes.geo), appMetric = metric(this.axes.app), expMetric = metric(this.axes.exp);
    return [
      g('geo', [this.uGeo], { clipNorm, ...(geoMetric ? { metric: geoMetric } : {}) }),
      g('app', [this.uApp], { clipNorm, ...(appMetric ? { metric: appMetric } : {}) }),
      g('color', [this.colorA, this.colorB]),
      g('expr', [this.uExp], expMetric ? { metric: expMetric } : {}),
      g('sh', [this.sh]),
      g('rot', [this.rot]),
      g('trans', [this.trans]),
    ];
  }

  async writeBack(state: TrackingState): Promise<void> {
    const read = async (v: tf.Variable) => (await v.data()) as Float32Array;
    state.zGeo = fromSteps(this.space.geo, await read(this.uGeo));
    state.zApp = fromSteps(this.space.app, await read(this.uApp));
    state.sh = await read(this.sh);
    state.colorA = await read(this.colorA);
    state.colorB = await read(this.colorB);
    const [e, r, t] = [await read(this.uExp), await read(this.rot), await read(this.trans)];
    const De = state.frames[0]!.zExp.length;
    this.frameIds.forEach((f, i) => {
      state.frames[f] = { zExp: fromSteps(this.space.exp, e.slice(i * De, (i + 1) * De)), rot: r.slice(3 * i, 3 * i + 3), trans: t.slice(3 * i, 3 * i + 3) };
    });
  }

  dispose(): void {
    tf.dispose([this.uGeo, this.uApp, this.sh, this.colorA, this.colorB, this.uExp, this.rot, this.trans]);
    for (const a of Object.values(this.axes)) tf.dispose([a.centre, a.scale, a.inverse]);
  }
}
