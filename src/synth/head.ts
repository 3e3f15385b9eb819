/**
 * A procedural head: identity (neutral field), expression (backward deformation) and appearance.
 *
 *   sdf(x) = sdf_neutral(B(x)),  label(x) = label_neutral(B(x)),  colour(x) = albedo_neutral(B(x))
 *
 * in model space (FLAME×4: 1 unit = 25 cm, y up, face towards +z). Batch entry points take
 * Float32Array xyz triples. Anchors (65) and iBUG-68 landmarks are material points of the neutral
 * surface carried forwards by the expression.
 */
import { ExpressionDeformation } from './deform.ts';
import { NeutralHead } from './neutral.ts';
import { completeParams, type HeadParams, type ParamValues } from './params.ts';
import { BASE, shapeFor, type BaseShape, type Shape } from './shape.ts';
import { anchorSeeds, landmarkSeeds } from './landmarks.ts';

const GRAD_EPS = 5e-4;

export class ProceduralHead {
  readonly params: HeadParams;
  readonly shape: Shape;
  readonly neutral: NeutralHead;
  readonly deform: ExpressionDeformation;
  private anchorsCanon: Float64Array | null = null;
  private landmarksCanon: Float64Array | null = null;

  constructor(params: Partial<HeadParams> = {}, base: BaseShape = BASE) {
    this.params = completeParams(params);
    this.shape = shapeFor(this.params.identity, base);
    this.neutral = new NeutralHead(this.shape);
    this.deform = new ExpressionDeformation(this.shape, this.params.expression);
  }

  /** The same identity and appearance with another expression (shares nothing mutable). */
  withExpression(expression: ParamValues): ProceduralHead {
    return new ProceduralHead({ identity: this.params.identity, appearance: this.params.appearance, expression });
  }

  sdf(x: number, y: number, z: number): number {
    const d = this.deform;
    d.backward(x, y, z);
    return this.neutral.sdf(d.qx, d.qy, d.qz);
  }

  /** Canonical (neutral) point of a posed point, into out[o..o+2]; returns true if it lies in the opened jaw wedge. */
  toCanonical(x: number, y: number, z: number, out: Float32Array | Float64Array, o = 0): boolean {
    const d = this.deform;
    d.backward(x, y, z);
    out[o] = d.qx; out[o + 1] = d.qy; out[o + 2] = d.qz;
    return d.inJawGap;
  }

  /** Central-difference gradient into out[o..o+2] (not normalised). */
  gradient(x: number, y: number, z: number, out: Float32Array | Float64Array, o = 0): void {
    const e = GRAD_EPS;
    out[o] = (this.sdf(x + e, y, z) - this.sdf(x - e, y, z)) / (2 * e);
    out[o + 1] = (this.sdf(x, y + e, z) - this.sdf(x, y - e, z)) / (2 * e);
    out[o + 2] = (this.sdf(x, y, z + e) - this.sdf(x, y, z - e)) / (2 * e);
  }

  /** Unit normal via the tetrahedron difference (4 evaluations instead of 6). */
  normal(x: number, y: number, z: number, out: Float32Array | Float64Array, o = 0): void {
    const e = GRAD_EPS;
    const a = this.sdf(x + e, y - e, z - e);
    const b = this.sdf(x - e, y - e, z + e);
    const c = this.sdf(x - e, y + e, z - e);
    const d = this.sdf(x + e, y + e, z + e);
    let nx = a - b - c + d, ny = -a - b + c + d, nz = -a + b - c + d;
    const l = Math.sqrt(nx * nx + ny * ny + nz * nz) || 1;
    nx /= l; ny /= l; nz /= l;
    out[o] = nx; out[o + 1] = ny; out[o + 2] = nz;
  }

  /** Region label (SEG id) at a posed point near the surface. */
  label(x: number, y: number, z: number): number {
    const d = this.deform;
    d.backward(x, y, z);
    return this.neutral.label(d.qx, d.qy, d.qz);
  }

  /** Label and albedo in one call; rgb into out[o..o+2]. */
  shade(x: number, y: number, z: number, out: Float32Array | Float64Array, o = 0): number {
    const d = this.deform;
    d.backward(x, y, z);
    const qx = d.qx, qy = d.qy, qz = d.qz;
    const lab = this.neutral.label(qx, qy, qz);
    this.neutral.colour(qx, qy, qz, lab, this.params.appearance, out, o);
    return lab;
  }

  sdfBatch(points: Float32Array, out: Float32Array = new Float32Array(points.length / 3)): Float32Array {
    const n = points.length / 3;
    for (let i = 0; i < n; i++) out[i] = this.sdf(points[3 * i]!, points[3 * i + 1]!, points[3 * i + 2]!);
    return out;
  }

  normalBatch(points: Float32Array, out: Float32Array = new Float32Array(points.length)): Float32Array {
    const n = points.length / 3;
    for (let i = 0; i < n; i++) this.normal(points[3 * i]!, points[3 * i + 1]!, points[3 * i + 2]!, out, 3 * i);
    return out;
  }

  /** Labels and colours (rgb in [0, 1]) of a batch of surface points. */
  shadeBatch(points: Float32Array, rgb: Float32Array = new Float32Array(points.length), labels: Uint8Array = new Uint8Array(points.length / 3)): { rgb: Float32Array; labels: Uint8Array } {
    const n = points.length / 3;
    for (let i = 0; i < n; i++) labels[i] = this.shade(points[3 * i]!, points[3 * i + 1]!, points[3 * i + 2]!, rgb, 3 * i);
    return { rgb, labels };
  }

  /**
   * Moves p (in place, posed space) onto the zero level set along the gradient. Returns the final
   * |sdf|. Newton steps on a distance field converge in 2–4 iterations near the surface.
   */
  project(p: Float64Array | Float32Array, o = 0, iters = 12): number {
    const g = scratchG;
    let d = this.sdf(p[o]!, p[o + 1]!, p[o + 2]!);
    for (let k = 0; k < iters && Math.abs(d) > 1e-6; k++) {
      this.gradient(p[o]!, p[o + 1]!, p[o + 2]!, g);
      const gg = g[0]! * g[0]! + g[1]! * g[1]! + g[2]! * g[2]! || 1;
      const step = d / Math.max(gg, 0.25);
      p[o] = p[o]! - step * g[0]!;
      p[o + 1] = p[o + 1]! - step * g[1]!;
      p[o + 2] = p[o + 2]! - step * g[2]!;
      d = this.sdf(p[o]!, p[o + 1]!, p[o + 2]!);
    }
    return Math.abs(d);
  }

  /** Projects a canonical point onto the NEUTRAL surface of this identity (in place). */
  projectNeutral(p: Float64Array, o = 0, iters = 12): number {
    const nh = this.neutral;
    const e = GRAD_EPS;
    let d = nh.sdf(p[o]!, p[o + 1]!, p[o + 2]!);
    for (let k = 0; k < iters && Math.abs(d) > 1e-6; k++) {
      const x = p[o]!, y = p[o + 1]!, z = p[o + 2]!;
      const gx = (nh.sdf(x + e, y, z) - nh.sdf(x - e, y, z)) / (2 * e);
      const gy = (nh.sdf(x, y + e, z) - nh.sdf(x, y - e, z)) / (2 * e);
      const gz = (nh.sdf(x, y, z + e) - nh.sdf(x, y, z - e)) / (2 * e);
      const gg = gx * gx + gy * gy + gz * gz || 1;
      const step = d / Math.max(gg, 0.25);
      p[o] = x - step * gx; p[o + 1] = y - step * gy; p[o + 2] = z - step * gz;
      d = nh.sdf(p[o]!, p[o + 1]!, p[o + 2]!);
    }
    return Math.abs(d);
  }

  /**
   * Canonical → posed (the forward deformation D = B⁻¹), stage by stage: the jaw and the bumps by
   * Newton's method with a numerical Jacobian, the eyelids exactly. Writes into out[o..o+2];
   * returns the residual |B(x) − p|.
   */
  toPosed(px: number, py: number, pz: number, out: Float64Array | Float32Array, o = 0): number {
    const d = this.deform;
    if (d.isNeutral) { out[o] = px; out[o + 1] = py; out[o + 2] = pz; return 0; }
    const t = scratchT;
    this.invertStage(1, px, py, pz, t);
    d.forwardEyes(t[0]!, t[1]!, t[2]!);
    this.invertStage(0, d.qx, d.qy, d.qz, t);
    out[o] = t[0]!; out[o + 1] = t[1]!; out[o + 2] = t[2]!;
    d.backward(t[0]!, t[1]!, t[2]!);
    return Math.hypot(d.qx - px, d.qy - py, d.qz - pz);
  }

  /** Solves stage(x) = p for x (stage 0: bumps, 1: jaw) into t. */
  private invertStage(stage: 0 | 1, px: number, py: number, pz: number, t: Float64Array): void {
    const d = this.deform;
    const f = (x: number, y: number, z: number) => (stage === 0 ? d.backwardLocal(x, y, z) : d.backwardJaw(x, y, z));
    let x = px, y = py, z = pz;
    const h = 1e-5;
    for (let it = 0; it < 50; it++) {
      f(x, y, z);
      const rx = d.qx - px, ry = d.qy - py, rz = d.qz - pz;
      if (Math.sqrt(rx * rx + ry * ry + rz * rz) < 1e-9) break;
      f(x + h, y, z); const a0 = (d.qx - px - rx) / h, a1 = (d.qy - py - ry) / h, a2 = (d.qz - pz - rz) / h;
      f(x, y + h, z); const b0 = (d.qx - px - rx) / h, b1 = (d.qy - py - ry) / h, b2 = (d.qz - pz - rz) / h;
      f(x, y, z + h); const c0 = (d.qx - px - rx) / h, c1 = (d.qy - py - ry) / h, c2 = (d.qz - pz - rz) / h;
      const det = a0 * (b1 * c2 - b2 * c1) - b0 * (a1 * c2 - a2 * c1) + c0 * (a1 * b2 - a2 * b1);
      let dx: number, dy: number, dz: number;
      if (Math.abs(det) < 1e-8) { dx = rx; dy = ry; dz = rz; }
      else {
        dx = (rx * (b1 * c2 - b2 * c1) - b0 * (ry * c2 - rz * c1) + c0 * (ry * b2 - rz * b1)) / det;
        dy = (a0 * (ry * c2 - rz * c1) - rx * (a1 * c2 - a2 * c1) + c0 * (a1 * rz - a2 * ry)) / det;
        dz = (a0 * (b1 * rz - b2 * ry) - b0 * (a1 * rz - a2 * ry) + rx * (a1 * b2 - a2 * b1)) / det;
      }
      // damped: the jaw stage is only piecewise smooth (kinks at the lips' wedge)
      const l = Math.sqrt(dx * dx + dy * dy + dz * dz);
      const k = l > 0.02 ? 0.02 / l : 1;
      x -= dx * k; y -= dy * k; z -= dz * k;
    }
    t[0] = x; t[1] = y; t[2] = z;
  }

  /** The 65 anchors on the neutral surface of this identity (canonical space), 65×3. */
  canonicalAnchors(): Float64Array {
    if (!this.anchorsCanon) {
      const a = anchorSeeds(this.shape);
      for (let i = 0; i < a.length / 3; i++) this.projectNeutral(a, 3 * i);
      this.anchorsCanon = a;
    }
    return this.anchorsCanon;
  }

  /** The 68 iBUG landmarks on the neutral surface of this identity (canonical space), 68×3. */
  canonicalLandmarks(): Float64Array {
    if (!this.landmarksCanon) {
      const l = landmarkSeeds(this.shape, this.canonicalAnchors());
      for (let i = 0; i < l.length / 3; i++) this.projectNeutral(l, 3 * i);
      this.landmarksCanon = l;
    }
    return this.landmarksCanon;
  }

  /** Anchors carried by the expression (posed, before head pose), 65×3. */
  anchors(): Float64Array {
    return this.carry(this.canonicalAnchors());
  }

  /** iBUG-68 landmarks carried by the expression (posed, before head pose), 68×3. */
  landmarks(): Float64Array {
    return this.carry(this.canonicalLandmarks());
  }

  private carry(c: Float64Array): Float64Array {
    const out = new Float64Array(c.length);
    for (let i = 0; i < c.length / 3; i++) this.toPosed(c[3 * i]!, c[3 * i + 1]!, c[3 * i + 2]!, out, 3 * i);
    return out;
  }
}

const scratchG = new Float64Array(3);
const scratchT = new Float64Array(3);
