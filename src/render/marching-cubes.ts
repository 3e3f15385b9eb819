/**
 * Marching cubes with shared vertices (one vertex per crossed grid edge), so closed surfaces give
 * watertight, edge-manifold meshes.
 *
 * No maintained npm package fits (the registry has marching-squares packages and three.js's
 * `MarchingCubes` object, which is a fixed-size metaball renderer without shared vertices), so this
 * is our own. The case table is not copied: it is GENERATED at load time from a face rule. On every
 * cube face the sign changes are joined by segments; on an ambiguous face (diagonal corners of equal
 * sign) the inside (< iso) corners are kept apart. The rule depends on the face's corner signs only,
 * so two cubes sharing a face build the same segments there, which is what makes the mesh
 * watertight. The segments of a cube, oriented with the inside corner on their right seen from
 * outside the cube, chain into closed loops that are fan-triangulated. Triangles are counter-
 * clockwise seen from the outside (> iso) side, i.e. normals point towards increasing values
 * (outwards for an SDF). Each loop's fan starts at a vertex that shares no cube face with a
 * non-adjacent loop vertex (one exists for all 256 cases; checked at load), otherwise a fan diagonal
 * could coincide with one of the neighbouring cube and give an edge with four triangles.
 *
 * Grid layout: value(x, y, z) = values[x + nx·(y + ny·z)]; vertex = origin + spacing ⊙ grid coordinate,
 * with linear interpolation along the crossed edge. Slabs of two z-layers are processed at a time,
 * so memory beyond the output is O(nx·ny) and values can be streamed layer by layer.
 */

/** Corner c = i + 2j + 4k sits at (i, j, k). Edge e: axis a = e >> 2, the two other bits in e & 3. */
function edgeCorners(e: number): [number, number] {
  const a = e >> 2;
  const o = e & 3;
  const b0 = o & 1;
  const b1 = (o >> 1) & 1;
  const bits = a === 0 ? [0, b0, b1] : a === 1 ? [b0, 0, b1] : [b0, b1, 0];
  const c0 = bits[0]! + 2 * bits[1]! + 4 * bits[2]!;
  return [c0, c0 + (1 << a)];
}

const cornerPos = (c: number): number[] => [c & 1, (c >> 1) & 1, (c >> 2) & 1];

function buildTable(): { offsets: Uint16Array; edges: Uint8Array } {
  const cornersOfEdge = Array.from({ length: 12 }, (_, e) => edgeCorners(e));
  const edgeMid = cornersOfEdge.map(([a, b]) => cornerPos(a).map((v, k) => (v + cornerPos(b)[k]!) / 2));
  const faces: { axis: number; side: number; edges: number[]; corners: number[] }[] = [];
  for (let axis = 0; axis < 3; axis++) {
    for (let side = 0; side < 2; side++) {
      const corners = [...Array(8).keys()].filter((c) => cornerPos(c)[axis] === side);
      const edges = [...Array(12).keys()].filter((e) => cornersOfEdge[e]!.every((c) => corners.includes(c)));
      faces.push({ axis, side, edges, corners });
    }
  }
  const facesOfEdge = Array.from({ length: 12 }, (_, e) => faces.flatMap((f, i) => (f.edges.includes(e) ? [i] : [])));
  const shareFace = (a: number, b: number) => facesOfEdge[a]!.some((f) => facesOfEdge[b]!.includes(f));
  const offsets = new Uint16Array(257);
  const all: number[] = [];
  for (let cas = 0; cas < 256; cas++) {
    const inside = (c: number) => ((cas >> c) & 1) === 1;
    const crossed = (e: number) => inside(cornersOfEdge[e]![0]) !== inside(cornersOfEdge[e]![1]);
    const next = new Map<number, number>();
    for (const f of faces) {
      const ce = f.edges.filter(crossed);
      if (ce.length === 0) continue;
      const pairs: [number, number, number[]][] = [];
      if (ce.length === 2) {
        pairs.push([ce[0]!, ce[1]!, f.corners.filter(inside)]);
      } else {
        // Ambiguous face: cut off each inside corner by itself.
        for (const c of f.corners.filter(inside)) {
          const inc = ce.filter((e) => cornersOfEdge[e]!.includes(c));
          pairs.push([inc[0]!, inc[1]!, [c]]);
        }
      }
      const n = [0, 0, 0];
      n[f.axis] = f.side === 1 ? 1 : -1;
      for (const [p, q, ins] of pairs) {
        const P = edgeMid[p]!;
        const Q = edgeMid[q]!;
        const c = [0, 1, 2].map((k) => ins.reduce((s, x) => s + cornerPos(x)[k]!, 0) / ins.length);
        const d = [0, 1, 2].map((k) => Q[k]! - P[k]!);
        const m = [0, 1, 2].map((k) => c[k]! - (P[k]! + Q[k]!) / 2);
        const cr = [d[1]! * m[2]! - d[2]! * m[1]!, d[2]! * m[0]! - d[0]! * m[2]!, d[0]! * m[1]! - d[1]! * m[0]!];
        const right = cr[0]! * n[0]! + cr[1]! * n[1]! + cr[2]! * n[2]! < 0;
        const [from, to] = right ? [p, q] : [q, p];
        if (next.has(from)) throw new Error(`marching cubes table: case ${cas} edge ${from} has two successors`);
        next.set(from, to);
      }
    }
    offsets[cas] = all.length;
    const seen = new Set<number>();
    for (const start of [...next.keys()].sort((a, b) => a - b)) {
      if (seen.has(start)) continue;
      const loop: number[] = [];
      for (let e: number | undefined = start; e !== undefined && !seen.has(e); e = next.get(e)) {
        seen.add(e);
        loop.push(e);
      }
      if (next.get(loop[loop.length - 1]!) !== start) throw new Error(`marching cubes table: case ${cas} has an open loop`);
      // Fan from an apex that shares no cube face with a non-neighbour of the loop: such a diagonal
      // would join two vertices of the neighbouring cube too, which may use the same diagonal.
      const L = loop.length;
      let apex = -1;
      for (let r = 0; r < L && apex < 0; r++) {
        let ok = true;
        for (let i = 2; i + 1 < L && ok; i++) if (shareFace(loop[r]!, loop[(r + i) % L]!)) ok = false;
        if (ok) apex = r;
      }
      if (apex < 0) throw new Error(`marching cubes table: case ${cas} has no valid fan apex`);
      for (let i = 1; i + 1 < L; i++) all.push(loop[apex]!, loop[(apex + i) % L]!, loop[(apex + i + 1) % L]!);
    }
  }
  offsets[256] = all.length;
  return { offsets, edges: Uint8Array.from(all) };
}

const TABLE = buildTable();

/** Triangles of a case as cube-edge triples (for tests and inspection). */
export function caseTriangles(cubeCase: number): number[] {
  return Array.from(TABLE.edges.subarray(TABLE.offsets[cubeCase]!, TABLE.offsets[cubeCase + 1]!));
}

export interface GridSpec {
  /** Number of samples along x, y, z (≥ 2 each). */
  dims: [number, number, number];
  /** Position of sample (0, 0, 0). */
  origin: [number, number, number];
  /** Distance between samples along x, y, z. */
  spacing: [number, number, number];
}

export interface TriangleMesh {
  /** [V·3] vertex positions. */
  positions: Float32Array;
  /** [T·3] vertex indices, counter-clockwise seen from the > iso side. */
  indices: Uint32Array;
}

class Growable<T extends Float32Array | Uint32Array> {
  length = 0;
  constructor(
    public data: T,
    private readonly make: (n: number) => T,
  ) {}
  push3(a: number, b: number, c: number): void {
    if (this.length + 3 > this.data.length) {
      const d = this.make(Math.max(1024, this.data.length * 2));
      d.set(this.data);
      this.data = d;
    }
    this.data[this.length++] = a;
    this.data[this.length++] = b;
    this.data[this.length++] = c;
  }
  trimmed(): T {
    return this.data.slice(0, this.length) as T;
  }
}

/**
 * Incremental marching cubes: `push` the nx·ny values of layers z = 0, 1, … (x fastest) in order,
 * then `finish`. Only two layers are held, so a grid can be evaluated and meshed slab by slab.
 */
export class MarchingCubesStream {
  private readonly pos = new Growable(new Float32Array(3 * 1024), (n) => new Float32Array(n));
  private readonly tri = new Growable(new Uint32Array(3 * 1024), (n) => new Uint32Array(n));
  private vcount = 0;
  private z = 0;
  private readonly plane: number;
  private xLo: Int32Array;
  private yLo: Int32Array;
  private xHi: Int32Array;
  private yHi: Int32Array;
  private readonly zE: Int32Array;
  private readonly ids = new Int32Array(12);
  private lo: ArrayLike<number> | undefined;

  constructor(
    private readonly grid: GridSpec,
    private readonly iso = 0,
  ) {
    const [nx, ny, nz] = grid.dims;
    if (nx < 2 || ny < 2 || nz < 2) throw new Error(`marching cubes: grid ${nx}×${ny}×${nz} needs at least 2 samples per axis`);
    this.plane = nx * ny;
    this.xLo = new Int32Array(this.plane);
    this.yLo = new Int32Array(this.plane);
    this.xHi = new Int32Array(this.plane);
    this.yHi = new Int32Array(this.plane);
    this.zE = new Int32Array(this.plane);
  }

  /** Vertices on the x- and y-edges of one layer. */
  private layerEdges(v: ArrayLike<number>, z: number, xE: Int32Array, yE: Int32Array): void {
    const [nx, ny] = this.grid.dims;
    const [ox, oy, oz] = this.grid.origin;
    const [sx, sy, sz] = this.grid.spacing;
    const iso = this.iso;
    const pos = this.pos;
    const pz = oz + z * sz;
    for (let y = 0; y < ny; y++) {
      const row = y * nx;
      for (let x = 0; x < nx; x++) {
        const i = row + x;
        const a = v[i]!;
        const ain = a < iso;
        xE[i] = -1;
        yE[i] = -1;
        if (x + 1 < nx) {
          const b = v[i + 1]!;
          if (ain !== b < iso) {
            const t = (iso - a) / (b - a);
            pos.push3(ox + (x + t) * sx, oy + y * sy, pz);
            xE[i] = this.vcount++;
          }
        }
        if (y + 1 < ny) {
          const b = v[i + nx]!;
          if (ain !== b < iso) {
            const t = (iso - a) / (b - a);
            pos.push3(ox + x * sx, oy + (y + t) * sy, pz);
            yE[i] = this.vcount++;
          }
        }
      }
    }
  }

  push(values: ArrayLike<number>): void {
    const [nx, ny, nz] = this.grid.dims;
    const plane = this.plane;
    if (values.length < plane) throw new Error(`marching cubes: layer ${this.z} has ${values.length} values, expected ${plane}`);
    if (this.z >= nz) throw new Error(`marching cubes: more than ${nz} layers pushed`);
    // The stream keeps the layer until the next push: a copy, because callers may refill one buffer.
    const own = Float32Array.from(values as ArrayLike<number>).subarray(0, plane);
    if (!this.lo) {
      this.layerEdges(own, 0, this.xLo, this.yLo);
      this.lo = own;
      this.z = 1;
      return;
    }
    const lo = this.lo;
    const hi = own;
    const z = this.z - 1;
    const iso = this.iso;
    const [ox, oy, oz] = this.grid.origin;
    const [sx, sy, sz] = this.grid.spacing;
    this.layerEdges(hi, z + 1, this.xHi, this.yHi);
    const { xLo, yLo, xHi, yHi, zE, ids, pos, tri } = this;
    const pz = oz + z * sz;
    for (let i = 0; i < plane; i++) {
      zE[i] = -1;
      const a = lo[i]!;
      const b = hi[i]!;
      if (a < iso !== b < iso) {
        const x = i % nx;
        const y = (i - x) / nx;
        const t = (iso - a) / (b - a);
        pos.push3(ox + x * sx, oy + y * sy, pz + t * sz);
        zE[i] = this.vcount++;
      }
    }
    const { offsets, edges } = TABLE;
    for (let y = 0; y + 1 < ny; y++) {
      for (let x = 0; x + 1 < nx; x++) {
        const i = y * nx + x;
        const c =
          (lo[i]! < iso ? 1 : 0) |
          (lo[i + 1]! < iso ? 2 : 0) |
          (lo[i + nx]! < iso ? 4 : 0) |
          (lo[i + nx + 1]! < iso ? 8 : 0) |
          (hi[i]! < iso ? 16 : 0) |
          (hi[i + 1]! < iso ? 32 : 0) |
          (hi[i + nx]! < iso ? 64 : 0) |
          (hi[i + nx + 1]! < iso ? 128 : 0);
        if (c === 0 || c === 255) continue;
        // Edge ids: x-edges 0..3 (y bit, z bit), y-edges 4..7 (x bit, z bit), z-edges 8..11 (x bit, y bit).
        ids[0] = xLo[i]!;
        ids[1] = xLo[i + nx]!;
        ids[2] = xHi[i]!;
        ids[3] = xHi[i + nx]!;
        ids[4] = yLo[i]!;
        ids[5] = yLo[i + 1]!;
        ids[6] = yHi[i]!;
        ids[7] = yHi[i + 1]!;
        ids[8] = zE[i]!;
        ids[9] = zE[i + 1]!;
        ids[10] = zE[i + nx]!;
        ids[11] = zE[i + nx + 1]!;
        for (let k = offsets[c]!, end = offsets[c + 1]!; k < end; k += 3) {
          tri.push3(ids[edges[k]!]!, ids[edges[k + 1]!]!, ids[edges[k + 2]!]!);
        }
      }
    }
    this.xLo = xHi;
    this.xHi = xLo;
    this.yLo = yHi;
    this.yHi = yLo;
    this.lo = hi;
    this.z++;
  }

  finish(): TriangleMesh {
    if (this.z !== this.grid.dims[2]) throw new Error(`marching cubes: ${this.z} of ${this.grid.dims[2]} layers pushed`);
    return { positions: this.pos.trimmed(), indices: this.tri.trimmed() };
  }
}

/** Iso-surface of a grid given layer by layer: `layer(z)` returns the nx·ny values of layer z. */
export function marchingCubesLayers(grid: GridSpec, layer: (z: number) => ArrayLike<number>, iso = 0): TriangleMesh {
  const mc = new MarchingCubesStream(grid, iso);
  for (let z = 0; z < grid.dims[2]; z++) mc.push(layer(z));
  return mc.finish();
}

/** Iso-surface of a full grid values[x + nx·(y + ny·z)]. */
export function marchingCubes(values: ArrayLike<number> & { subarray?: unknown }, grid: GridSpec, iso = 0): TriangleMesh {
  const [nx, ny, nz] = grid.dims;
  const plane = nx * ny;
  if (values.length !== plane * nz) throw new Error(`marching cubes: ${values.length} values for a ${nx}×${ny}×${nz} grid`);
  const arr = values as Float32Array;
  const view = typeof arr.subarray === 'function' ? (z: number) => arr.subarray(z * plane, (z + 1) * plane) : (z: number) => Array.prototype.slice.call(values, z * plane, (z + 1) * plane) as number[];
  return marchingCubesLayers(grid, view, iso);
}
