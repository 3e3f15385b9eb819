/**
 * Adam with parameter groups: one tfjs AdamOptimizer per group (so each keeps its own moments
 * and learning rate), gradient-norm clipping per variable where a group asks for it (the
 * original clips z_geo and z_app separately at 0.1), and learning rates that schedules can set.
 */
import * as tf from '@tensorflow/tfjs-core';

/** tfjs keeps the learning rate protected; schedules need to change it between steps. */
class ScheduledAdam extends tf.AdamOptimizer {
  setLearningRate(lr: number): void {
    this.learningRate = lr;
  }
  getLearningRate(): number {
    return this.learningRate;
  }
}

export interface ParamGroup {
  name: string;
  variables: tf.Variable[];
  lr: number;
  /** Clip each variable's gradient to this L2 norm (torch clip_grad_norm_ per tensor). */
  clipNorm?: number;
  /**
   * Element weights (broadcast against each variable) under which gradient norms are measured and
   * clipped: ‖g ⊙ metric‖. For codes stepped in units of their spread, 1/spread gives the norm in
   * code units.
   */
  metric?: tf.Tensor;
  /** Frozen groups take no steps (their gradients are not even computed). */
  frozen?: boolean;
}

export class GroupedAdam {
  private readonly opts = new Map<string, ScheduledAdam>();

  constructor(readonly groups: ParamGroup[]) {
    const names = new Set<string>();
    for (const g of groups) {
      if (names.has(g.name)) throw new Error(`optimiser: duplicate group '${g.name}'`);
      names.add(g.name);
      this.opts.set(g.name, new ScheduledAdam(g.lr, 0.9, 0.999, 1e-8));
    }
  }

  /** The variables that receive gradients this step. */
  trainable(): tf.Variable[] {
    return this.groups.filter((g) => !g.frozen).flatMap((g) => g.variables);
  }

  lr(group: string): number {
    return this.opt(group).getLearningRate();
  }

  setLr(group: string, lr: number): void {
    this.opt(group).setLearningRate(lr);
  }

  scaleLr(group: string, factor: number): void {
    this.setLr(group, this.lr(group) * factor);
  }

  /**
   * One step: evaluates `loss` with gradients into the trainable variables, clips, and applies
   * each group's Adam update. Returns the loss value (a number) and the extra values `loss` reports.
   */
  step(loss: () => tf.Scalar): number {
    const { value, grads } = tf.variableGrads(loss, this.trainable());
    try {
      tf.dispose(Object.values(this.applyGradients(grads)));
      return value.dataSync()[0]!;
    } finally {
      value.dispose();
      tf.dispose(Object.values(grads));
    }
  }

  /** Sets the learning rate of every named group present (e.g. a plan's rates for this step). */
  setLearningRates(lr: Readonly<Record<string, number>>): void {
    for (const g of this.groups) if (!g.frozen && lr[g.name] !== undefined) this.setLr(g.name, lr[g.name]!);
  }

  /**
   * Clips and applies gradients computed elsewhere (e.g. summed over ray chunks); the caller keeps
   * ownership of `grads`. Returns each trainable group's gradient norm before clipping (under its
   * metric) as a scalar tensor the caller reads (asynchronously: no read-back here) and disposes.
   */
  applyGradients(grads: Record<string, tf.Tensor>): Record<string, tf.Scalar> {
    const norms: Record<string, tf.Scalar> = {};
    for (const g of this.groups) {
      if (g.frozen) continue;
      const present = g.variables.filter((v) => grads[v.name]);
      const perVar = present.map((v) => variableNorm(grads[v.name]!, g.metric));
      norms[g.name] = tf.tidy(() => (perVar.length ? tf.sqrt(tf.addN(perVar.map((n) => tf.square(n)))) : tf.scalar(0)) as tf.Scalar);
      const named = present.map((v, i) => ({
        name: v.name,
        tensor: g.clipNorm !== undefined ? tf.tidy(() => tf.mul(grads[v.name]!, tf.minimum(1, tf.div(g.clipNorm!, tf.add(perVar[i]!, 1e-6))))) : grads[v.name]!,
      }));
      tf.dispose(perVar);
      this.opt(g.name).applyGradients(named);
      for (const { name, tensor } of named) if (tensor !== grads[name]) tensor.dispose();
    }
    return norms;
  }

  /** Each trainable group's gradient norm (under its metric), without stepping; the caller disposes them. */
  gradientNorms(grads: Record<string, tf.Tensor>): Record<string, tf.Scalar> {
    const norms: Record<string, tf.Scalar> = {};
    for (const g of this.groups) {
      if (g.frozen) continue;
      const perVar = g.variables.filter((v) => grads[v.name]).map((v) => variableNorm(grads[v.name]!, g.metric));
      norms[g.name] = tf.tidy(() => (perVar.length ? tf.sqrt(tf.addN(perVar.map((n) => tf.square(n)))) : tf.scalar(0)) as tf.Scalar);
      tf.dispose(perVar);
    }
    return norms;
  }

  dispose(): void {
    for (const o of this.opts.values()) o.dispose();
  }

  private opt(name: string): ScheduledAdam {
    const o = this.opts.get(name);
    if (!o) throw new Error(`optimiser: no group '${name}'`);
    return o;
  }
}

/**
 * ‖g ⊙ metric‖ (‖g‖ without a metric). Clipping scales g by min(1, max/(‖g‖ + 1e-6)), as
 * torch.nn.utils.clip_grad_norm_ on one tensor.
 */
function variableNorm(g: tf.Tensor, metric?: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.norm(metric ? tf.mul(g, metric) : g) as tf.Scalar);
}
