/**
 * Writes pickles opcode by opcode (protocol 2, the opcodes torch.save uses), so the hostile corpus
 * can say exactly what a file holds: tensors with any size, stride and storage, shared memo
 * references, names that are not on the allow-list.
 */
const enc = new TextEncoder();

export class PickleBuilder {
  private readonly out: number[] = [0x80, 0x02];
  private memoNext = 0;

  private u32(n: number): void {
    this.out.push(n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff);
  }

  raw(...bytes: number[]): this {
    this.out.push(...bytes);
    return this;
  }

  str(s: string): this {
    const b = enc.encode(s);
    this.out.push(0x58);
    this.u32(b.length);
    for (const x of b) this.out.push(x);
    return this;
  }

  /** BININT for 32-bit values, LONG1 beyond (torch does the same for sizes ≥ 2³¹). */
  int(n: number | bigint): this {
    const v = BigInt(n);
    if (v >= -(2n ** 31n) && v < 2n ** 31n) {
      this.out.push(0x4a);
      this.u32(Number(BigInt.asUintN(32, v)));
      return this;
    }
    const bytes: number[] = [];
    let x = BigInt.asUintN(128, v);
    for (let i = 0; i < 16; i++, x >>= 8n) bytes.push(Number(x & 0xffn));
    while (bytes.length > 1 && bytes[bytes.length - 1] === 0 && !(bytes[bytes.length - 2]! & 0x80)) bytes.pop();
    this.out.push(0x8a, bytes.length, ...bytes);
    return this;
  }

  global(module: string, name: string): this {
    this.out.push(0x63, ...enc.encode(`${module}\n${name}\n`));
    return this;
  }

  mark(): this { return this.raw(0x28); }
  tuple(): this { return this.raw(0x74); }
  emptyTuple(): this { return this.raw(0x29); }
  emptyDict(): this { return this.raw(0x7d); }
  emptyList(): this { return this.raw(0x5d); }
  setItems(): this { return this.raw(0x75); }
  appends(): this { return this.raw(0x65); }
  reduce(): this { return this.raw(0x52); }
  persistentId(): this { return this.raw(0x51); }
  newFalse(): this { return this.raw(0x89); }
  pop(): this { return this.raw(0x30); }

  /** Stores the top of the stack in the memo; returns its index. */
  put(): number {
    const i = this.memoNext++;
    this.out.push(0x72);
    this.u32(i);
    return i;
  }

  get(i: number): this {
    this.out.push(0x6a);
    this.u32(i);
    return this;
  }

  /** `OrderedDict()` as torch writes it. */
  orderedDict(): this {
    return this.global('collections', 'OrderedDict').emptyTuple().reduce();
  }

  /** `_rebuild_tensor_v2(storage, offset, size, stride, False, OrderedDict())`. */
  tensor(t: TensorSpec): this {
    this.global('torch._utils', '_rebuild_tensor_v2').mark();
    this.mark().str('storage').global('torch', t.storageType ?? 'FloatStorage').str(t.key).str('cpu').int(t.numel).tuple().persistentId();
    this.int(t.offset ?? 0);
    this.mark();
    for (const d of t.shape) this.int(d);
    this.tuple().mark();
    for (const s of t.stride ?? contiguousStride(t.shape)) this.int(s);
    this.tuple().newFalse().orderedDict().tuple().reduce();
    return this;
  }

  bytes(): Uint8Array {
    return Uint8Array.from([...this.out, 0x2e]);
  }
}

export interface TensorSpec {
  /** Storage key: the zip entry `<prefix>/data/<key>`. */
  key: string;
  /** Elements of the storage (what the persistent id declares). */
  numel: number | bigint;
  shape: (number | bigint)[];
  stride?: (number | bigint)[];
  offset?: number;
  /** `torch.<name>` used as the storage type (normally FloatStorage). */
  storageType?: string;
}

export function contiguousStride(shape: readonly (number | bigint)[]): (number | bigint)[] {
  const out: bigint[] = [];
  let acc = 1n;
  for (let i = shape.length - 1; i >= 0; i--) {
    out.unshift(acc);
    acc *= BigInt(shape[i]!);
  }
  return out;
}

/** A checkpoint pickle `{name: OrderedDict(key → tensor)}` for each state dict in `dicts`. */
export function checkpointPickle(dicts: Record<string, Record<string, TensorSpec>>, values: Record<string, number> = {}): Uint8Array {
  const p = new PickleBuilder().emptyDict().mark();
  for (const [name, tensors] of Object.entries(dicts)) {
    p.str(name).orderedDict().mark();
    for (const [key, t] of Object.entries(tensors)) p.str(key).tensor(t);
    p.setItems();
  }
  for (const [name, v] of Object.entries(values)) p.str(name).int(v);
  return p.setItems().bytes();
}
