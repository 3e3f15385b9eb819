/**
 * Scalar signed-distance primitives and smooth Boolean operators. Plain numbers in and out, so the
 * head field evaluates millions of points without allocating.
 *
 * Ellipsoids use the "k0·(k0−1)/k1" bound (Quilez): exact on the surface, gradient ≈ 1 near it and
 * never overestimating by much, which is what sphere tracing and the |∇sdf| ≈ 1 band need.
 */

export function sdEllipsoid(px: number, py: number, pz: number, rx: number, ry: number, rz: number): number {
  const ax = px / rx;
  const ay = py / ry;
  const az = pz / rz;
  const k0 = Math.sqrt(ax * ax + ay * ay + az * az);
  const bx = ax / rx;
  const by = ay / ry;
  const bz = az / rz;
  const k1 = Math.sqrt(bx * bx + by * by + bz * bz);
  if (k1 < 1e-12) return -Math.min(rx, ry, rz);
  return (k0 * (k0 - 1)) / k1;
}

export function sdSphere(px: number, py: number, pz: number, r: number): number {
  return Math.sqrt(px * px + py * py + pz * pz) - r;
}

/** Capsule between a and b with radius r (exact). */
export function sdCapsule(
  px: number, py: number, pz: number,
  ax: number, ay: number, az: number,
  bx: number, by: number, bz: number,
  r: number,
): number {
  const pax = px - ax, pay = py - ay, paz = pz - az;
  const bax = bx - ax, bay = by - ay, baz = bz - az;
  let h = (pax * bax + pay * bay + paz * baz) / (bax * bax + bay * bay + baz * baz);
  h = h < 0 ? 0 : h > 1 ? 1 : h;
  const dx = pax - bax * h, dy = pay - bay * h, dz = paz - baz * h;
  return Math.sqrt(dx * dx + dy * dy + dz * dz) - r;
}

/** Round cone from sphere (a, r1) to sphere (b, r2) (exact; Quilez). */
export function sdRoundCone(
  px: number, py: number, pz: number,
  ax: number, ay: number, az: number,
  bx: number, by: number, bz: number,
  r1: number, r2: number,
): number {
  const bax = bx - ax, bay = by - ay, baz = bz - az;
  const l2 = bax * bax + bay * bay + baz * baz;
  const rr = r1 - r2;
  const a2 = l2 - rr * rr;
  const il2 = 1 / l2;
  const pax = px - ax, pay = py - ay, paz = pz - az;
  const y = pax * bax + pay * bay + paz * baz;
  const z = y - l2;
  const xx = pax * l2 - bax * y, xy = pay * l2 - bay * y, xz = paz * l2 - baz * y;
  const x2 = xx * xx + xy * xy + xz * xz;
  const y2 = y * y * l2;
  const z2 = z * z * l2;
  const k = Math.sign(rr) * rr * rr * x2;
  if (Math.sign(z) * a2 * z2 > k) return Math.sqrt(x2 + z2) * il2 - r2;
  if (Math.sign(y) * a2 * y2 < k) return Math.sqrt(x2 + y2) * il2 - r1;
  return (Math.sqrt(x2 * a2 * il2) + y * rr) * il2 - r1;
}

/** 2-D ellipse bound (same k0·(k0−1)/k1 construction), for elliptic cylinders. */
export function sdEllipse2(px: number, pz: number, rx: number, rz: number): number {
  const ax = px / rx, az = pz / rz;
  const k0 = Math.sqrt(ax * ax + az * az);
  const bx = ax / rx, bz = az / rz;
  const k1 = Math.sqrt(bx * bx + bz * bz);
  if (k1 < 1e-12) return -Math.min(rx, rz);
  return (k0 * (k0 - 1)) / k1;
}

/** Polynomial smooth minimum with blend radius k (k = 0 gives min). */
export function smin(a: number, b: number, k: number): number {
  if (k <= 0) return a < b ? a : b;
  const d = a - b;
  const h = k - (d < 0 ? -d : d);
  if (h <= 0) return a < b ? a : b;
  const hk = h / k;
  return (a < b ? a : b) - hk * hk * k * 0.25;
}

/** Smooth maximum (smooth intersection / subtraction with −b). */
export function smax(a: number, b: number, k: number): number {
  return -smin(-a, -b, k);
}

/**
 * Round union with fillet radius r: max(r, min(a, b)) − |max((r − a, r − b), 0)|; exact when the
 * surfaces meet at a right angle (see smaxRound).
 */
export function sminRound(a: number, b: number, r: number): number {
  return -smaxRound(-a, -b, r);
}

/**
 * Round intersection with fillet radius r: min(−r, max(a, b)) + |max((r + a, r + b), 0)|. Exact (|∇| = 1)
 * when the two surfaces meet at a right angle, where the polynomial smax dips to |∇| ≈ 0.71; it
 * overestimates (up to √2) when they are nearly parallel, so it is used only for right-angle cuts.
 */
export function smaxRound(a: number, b: number, r: number): number {
  const m = a > b ? a : b;
  const ua = r + a, ub = r + b;
  if (ua <= 0 && ub <= 0) return m;
  const pa = ua > 0 ? ua : 0, pb = ub > 0 ? ub : 0;
  return (m < -r ? m : -r) + Math.sqrt(pa * pa + pb * pb);
}

export function clamp01(x: number): number {
  return x < 0 ? 0 : x > 1 ? 1 : x;
}

export function smoothstep(e0: number, e1: number, x: number): number {
  const t = clamp01((x - e0) / (e1 - e0));
  return t * t * (3 - 2 * t);
}
