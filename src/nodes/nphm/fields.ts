/**
 * The SDF / TextureField / DeformField nodes output a `FieldValue` (model + codes + space). This
 * module turns one into something computable: a RenderField for the renderer and the mesher, and
 * grid slices for previews. The canonical space evaluates the canonical ensemble directly at
 * [x, 0…] (no deformation), as the paper's canonical-space figures do.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Conditioning, NphmModel } from '../../nphm/model.ts';
import { canonicalField } from '../../nphm/canonical.ts';
import { disposePlan, planSync } from '../../nphm/edge-plan.ts';
import type { RenderField } from '../../render/field.ts';
import { fieldFromForward } from '../../render/field.ts';
import { modelRenderField } from '../../render/model-field.ts';
import { withCodes } from '../../track/state-render.ts';
import { divergingRgba } from '../preview.ts';
import type { FieldValue, ImageValue } from './values.ts';

function canonicalForward(model: NphmModel, cond: Conditioning) {
  return (x: tf.Tensor2D) => {
    const n = x.shape[0];
    const xc = tf.concat([x, tf.zeros([n, model.sizes.dPos - 3])], 1) as tf.Tensor2D;
    const plan = planSync(model.config, xc, cond.anchors);
    try {
      const out = canonicalField(model.params, cond, xc, plan, { rgb: true });
      return { sdf: out.sdf, rgb: out.rgb! };
    } finally {
      disposePlan(plan);
    }
  };
}

export function renderFieldOf(f: FieldValue, cond: Conditioning): RenderField {
  return f.canonical ? fieldFromForward(canonicalForward(f.model.model, cond)) : modelRenderField(f.model.model, cond);
}

/** Runs `fn` with the field's RenderField, disposing its tensors afterwards. */
export function withField<T>(f: FieldValue, fn: (field: RenderField, cond: Conditioning) => Promise<T>): Promise<T> {
  return withCodes(f.model.model, f.codes, (cond) => fn(renderFieldOf(f, cond), cond));
}

export type SlicePlane = 'sagittal' | 'coronal' | 'axial';

/** Grid points of a plane through `offset` over the reference box, row 0 at the top (+y / +z). */
export function slicePoints(plane: SlicePlane, offset: number, res: number): { points: Float32Array; width: number; height: number } {
  const box = { x: [-0.55, 0.55], y: [-0.5, 0.75], z: [-0.95, 0.4] } as const;
  const [ua, va] = plane === 'sagittal' ? (['z', 'y'] as const) : plane === 'coronal' ? (['x', 'y'] as const) : (['x', 'z'] as const);
  const aspect = (box[va][1] - box[va][0]) / (box[ua][1] - box[ua][0]);
  const width = res, height = Math.max(2, Math.round(res * aspect));
  const points = new Float32Array(width * height * 3);
  const axis = { x: 0, y: 1, z: 2 } as const;
  const fixed = plane === 'sagittal' ? 'x' : plane === 'coronal' ? 'z' : 'y';
  for (let r = 0; r < height; r++)
    for (let c = 0; c < width; c++) {
      const i = 3 * (r * width + c);
      points[i + axis[ua]] = box[ua][0] + ((box[ua][1] - box[ua][0]) * c) / (width - 1);
      points[i + axis[va]] = box[va][1] - ((box[va][1] - box[va][0]) * r) / (height - 1);
      points[i + axis[fixed]] = offset;
    }
  return { points, width, height };
}

/** An SDF slice as a diverging colour map (blue inside, red outside) with the zero level in black. */
export async function sdfSliceImage(f: FieldValue, plane: SlicePlane, offset: number, res: number): Promise<ImageValue> {
  const { points, width, height } = slicePoints(plane, offset, res);
  const sdf = await withField(f, async (field) => {
    const t = tf.tidy(() => field.sdf(tf.tensor2d(points, [points.length / 3, 3])));
    const v = (await t.data()) as Float32Array;
    t.dispose();
    return v;
  });
  const rgba = divergingRgba(sdf, width, height, 0.25);
  const band = 0.6 * ((1.35 / res) as number);
  for (let i = 0; i < sdf.length; i++) if (Math.abs(sdf[i]!) < band) rgba.set([0, 0, 0, 255], 4 * i);
  return { width, height, rgba: new Uint8ClampedArray(rgba) };
}

/**
 * For each canonical point: the anchor whose local MLP has the largest blend weight (-1: the global
 * MLP), that weight, and the SDF there.
 */
export async function dominantBlend(f: FieldValue, points: Float32Array): Promise<{ anchor: Int32Array; weight: Float32Array; sdf: Float32Array; anchors: number }> {
  const model = f.model.model;
  return withCodes(model, f.codes, async (cond) => {
    const n = points.length / 3;
    const xc = tf.tidy(() => tf.concat([tf.tensor2d(points, [n, 3]), tf.zeros([n, model.sizes.dPos - 3])], 1) as tf.Tensor2D);
    const plan = planSync(model.config, xc, cond.anchors);
    try {
      const out = canonicalField(model.params, cond, xc, plan, { rgb: false, edges: true });
      const [w, sdf] = await Promise.all([out.edges!.weight.data(), out.sdf.data()]);
      tf.dispose([out.sdf, out.edges!.sdf, out.edges!.weight]);
      const K = plan.k, cols = K + 1;
      const anchor = new Int32Array(n), weight = new Float32Array(n);
      for (let i = 0; i < n; i++) {
        let best = 0;
        for (let j = 1; j < cols; j++) if (w[i * cols + j]! > w[i * cols + best]!) best = j;
        anchor[i] = best < K ? plan.knn[i * K + best]! : -1;
        weight[i] = w[i * cols + best]!;
      }
      return { anchor, weight, sdf: Float32Array.from(sdf), anchors: cond.anchors.shape[0] };
    } finally {
      disposePlan(plan);
      xc.dispose();
    }
  });
}

/**
 * Which local MLPs a point blends, on a slice of canonical space (where the ensemble lives): each
 * pixel in the colour of the anchor with the largest blend weight (grey: the global MLP), brighter
 * the more that one weight dominates; outside the surface dimmed, the zero level in white.
 */
export async function blendSliceImage(f: FieldValue, plane: SlicePlane, offset: number, res: number): Promise<ImageValue> {
  const { points, width, height } = slicePoints(plane, offset, res);
  const { anchor, weight, sdf } = await dominantBlend(f, points);
  const rgba = new Uint8ClampedArray(width * height * 4);
  const band = 0.6 * (1.35 / res);
  for (let i = 0; i < anchor.length; i++) {
    const [r, g, b] = anchor[i]! < 0 ? [150, 150, 150] : anchorColour(anchor[i]!);
    const k = (0.35 + 0.65 * weight[i]!) * (sdf[i]! > 0 ? 0.45 : 1);
    rgba.set(Math.abs(sdf[i]!) < band ? [255, 255, 255, 255] : [r * k, g * k, b * k, 255], 4 * i);
  }
  return { width, height, rgba };
}

/** A distinct colour per anchor (golden-angle hues, alternating lightness for neighbours). */
export function anchorColour(i: number): [number, number, number] {
  const h = ((i * 137.508) % 360) / 60, l = i % 2 ? 0.55 : 0.7, c = 0.8 * (1 - Math.abs(2 * l - 1));
  const x = c * (1 - Math.abs((h % 2) - 1)), m = l - c / 2;
  const [r, g, b] = h < 1 ? [c, x, 0] : h < 2 ? [x, c, 0] : h < 3 ? [0, c, x] : h < 4 ? [0, x, c] : h < 5 ? [x, 0, c] : [c, 0, x];
  return [255 * (r + m), 255 * (g + m), 255 * (b + m)];
}

/** Lambert shading of the surface seen in a depth map (normals from depth differences). */
export function shadeDepth(depth: Float32Array, alpha: Float32Array, width: number, height: number): ImageValue {
  const rgba = new Uint8ClampedArray(width * height * 4);
  const light = [0.35, 0.5, 0.8];
  const ln = Math.hypot(...light);
  const d = (x: number, y: number) => depth[Math.min(height - 1, Math.max(0, y)) * width + Math.min(width - 1, Math.max(0, x))]!;
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      if (alpha[i]! < 0.5) continue;
      const scale = width / 2;
      const nx = -(d(x + 1, y) - d(x - 1, y)) * scale, ny = (d(x, y + 1) - d(x, y - 1)) * scale, nz = 1;
      const l = Math.hypot(nx, ny, nz);
      const lam = Math.max(0, (nx * light[0]! + ny * light[1]! + nz * light[2]!) / (l * ln));
      const v = 40 + 200 * lam;
      rgba.set([v, v, v * 1.05, 255], 4 * i);
    }
  return { width, height, rgba };
}

/** Side-by-side composition of images of equal height (previews with two panels). */
export function besideEachOther(a: ImageValue, b: ImageValue): ImageValue {
  const H = Math.max(a.height, b.height), W = a.width + b.width;
  const rgba = new Uint8ClampedArray(W * H * 4);
  for (const [img, x0] of [[a, 0], [b, a.width]] as const)
    for (let y = 0; y < img.height; y++) rgba.set(img.rgba.subarray(4 * y * img.width, 4 * (y + 1) * img.width), 4 * (y * W + x0));
  return { width: W, height: H, rgba };
}
