/**
 * The training set: procedural identities, each scanned in a neutral and several random
 * expressions. Sampling is CPU JS and slow (≈ 1 s per scan), so every scan gets a pool of samples
 * once and training batches are random subsets of the pools. Deterministic for a seed; identities
 * are drawn from `Rng(seed)` streams that fit-eval's held-out heads never use (see heldOutHead).
 */
import { ProceduralHead, Rng, SAMPLE_BOX, randomAppearance, randomExpression, randomIdentity, sampleTrainingData, type SampleCounts } from '../synth/index.ts';
import { REFERENCE_BOX } from '../render/mesh.ts';

/**
 * Free-space points cover the union of the synth sampling box and the mesh-extraction box (§8):
 * without them the field is unconstrained near the reference box walls and meshes grow floaters there.
 */
export const SPACE_BOX = {
  min: [0, 1, 2].map((k) => Math.min(SAMPLE_BOX.min[k]!, REFERENCE_BOX.min[k]!)),
  max: [0, 1, 2].map((k) => Math.max(SAMPLE_BOX.max[k]!, REFERENCE_BOX.max[k]!)),
};

export interface ScanPool {
  identity: number;
  /** Index of this scan within its identity (0 = neutral). */
  expression: number;
  /** Global scan index (row of the z_exp table). */
  scan: number;
  /** Surface points (face first, then non-face), normals, colours in [−1, 1]. */
  surface: { n: number; nFace: number; points: Float32Array; normals: Float32Array; colors: Float32Array };
  /** Near-surface and free-space points with exact SDF. */
  near: { n: number; points: Float32Array; sdf: Float32Array };
  space: { n: number; points: Float32Array; sdf: Float32Array };
  /** Expressed surface points and their neutral counterparts (same identity). */
  corresp: { n: number; posed: Float32Array; neutral: Float32Array };
}

export interface Dataset {
  identities: number;
  expressionsPerIdentity: number;
  scans: ScanPool[];
  /** Per identity: neutral canonical anchors, 65×3 (the anchor loss target). */
  anchors: Float32Array[];
}

export interface DataConfig {
  identities: number;
  expressionsPerIdentity: number;
  /** Pool sizes per scan. */
  pool: SampleCounts;
  /** Spread of random identities (synth randomIdentity) and expression activation probability. */
  identitySpread: number;
  expressionProb: number;
}

/** Identity i of the training family for `seed`. */
export function trainingHead(seed: number, identity: number, expression: number, data: Pick<DataConfig, 'identitySpread' | 'expressionProb'>): ProceduralHead {
  const rng = new Rng(seed * 7919 + identity * 104729 + 17);
  const base = new ProceduralHead({ identity: randomIdentity(rng, data.identitySpread), appearance: randomAppearance(rng) });
  if (expression === 0) return base;
  const er = new Rng(seed * 7919 + identity * 104729 + 17 + 1_000_003 * expression);
  return base.withExpression(randomExpression(er, data.expressionProb));
}

/**
 * A held-out head for evaluation: a different generator salt than any training head (training uses
 * seeds seed·7919 + i·104729 + 17 (+ 1 000 003·e), held-out ones 0x5eed0000 + …), and a random
 * expression (not neutral) with probability `exprProb` per unit.
 */
export function heldOutHead(seed: number, index: number, data: Pick<DataConfig, 'identitySpread' | 'expressionProb'>): ProceduralHead {
  const rng = new Rng(0x5eed0000 + seed * 131 + index * 7);
  const identity = randomIdentity(rng, data.identitySpread);
  const appearance = randomAppearance(rng);
  const expression = randomExpression(rng, data.expressionProb);
  return new ProceduralHead({ identity, appearance, expression });
}

function spaceSamples(head: ProceduralHead, n: number, seed: number): { n: number; points: Float32Array; sdf: Float32Array } {
  const rng = new Rng(seed);
  const points = new Float32Array(3 * n);
  for (let i = 0; i < n; i++) for (let k = 0; k < 3; k++) points[3 * i + k] = SPACE_BOX.min[k]! + (SPACE_BOX.max[k]! - SPACE_BOX.min[k]!) * rng.next();
  return { n, points, sdf: head.sdfBatch(points) };
}

export function buildScan(seed: number, identity: number, expression: number, scan: number, data: DataConfig): { pool: ScanPool; anchors?: Float32Array } {
  const head = trainingHead(seed, identity, expression, data);
  const s = sampleTrainingData(head, data.pool, seed * 1_000_033 + scan * 97 + 5);
  const nS = s.face.n + s.nonFace.n;
  const cat = (a: Float32Array, b: Float32Array) => {
    const o = new Float32Array(a.length + b.length);
    o.set(a, 0);
    o.set(b, a.length);
    return o;
  };
  const colors = cat(s.face.colors, s.nonFace.colors).map((v) => 2 * v - 1);
  const pool: ScanPool = {
    identity,
    expression,
    scan,
    surface: { n: nS, nFace: s.face.n, points: cat(s.face.points, s.nonFace.points), normals: cat(s.face.normals, s.nonFace.normals), colors },
    near: { n: s.offSurface.n, points: s.offSurface.points, sdf: s.offSurface.sdf },
    space: spaceSamples(head, data.pool.space, seed * 1_000_033 + scan * 97 + 6),
    corresp: { n: s.correspondences.n, posed: s.correspondences.posed, neutral: s.correspondences.neutral },
  };
  return { pool, ...(expression === 0 ? { anchors: Float32Array.from(head.canonicalAnchors()) } : {}) };
}

/** Builds every scan's pool (slow: call once; `onScan` reports progress). */
export function buildDataset(seed: number, data: DataConfig, onScan?: (done: number, total: number) => void): Dataset {
  const scans: ScanPool[] = [];
  const anchors: Float32Array[] = [];
  const total = data.identities * data.expressionsPerIdentity;
  for (let i = 0; i < data.identities; i++) {
    for (let e = 0; e < data.expressionsPerIdentity; e++) {
      const scan = i * data.expressionsPerIdentity + e;
      const r = buildScan(seed, i, e, scan, data);
      scans.push(r.pool);
      if (r.anchors) anchors.push(r.anchors);
      onScan?.(scan + 1, total);
    }
  }
  return { identities: data.identities, expressionsPerIdentity: data.expressionsPerIdentity, scans, anchors };
}

/** Flat serialisation of a dataset (so the CLI can cache it next to checkpoints). */
export function datasetToBuffers(ds: Dataset): { json: object; arrays: Float32Array[] } {
  const arrays: Float32Array[] = [];
  const scans = ds.scans.map((s) => {
    arrays.push(s.surface.points, s.surface.normals, s.surface.colors, s.near.points, s.near.sdf, s.space.points, s.space.sdf, s.corresp.posed, s.corresp.neutral);
    return { identity: s.identity, expression: s.expression, scan: s.scan, nSurface: s.surface.n, nFace: s.surface.nFace, nNear: s.near.n, nSpace: s.space.n, nCorresp: s.corresp.n };
  });
  arrays.push(...ds.anchors);
  return { json: { identities: ds.identities, expressionsPerIdentity: ds.expressionsPerIdentity, scans }, arrays };
}

export function datasetFromBuffers(json: { identities: number; expressionsPerIdentity: number; scans: { identity: number; expression: number; scan: number; nSurface: number; nFace: number; nNear: number; nSpace: number; nCorresp: number }[] }, arrays: Float32Array[]): Dataset {
  let k = 0;
  const next = () => arrays[k++]!;
  const scans: ScanPool[] = json.scans.map((s) => ({
    identity: s.identity,
    expression: s.expression,
    scan: s.scan,
    surface: { n: s.nSurface, nFace: s.nFace, points: next(), normals: next(), colors: next() },
    near: { n: s.nNear, points: next(), sdf: next() },
    space: { n: s.nSpace, points: next(), sdf: next() },
    corresp: { n: s.nCorresp, posed: next(), neutral: next() },
  }));
  const anchors = Array.from({ length: json.identities }, () => next());
  return { identities: json.identities, expressionsPerIdentity: json.expressionsPerIdentity, scans, anchors };
}
