/**
 * A small seeded PRNG (mulberry32 on a splitmix32-mixed seed). Deterministic across platforms because
 * it only uses 32-bit integer arithmetic: a seed fully determines a data set, a video, a tracking
 * run's ray samples or a random latent code, in the worker and in Node alike.
 */
export class Rng {
  private s: number;
  private spare = NaN;

  constructor(seed: number) {
    // splitmix32 so that nearby seeds (0, 1, 2…) give unrelated streams.
    let z = (Math.floor(seed) >>> 0) + 0x9e3779b9;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    this.s = (z ^ (z >>> 16)) >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Standard normal (Marsaglia polar method; the second value is kept for the next call). */
  normal(): number {
    if (!Number.isNaN(this.spare)) {
      const v = this.spare;
      this.spare = NaN;
      return v;
    }
    let u = 0;
    let v = 0;
    let s = 0;
    do {
      u = 2 * this.next() - 1;
      v = 2 * this.next() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const m = Math.sqrt((-2 * Math.log(s)) / s);
    this.spare = v * m;
    return u * m;
  }

  /** A derived, independent generator (for sub-streams that must not shift when others change). */
  fork(salt: number): Rng {
    return new Rng((Math.imul(this.int(0x7fffffff), 0x27d4eb2d) ^ Math.imul(salt + 1, 0x165667b1)) >>> 0);
  }
}
