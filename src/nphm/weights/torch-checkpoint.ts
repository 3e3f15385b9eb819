/**
 * Reads a `torch.save` checkpoint (the zip format of torch ≥ 1.6: `<folder>/data.pkl` plus one
 * `<folder>/data/<key>` entry per storage) in plain TS, for the browser and Node alike. The pickle
 * goes through the restricted reader in `pickle.ts`, which only knows the names a state_dict and an
 * optimizer state need; storages are decompressed only for the entries asked for.
 */
import { PickleError, PyDict, PyGlobal, PySet, PyTuple, unpickle, type PyValue, type UnpicklerHooks } from './pickle.ts';
import { checkStateDict, numel, shapeString, type StateDict, type StateTensor } from './state-dict.ts';
import { zipEntries, zipEntryData, ZipError, type ZipEntry } from './zip-entries.ts';
import { escapeControlChars, quoteForMessage } from '../../graph/safe-text.ts';

export type TorchDtype = 'float32' | 'float64' | 'float16' | 'bfloat16' | 'int64' | 'int32' | 'int16' | 'int8' | 'uint8' | 'bool';

const STORAGE_DTYPES: Record<string, TorchDtype> = {
  FloatStorage: 'float32',
  DoubleStorage: 'float64',
  HalfStorage: 'float16',
  BFloat16Storage: 'bfloat16',
  LongStorage: 'int64',
  IntStorage: 'int32',
  ShortStorage: 'int16',
  CharStorage: 'int8',
  ByteStorage: 'uint8',
  BoolStorage: 'bool',
};

const ITEM_SIZE: Record<TorchDtype, number> = {
  float32: 4, float64: 8, float16: 2, bfloat16: 2, int64: 8, int32: 4, int16: 2, int8: 1, uint8: 1, bool: 1,
};

/** torch dtype objects are inert values when they appear (newer rebuild functions pass them). */
const TORCH_DTYPE_NAMES = new Set(['float32', 'float', 'float64', 'double', 'float16', 'half', 'bfloat16', 'int64', 'long', 'int32', 'int', 'int16', 'short', 'int8', 'uint8', 'bool']);

const REBUILDERS = new Set(['_rebuild_tensor', '_rebuild_tensor_v2', '_rebuild_parameter', '_rebuild_parameter_with_state']);

/** The only names a checkpoint may mention. Everything else is refused when it is read. */
export function isAllowedTorchGlobal(module: string, name: string): boolean {
  if (module === 'collections' && name === 'OrderedDict') return true;
  if (module === 'torch._utils' && REBUILDERS.has(name)) return true;
  if (module === 'torch' && (Object.hasOwn(STORAGE_DTYPES, name) || TORCH_DTYPE_NAMES.has(name))) return true;
  return false;
}

/** One storage of the checkpoint (`<folder>/data/<key>`), not yet read. */
export class StorageRef {
  constructor(
    readonly key: string,
    readonly dtype: TorchDtype,
    readonly location: string,
    readonly numel: number,
  ) {}
}

/** A tensor as the pickle describes it: a strided view of a storage. */
export class TensorRef {
  constructor(
    readonly storage: StorageRef,
    readonly offset: number,
    readonly shape: number[],
    readonly stride: number[],
  ) {}
  get dtype(): TorchDtype {
    return this.storage.dtype;
  }
}

export type CheckpointEntry =
  /** A dict of tensors (OrderedDict state_dict, e.g. `id_decoder`); read with `stateDict(name)`. */
  | { kind: 'state_dict'; keys: string[]; shapes: Map<string, number[]> }
  /** A plain number / string / bool / None. */
  | { kind: 'value'; value: number | bigint | string | boolean | null }
  /** Anything else (optimizer state, tensors, lists …); read with `load(name)`. */
  | { kind: 'other'; type: string };

export interface TorchCheckpoint {
  /** The zip's top folder (`checkpoint_epoch_2500` for the official file). */
  prefix: string;
  /** Top-level keys of the saved dict, in file order. */
  entries: Map<string, CheckpointEntry>;
  /**
   * A state_dict entry as float32 tensors (float16/64 and integer tensors are converted). With
   * `expected`, keys and shapes are checked before any storage is read.
   */
  stateDict(name: string, opts?: StateDictReadOptions): StateDict;
  /** A plain value entry. */
  value(name: string): number | bigint | string | boolean | null;
  /**
   * Any entry converted to plain JS: dicts → Map, lists/tuples → arrays, tensors → StateTensor.
   * Reads the storages it needs on demand.
   */
  load(name: string): unknown;
}

export class TorchCheckpointError extends Error {}

const fail = (msg: string): never => {
  throw new TorchCheckpointError(msg);
};

function isInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v);
}

function intTuple(v: PyValue, what: string, at: number): number[] {
  if (!(v instanceof PyTuple) || !v.items.every(isInt)) fail(`corrupt checkpoint pickle at byte ${at}: tensor ${what} is not a tuple of integers`);
  return (v as PyTuple).items as number[];
}

/** Hooks that give the allowed names their (data-only) meaning. */
function torchHooks(prefix: string): UnpicklerHooks & { storages: Map<string, StorageRef> } {
  const storages = new Map<string, StorageRef>();
  const rebuild = (args: PyValue[], at: number): TensorRef => {
    const [storage, offset, size, stride] = args;
    if (!(storage instanceof StorageRef)) return fail(`corrupt checkpoint pickle at byte ${at}: tensor rebuilt from a non-storage`);
    if (!isInt(offset) || offset < 0) return fail(`corrupt checkpoint pickle at byte ${at}: bad storage offset`);
    const shape = intTuple(size!, 'size', at);
    const strides = intTuple(stride!, 'stride', at);
    if (shape.length !== strides.length) fail(`corrupt checkpoint pickle at byte ${at}: size ${shapeString(shape)} and stride ${shapeString(strides)} differ in rank`);
    if (shape.some((d) => d < 0) || strides.some((s) => s < 0)) fail(`corrupt checkpoint pickle at byte ${at}: negative size or stride`);
    if (shape.length > MAX_RANK) fail(`corrupt checkpoint pickle at byte ${at}: tensor of rank ${shape.length} (at most ${MAX_RANK})`);
    const n = numel(shape);
    if (!Number.isSafeInteger(n)) fail(`corrupt checkpoint pickle at byte ${at}: tensor ${shapeString(shape)} has too many elements`);
    if (n > 0) {
      // Non-negative strides: the view's largest element index is offset + Σ (size − 1)·stride.
      let last = offset as number;
      for (let i = 0; i < shape.length; i++) last += (shape[i]! - 1) * strides[i]!;
      if (!Number.isSafeInteger(last) || last >= storage.numel) {
        fail(`corrupt checkpoint pickle at byte ${at}: tensor ${shapeString(shape)} (offset ${offset}, stride ${shapeString(strides)}) reaches element ${last} of storage ${quoteForMessage(storage.key)} with ${storage.numel} elements`);
      }
      // A view with more elements than its storage repeats elements (stride 0, overlaps): a
      // 600-byte file could ask for gigabytes. Weights are never saved that way.
      if (n > storage.numel) {
        fail(`corrupt checkpoint pickle at byte ${at}: tensor ${shapeString(shape)} (stride ${shapeString(strides)}) has ${n} elements, more than its storage ${quoteForMessage(storage.key)} holds (${storage.numel}): overlapping or broadcast views are not read`);
      }
    }
    return new TensorRef(storage, offset, shape, strides);
  };
  return {
    storages,
    allowGlobal: isAllowedTorchGlobal,
    call(fn, args, how, at) {
      const q = fn.qualified;
      if (q === 'collections.OrderedDict') {
        // OrderedDict() or OrderedDict([(k, v), …]).
        const d = new PyDict(true);
        const init = args[0];
        if (Array.isArray(init)) {
          for (const kv of init) {
            if (!(kv instanceof PyTuple) || kv.items.length !== 2) fail(`corrupt checkpoint pickle at byte ${at}: OrderedDict item is not a pair`);
            d.map.set((kv as PyTuple).items[0] as string, (kv as PyTuple).items[1]!);
          }
        } else if (init !== undefined && !(init instanceof PyTuple && init.items.length === 0)) {
          fail(`corrupt checkpoint pickle at byte ${at}: unsupported OrderedDict arguments`);
        }
        return d;
      }
      if (how === 'REDUCE' && (fn.name === '_rebuild_tensor_v2' || fn.name === '_rebuild_tensor')) return rebuild(args, at);
      if (how === 'REDUCE' && (fn.name === '_rebuild_parameter' || fn.name === '_rebuild_parameter_with_state')) {
        if (!(args[0] instanceof TensorRef)) fail(`corrupt checkpoint pickle at byte ${at}: ${q} of a non-tensor`);
        return args[0]!;
      }
      return fail(`corrupt checkpoint pickle at byte ${at}: ${how} of ${quoteForMessage(q)} is not supported`);
    },
    persistentLoad(pid, at) {
      // ('storage', torch.<X>Storage, key, location, numel)
      const items = pid instanceof PyTuple ? pid.items : [];
      const [tag, type, key, location, n] = items;
      if (tag !== 'storage' || !(type instanceof PyGlobal) || typeof key !== 'string' || !isInt(n) || n < 0) {
        return fail(`corrupt checkpoint pickle at byte ${at}: unsupported persistent id`);
      }
      const dtype = type.module === 'torch' && Object.hasOwn(STORAGE_DTYPES, type.name) ? STORAGE_DTYPES[type.name] : undefined;
      if (!dtype) return fail(`corrupt checkpoint pickle at byte ${at}: ${quoteForMessage(type.qualified)} is not a storage type`);
      if (!/^[A-Za-z0-9_.-]{1,64}$/.test(key)) return fail(`corrupt checkpoint pickle at byte ${at}: bad storage key ${quoteForMessage(key.slice(0, 40))}`);
      if (!Number.isSafeInteger(n * ITEM_SIZE[dtype])) return fail(`corrupt checkpoint pickle at byte ${at}: storage ${quoteForMessage(key)} of ${n} elements is too large`);
      const known = storages.get(key);
      if (known) {
        if (known.dtype !== dtype) fail(`corrupt checkpoint pickle at byte ${at}: storage '${prefix}/data/${key}' used as ${known.dtype} and ${dtype}`);
        return known;
      }
      const ref = new StorageRef(key, dtype, typeof location === 'string' ? location : '?', n);
      storages.set(key, ref);
      return ref;
    },
    build(obj, state, at) {
      // State dicts carry `_metadata` (module versions) as attribute state: keep, don't interpret.
      if (obj instanceof PyDict) {
        obj.state = state;
        return obj;
      }
      // _rebuild_parameter_with_state and tensors with python attributes: the data is what matters.
      if (obj instanceof TensorRef) return obj;
      return fail(`corrupt checkpoint pickle at byte ${at}: BUILD on an unsupported object`);
    },
  };
}

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

const HOST_LE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * A storage's bytes as float32 values (a zero-copy view when the bytes are float32 in host order
 * and aligned).
 */
function storageAsFloat32(ref: StorageRef, raw: Uint8Array, littleEndian: boolean): Float32Array {
  const size = ITEM_SIZE[ref.dtype];
  const n = ref.numel;
  if (ref.dtype === 'float32' && littleEndian === HOST_LE && raw.byteOffset % 4 === 0) {
    return new Float32Array(raw.buffer, raw.byteOffset, n);
  }
  const out = new Float32Array(n);
  const dv = new DataView(raw.buffer, raw.byteOffset, n * size);
  const le = littleEndian;
  switch (ref.dtype) {
    case 'float32': for (let i = 0; i < n; i++) out[i] = dv.getFloat32(4 * i, le); break;
    case 'float64': for (let i = 0; i < n; i++) out[i] = dv.getFloat64(8 * i, le); break;
    case 'float16': for (let i = 0; i < n; i++) out[i] = halfToFloat(dv.getUint16(2 * i, le)); break;
    case 'bfloat16': {
      const tmp = new DataView(new ArrayBuffer(4));
      for (let i = 0; i < n; i++) {
        tmp.setUint32(0, dv.getUint16(2 * i, le) << 16);
        out[i] = tmp.getFloat32(0);
      }
      break;
    }
    case 'int64': for (let i = 0; i < n; i++) out[i] = Number(dv.getBigInt64(8 * i, le)); break;
    case 'int32': for (let i = 0; i < n; i++) out[i] = dv.getInt32(4 * i, le); break;
    case 'int16': for (let i = 0; i < n; i++) out[i] = dv.getInt16(2 * i, le); break;
    case 'int8': for (let i = 0; i < n; i++) out[i] = dv.getInt8(i); break;
    case 'uint8': case 'bool': for (let i = 0; i < n; i++) out[i] = dv.getUint8(i); break;
  }
  return out;
}

function isContiguous(t: TensorRef): boolean {
  for (let i = t.shape.length - 1, expect = 1; i >= 0; i--) {
    if (t.shape[i] !== 1 && t.stride[i] !== expect) return false;
    expect *= t.shape[i]!;
  }
  return true;
}

/** The tensor's elements in row-major order: a view when contiguous, else a gathered copy. */
function gather(t: TensorRef, storage: Float32Array): Float32Array {
  const n = numel(t.shape);
  const rank = t.shape.length;
  if (isContiguous(t)) return storage.subarray(t.offset, t.offset + n);
  const out = new Float32Array(n);
  const idx = new Array<number>(rank).fill(0);
  let src = t.offset;
  for (let k = 0; k < n; k++) {
    out[k] = storage[src]!;
    for (let d = rank - 1; d >= 0; d--) {
      idx[d]!++;
      src += t.stride[d]!;
      if (idx[d]! < t.shape[d]!) break;
      src -= t.stride[d]! * t.shape[d]!;
      idx[d] = 0;
    }
  }
  return out;
}

function describe(v: PyValue): string {
  if (v instanceof PyDict) return v.ordered ? 'OrderedDict' : 'dict';
  if (v instanceof TensorRef) return `tensor ${shapeString(v.shape)} ${v.dtype}`;
  if (Array.isArray(v)) return 'list';
  if (v instanceof PyTuple) return 'tuple';
  if (v instanceof PySet) return 'set';
  if (v instanceof Uint8Array) return 'bytes';
  return typeof v;
}

function isStateDict(v: PyValue): v is PyDict {
  if (!(v instanceof PyDict)) return false;
  for (const [k, t] of v.map) if (typeof k !== 'string' || !(t instanceof TensorRef)) return false;
  return v.ordered || v.map.size > 0;
}

/**
 * What reading a checkpoint may cost. The defaults admit any checkpoint torch.save writes for a
 * model this size while keeping a hostile file from taking more than a few times its own size.
 */
export interface CheckpointLimits {
  /** Largest `data.pkl` (decompressed). Default 16 MiB; a paper checkpoint's is a few hundred kB. */
  maxPickleBytes?: number;
  /**
   * Bytes the reader may allocate for tensor data over the checkpoint's life: inflated storage
   * entries, dtype conversions and gathered (non-contiguous) views. Stored float32 entries are
   * views of the file and cost nothing. Default 4 × the file size + 64 MiB.
   */
  maxTensorBytes?: number;
}

export interface StateDictReadOptions {
  /**
   * The keys and shapes the caller will accept (from its config). Checked against the pickle's
   * shapes before any storage is read, so a wrong or hostile file costs nothing to refuse.
   */
  expected?: ReadonlyMap<string, readonly number[]>;
  /** With `expected`: keys it does not list are an error (else they are left unread). */
  strict?: boolean;
}

const DEFAULT_MAX_PICKLE_BYTES = 16 * 1024 * 1024;
const MAX_RANK = 16;
const MAX_LOAD_DEPTH = 64;

/**
 * Parses a torch zip checkpoint. Only `data.pkl` is decompressed here; storages are read when
 * `stateDict` / `load` ask for them.
 */
export function readTorchCheckpoint(bytes: Uint8Array, limits: CheckpointLimits = {}): TorchCheckpoint {
  if (bytes.length >= 2 && bytes[0] === 0x80) {
    fail('checkpoint is a legacy (pre-zip) torch.save file; re-save it with torch >= 1.6 (the default zip format)');
  }
  if (bytes.length < 4 || bytes[0] !== 0x50 || bytes[1] !== 0x4b) fail(`checkpoint is not a zip archive (starts with ${[...bytes.subarray(0, 4)].map((b) => b.toString(16).padStart(2, '0')).join(' ') || 'nothing'})`);
  const maxPickle = limits.maxPickleBytes ?? DEFAULT_MAX_PICKLE_BYTES;
  let budget = limits.maxTensorBytes ?? 4 * bytes.length + 64 * 1024 * 1024;
  const spend = (n: number, what: string) => {
    if (n > budget) fail(`checkpoint: reading ${what} needs ${n} more bytes of memory than the ${limits.maxTensorBytes ?? 'default'} allowed for this file's tensors (${budget} left)`);
    budget -= n;
  };

  const zipped = (what: string) => (e: unknown): never => {
    if (e instanceof ZipError) fail(`checkpoint is not a readable zip archive (truncated or corrupt) while reading ${what}: ${e.message}`);
    throw e;
  };
  let list: ZipEntry[];
  try {
    list = zipEntries(bytes);
  } catch (e) {
    return zipped('the entry list')(e);
  }
  const byName = new Map<string, ZipEntry>();
  for (const e of list) if (!byName.has(e.name)) byName.set(e.name, e);
  const names = [...byName.keys()];
  const shown = (xs: string[]) => xs.slice(0, 5).map((x) => escapeControlChars(x.slice(0, 80))).join(', ');
  const pkls = names.filter((n) => /^[^/]+\/data\.pkl$/.test(n));
  if (pkls.length === 0) fail(`checkpoint zip has no <folder>/data.pkl entry (entries: ${shown(names) || 'none'}${names.length > 5 ? ', …' : ''})`);
  if (pkls.length > 1) fail(`checkpoint zip has several data.pkl entries: ${shown(pkls)}`);
  const prefix = pkls[0]!.slice(0, -'/data.pkl'.length);
  /** The prefix as messages show it. */
  const P = escapeControlChars(prefix);
  const read = (name: string, max: number, what: string): Uint8Array => {
    try {
      return zipEntryData(bytes, byName.get(name)!, max);
    } catch (e) {
      return zipped(what)(e);
    }
  };

  const byteorderRaw = byName.has(`${prefix}/byteorder`) ? read(`${prefix}/byteorder`, 16, 'byteorder') : undefined;
  const byteorder = byteorderRaw ? new TextDecoder().decode(byteorderRaw).trim() : 'little';
  if (byteorder !== 'little' && byteorder !== 'big') fail(`checkpoint ${P}/byteorder is ${quoteForMessage(byteorder.slice(0, 20))}, expected 'little' or 'big'`);
  const littleEndian = byteorder === 'little';

  const hooks = torchHooks(P);
  let root: PyValue;
  try {
    root = unpickle(read(`${prefix}/data.pkl`, maxPickle, 'data.pkl'), hooks, `${prefix}/data.pkl`);
  } catch (e) {
    if (e instanceof PickleError || e instanceof TorchCheckpointError) throw new TorchCheckpointError(e.message);
    throw e;
  }
  if (!(root instanceof PyDict)) return fail(`checkpoint ${P}/data.pkl holds a ${describe(root)}, expected a dict`);
  const top = new Map<string, PyValue>();
  for (const [k, v] of root.map) {
    if (typeof k !== 'string') fail(`checkpoint top-level key ${quoteForMessage(String(k))} is not a string`);
    top.set(k as string, v);
  }

  for (const s of hooks.storages.values()) {
    if (!byName.has(`${prefix}/data/${s.key}`)) fail(`checkpoint is missing storage entry '${P}/data/${s.key}' (${s.numel} × ${s.dtype})`);
  }

  const entries = new Map<string, CheckpointEntry>();
  for (const [k, v] of top) {
    if (isStateDict(v)) {
      const shapes = new Map([...v.map].map(([key, t]) => [key as string, [...(t as TensorRef).shape]]));
      entries.set(k, { kind: 'state_dict', keys: [...shapes.keys()], shapes });
    } else if (v === null || ['number', 'bigint', 'string', 'boolean'].includes(typeof v)) {
      entries.set(k, { kind: 'value', value: v as number | bigint | string | boolean | null });
    } else entries.set(k, { kind: 'other', type: describe(v) });
  }

  const floatCache = new Map<string, Float32Array>();
  /** Decompresses, checks and converts every storage the tensors in `refs` use. */
  const readStorages = (refs: Iterable<TensorRef>, what: string) => {
    const want = new Map<string, StorageRef>();
    for (const t of refs) if (!floatCache.has(t.storage.key)) want.set(`${prefix}/data/${t.storage.key}`, t.storage);
    // Sizes are checked from the central directory before any storage of this read is inflated.
    for (const [name, ref] of want) {
      const expected = ref.numel * ITEM_SIZE[ref.dtype];
      const size = byName.get(name)!.size;
      if (size < expected) fail(`checkpoint storage '${escapeControlChars(name)}' (${what}) is truncated: ${size} bytes, expected ${expected} (${ref.numel} × ${ref.dtype})`);
    }
    for (const [name, ref] of want) {
      const entry = byName.get(name)!;
      const expected = ref.numel * ITEM_SIZE[ref.dtype];
      if (entry.method !== 0) spend(entry.size, `'${escapeControlChars(name)}'`);
      const raw = read(name, Math.max(expected, entry.method === 0 ? entry.size : expected), `'${name}' (${what})`);
      if (!(ref.dtype === 'float32' && littleEndian === HOST_LE && raw.byteOffset % 4 === 0)) spend(4 * ref.numel, `'${name}' as float32`);
      floatCache.set(ref.key, storageAsFloat32(ref, raw, littleEndian));
    }
  };
  const tensor = (t: TensorRef): StateTensor => {
    if (!isContiguous(t)) spend(4 * numel(t.shape), `a strided view of '${P}/data/${t.storage.key}'`);
    return { shape: [...t.shape], data: gather(t, floatCache.get(t.storage.key)!) };
  };

  const entry = (name: string): PyValue => {
    if (!top.has(name)) fail(`checkpoint has no entry ${quoteForMessage(name)} (entries: ${[...top.keys()].map((k) => escapeControlChars(k.slice(0, 60))).join(', ')})`);
    return top.get(name)!;
  };

  const stateDictCache = new Map<string, StateDict>();
  return {
    prefix,
    entries,
    stateDict(name, opts = {}) {
      const v = entry(name);
      if (!isStateDict(v)) return fail(`checkpoint entry ${quoteForMessage(name)} is a ${describe(v)}, not a state_dict of tensors`);
      if (opts.expected) {
        const shapes: StateDict = new Map([...v.map].map(([k, t]) => [k as string, { shape: (t as TensorRef).shape, data: new Float32Array(0) }]));
        checkStateDict(shapes, opts.expected, { where: name, strict: opts.strict ?? false });
      }
      // With the config's keys, only those are read: extra tensors in a file cost nothing.
      const wanted = [...v.map].filter(([k]) => !opts.expected || opts.strict || opts.expected.has(k as string)) as [string, TensorRef][];
      const key = opts.expected && !opts.strict ? `${name}\u0000expected` : name;
      const hit = stateDictCache.get(key) ?? (opts.expected && !opts.strict ? stateDictCache.get(name) : undefined);
      if (hit) return hit;
      readStorages(wanted.map(([, t]) => t), quoteForMessage(name));
      const sd: StateDict = new Map();
      for (const [k, t] of wanted) sd.set(k, tensor(t));
      stateDictCache.set(key, sd);
      return sd;
    },
    value(name) {
      const e = entries.get(name);
      if (e?.kind !== 'value') {
        entry(name);
        return fail(`checkpoint entry ${quoteForMessage(name)} is a ${e?.kind === 'state_dict' ? 'state_dict' : (e as { type: string }).type}, not a plain value`);
      }
      return e.value;
    },
    load(name) {
      const v = entry(name);
      // The pickle memo makes shared objects (a DAG, or cycles): walk each object once, so a
      // 1 kB file of nested references cannot ask for 2^64 visits.
      const refs = new Set<TensorRef>();
      const done = new Map<object, unknown>();
      const open = new Set<object>();
      const children = (x: PyValue): PyValue[] | undefined =>
        x instanceof PyDict ? [...x.map.values()] : Array.isArray(x) ? x : x instanceof PyTuple || x instanceof PySet ? x.items : undefined;
      const collect = (x: PyValue, depth: number): void => {
        if (x instanceof TensorRef) refs.add(x);
        const kids = children(x);
        if (!kids || done.has(x as object) || open.has(x as object)) return;
        if (depth > MAX_LOAD_DEPTH) fail(`checkpoint entry ${quoteForMessage(name)} is nested more than ${MAX_LOAD_DEPTH} levels deep`);
        open.add(x as object);
        for (const y of kids) {
          if (open.has(y as object)) fail(`checkpoint entry ${quoteForMessage(name)} contains itself`);
          collect(y, depth + 1);
        }
        open.delete(x as object);
        done.set(x as object, undefined);
      };
      collect(v, 0);
      done.clear();
      readStorages(refs, quoteForMessage(name));
      const convert = (x: PyValue): unknown => {
        if (x !== null && typeof x === 'object' && done.has(x)) return done.get(x);
        let out: unknown;
        if (x instanceof TensorRef) out = tensor(x);
        else if (x instanceof PyDict) out = new Map([...x.map].map(([k, y]) => [k, convert(y)]));
        else if (Array.isArray(x)) out = x.map(convert);
        else if (x instanceof PyTuple || x instanceof PySet) out = x.items.map(convert);
        else if (x instanceof PyGlobal) out = x.qualified;
        else return x;
        done.set(x as object, out);
        return out;
      };
      return convert(v);
    },
  };
}
