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
      this.applyGradients(grads);
      return value.dataSync()[0]!;
    } finally {
      value.dispose();
      tf.dispose(Object.values(grads));
    }
  }

  /** Clips and applies gradients computed elsewhere (e.g. summed over ray chunks); the caller keeps ownership. */
  applyGradients(grads: Record<string, tf.Tensor>): void {
    for (const g of this.groups) {
      if (g.frozen) continue;
      const named: { name: string; tensor: tf.Tensor }[] = [];
      for (const v of g.variables) {
        const grad = grads[v.name];
        if (grad) named.push({ name: v.name, tensor: g.clipNorm !== undefined ? clipByNorm(grad, g.clipNorm) : grad });
      }
      this.opt(g.name).applyGradients(named);
      for (const { name, tensor } of named) if (tensor !== grads[name]) tensor.dispose();
    }
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

/** g · min(1, max/‖g‖), like torch.nn.utils.clip_grad_norm_ on one tensor (eps 1e-6). */
export function clipByNorm(g: tf.Tensor, maxNorm: number): tf.Tensor {
  return tf.tidy(() => {
    const norm = tf.norm(g);
    const factor = tf.minimum(1, tf.div(maxNorm, tf.add(norm, 1e-6)));
    return tf.mul(g, factor);
  });
}
