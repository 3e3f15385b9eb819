/**
 * A restricted pickle reader. It interprets the pickle opcodes (protocols 0–5, minus the ones that
 * can only build arbitrary objects) into inert JS values and never calls anything from the file:
 * every GLOBAL is checked against the caller's allow-list at the moment it is read, and REDUCE /
 * NEWOBJ / BUILD / persistent ids go to the caller's own hooks, which decide what an allowed name
 * means. A refused name stops the read before any further opcode runs.
 */

import { escapeControlChars, quoteForMessage } from '../../graph/safe-text.ts';

/** A Python tuple (kept apart from lists so callers can tell them apart). */
export class PyTuple {
  constructor(readonly items: PyValue[]) {}
}

/** A Python dict or OrderedDict; `state` holds what a BUILD attached (e.g. `_metadata`). */
export class PyDict {
  readonly map = new Map<PyKey, PyValue>();
  state: PyValue | undefined = undefined;
  constructor(readonly ordered = false) {}
}

/** A Python set/frozenset, as a list of its members. */
export class PySet {
  constructor(readonly items: PyValue[]) {}
}

/** A name the allow-list accepted. It is only a token: the hooks give it meaning. */
export class PyGlobal {
  constructor(
    readonly module: string,
    readonly name: string,
  ) {}
  get qualified(): string {
    return `${this.module}.${this.name}`;
  }
}

export type PyKey = string | number | bigint | boolean | null;
/** Pickle values; hooks may add their own object types (storages, tensors), hence `object`. */
export type PyValue = null | boolean | number | bigint | string | Uint8Array | PyValue[] | PyTuple | PyDict | PySet | PyGlobal | object;

export interface UnpicklerHooks {
  /** Whether `module.name` may be referenced at all. Checked when GLOBAL/STACK_GLOBAL/INST is read. */
  allowGlobal(module: string, name: string): boolean;
  /** REDUCE (`fn(*args)`) and NEWOBJ (`cls.__new__(cls, *args)`) on an allowed global. */
  call(fn: PyGlobal, args: PyValue[], how: 'REDUCE' | 'NEWOBJ', at: number): PyValue;
  /** BINPERSID: resolve a persistent id (torch storages). */
  persistentLoad(pid: PyValue, at: number): PyValue;
  /** BUILD: apply `state` to `obj`; returns the object to leave on the stack. */
  build(obj: PyValue, state: PyValue, at: number): PyValue;
}

export class PickleError extends Error {}

/** Opcode byte → name, for error messages and the dispatch below. */
const OPNAMES: Record<number, string> = {
  0x28: 'MARK', 0x2e: 'STOP', 0x30: 'POP', 0x31: 'POP_MARK', 0x32: 'DUP', 0x46: 'FLOAT', 0x49: 'INT',
  0x4a: 'BININT', 0x4b: 'BININT1', 0x4c: 'LONG', 0x4d: 'BININT2', 0x4e: 'NONE', 0x50: 'PERSID',
  0x51: 'BINPERSID', 0x52: 'REDUCE', 0x53: 'STRING', 0x54: 'BINSTRING', 0x55: 'SHORT_BINSTRING',
  0x56: 'UNICODE', 0x58: 'BINUNICODE', 0x61: 'APPEND', 0x62: 'BUILD', 0x63: 'GLOBAL', 0x64: 'DICT',
  0x7d: 'EMPTY_DICT', 0x65: 'APPENDS', 0x67: 'GET', 0x68: 'BINGET', 0x69: 'INST', 0x6a: 'LONG_BINGET',
  0x6c: 'LIST', 0x5d: 'EMPTY_LIST', 0x6f: 'OBJ', 0x70: 'PUT', 0x71: 'BINPUT', 0x72: 'LONG_BINPUT',
  0x73: 'SETITEM', 0x74: 'TUPLE', 0x29: 'EMPTY_TUPLE', 0x75: 'SETITEMS', 0x47: 'BINFLOAT',
  0x80: 'PROTO', 0x81: 'NEWOBJ', 0x82: 'EXT1', 0x83: 'EXT2', 0x84: 'EXT4', 0x85: 'TUPLE1',
  0x86: 'TUPLE2', 0x87: 'TUPLE3', 0x88: 'NEWTRUE', 0x89: 'NEWFALSE', 0x8a: 'LONG1', 0x8b: 'LONG4',
  0x42: 'BINBYTES', 0x43: 'SHORT_BINBYTES', 0x8c: 'SHORT_BINUNICODE', 0x8d: 'BINUNICODE8',
  0x8e: 'BINBYTES8', 0x8f: 'EMPTY_SET', 0x90: 'ADDITEMS', 0x91: 'FROZENSET', 0x92: 'NEWOBJ_EX',
  0x93: 'STACK_GLOBAL', 0x94: 'MEMOIZE', 0x95: 'FRAME', 0x96: 'BYTEARRAY8', 0x97: 'NEXT_BUFFER',
  0x98: 'READONLY_BUFFER',
};

const MARK = Symbol('mark');
/**
 * Opcodes one pickle may run. Each creates at most one value, so this bounds the objects a file
 * can make; a state_dict with its optimizer state needs well under 100 000.
 */
export const MAX_OPS = 4_000_000;
const utf8 = new TextDecoder('utf-8', { fatal: true });
const latin1 = new TextDecoder('latin1');

function typeName(v: unknown): string {
  if (v === null) return 'None';
  if (Array.isArray(v)) return 'list';
  if (v instanceof PyTuple) return 'tuple';
  if (v instanceof PyDict) return 'dict';
  if (v instanceof PyGlobal) return `global ${v.qualified}`;
  if (v instanceof Uint8Array) return 'bytes';
  if (typeof v === 'object') return (v as object).constructor?.name ?? 'object';
  return typeof v;
}

/**
 * Reads one pickle from `bytes` and returns its top-level value. `source` names the data in
 * errors (e.g. 'checkpoint_epoch_2500/data.pkl').
 */
export function unpickle(bytes: Uint8Array, hooks: UnpicklerHooks, source = 'pickle', maxOps = MAX_OPS): PyValue {
  // The source is named in every message; it may come from a zip entry name.
  source = escapeControlChars(source);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const stack: (PyValue | typeof MARK)[] = [];
  const memo = new Map<number, PyValue>();
  let pos = 0;
  let opAt = 0;
  let opName = '';

  const fail = (msg: string): never => {
    throw new PickleError(`corrupt pickle ${source} at byte ${opAt} (${opName}): ${msg}`);
  };
  const need = (n: number) => {
    if (n < 0 || !Number.isSafeInteger(n) || pos + n > bytes.length) {
      throw new PickleError(`truncated pickle ${source}: ${opName} at byte ${opAt} needs ${n} byte(s) at byte ${pos}, only ${bytes.length - pos} left`);
    }
  };
  const u8 = () => (need(1), bytes[pos++]!);
  const u16 = () => (need(2), (pos += 2), view.getUint16(pos - 2, true));
  const u32 = () => (need(4), (pos += 4), view.getUint32(pos - 4, true));
  const i32 = () => (need(4), (pos += 4), view.getInt32(pos - 4, true));
  const u64 = () => {
    need(8);
    const v = view.getBigUint64(pos, true);
    pos += 8;
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) fail(`length ${v} is too large`);
    return Number(v);
  };
  const take = (n: number) => (need(n), (pos += n), bytes.subarray(pos - n, pos));
  const line = () => {
    const end = bytes.indexOf(0x0a, pos);
    if (end < 0) throw new PickleError(`truncated pickle ${source}: ${opName} at byte ${opAt} has no end of line`);
    const s = latin1.decode(bytes.subarray(pos, end));
    pos = end + 1;
    return s;
  };
  const text = (b: Uint8Array) => {
    try {
      return utf8.decode(b);
    } catch {
      return fail('invalid UTF-8 string');
    }
  };
  const signedLE = (b: Uint8Array): number | bigint => {
    if (b.length === 0) return 0;
    let v = 0n;
    for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]!);
    if (b[b.length - 1]! & 0x80) v -= 1n << BigInt(8 * b.length);
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  };

  const pop = (): PyValue => {
    const v = stack.pop();
    if (v === undefined) fail('stack underflow');
    if (v === MARK) fail('unexpected MARK on the stack');
    return v as PyValue;
  };
  const top = (): PyValue => {
    const v = stack[stack.length - 1];
    if (v === undefined) fail('stack underflow');
    if (v === MARK) fail('unexpected MARK on the stack');
    return v as PyValue;
  };
  const popMark = (): PyValue[] => {
    const i = stack.lastIndexOf(MARK);
    if (i < 0) fail('no MARK on the stack');
    const items = stack.splice(i) as PyValue[];
    items.shift();
    return items;
  };
  const keyOf = (k: PyValue): PyKey => {
    if (k === null || typeof k === 'string' || typeof k === 'number' || typeof k === 'bigint' || typeof k === 'boolean') return k;
    return fail(`unsupported dict key of type ${typeName(k)}`);
  };
  const setItems = (d: PyValue, kv: PyValue[]) => {
    if (!(d instanceof PyDict)) fail(`SETITEM(S) on a ${typeName(d)}`);
    if (kv.length % 2) fail('odd number of items for SETITEMS');
    for (let i = 0; i < kv.length; i += 2) (d as PyDict).map.set(keyOf(kv[i]!), kv[i + 1]!);
  };
  const append = (l: PyValue, items: PyValue[]) => {
    if (!Array.isArray(l)) fail(`APPEND(S) on a ${typeName(l)}`);
    // A loop, not push(...items): a long APPENDS would exceed the argument-count limit.
    for (const it of items) (l as PyValue[]).push(it);
  };
  const global = (module: string, name: string): PyGlobal => {
    if (!hooks.allowGlobal(module, name)) {
      throw new PickleError(`refused pickle global ${quoteForMessage(`${module}.${name}`)} at byte ${opAt} of ${source}`);
    }
    return new PyGlobal(module, name);
  };
  const getMemo = (i: number): PyValue => {
    if (!memo.has(i)) fail(`memo key ${i} was never stored`);
    return memo.get(i)!;
  };
  const callable = (v: PyValue, how: string): PyGlobal => {
    if (!(v instanceof PyGlobal)) return fail(`${how} on a non-callable ${typeName(v)}`);
    return v;
  };

  let ops = 0;
  for (;;) {
    opAt = pos;
    if (++ops > maxOps) throw new PickleError(`pickle ${source} runs more than ${maxOps} opcodes (at byte ${pos}); refused as too large`);
    if (pos >= bytes.length) throw new PickleError(`truncated pickle ${source}: ended at byte ${pos} without STOP`);
    const op = bytes[pos++]!;
    opName = OPNAMES[op] ?? `0x${op.toString(16).padStart(2, '0')}`;
    switch (op) {
      case 0x80: // PROTO
        if (u8() > 5) fail('unsupported pickle protocol');
        break;
      case 0x95: // FRAME: framing is only a read-ahead hint
        u64();
        break;
      case 0x2e: // STOP
        if (stack.length !== 1) fail(`STOP with ${stack.length} items on the stack`);
        return pop();
      case 0x28: stack.push(MARK); break;
      case 0x30: // POP
        if (stack[stack.length - 1] === MARK) stack.pop();
        else pop();
        break;
      case 0x31: popMark(); break;
      case 0x32: stack.push(top()); break;
      // Numbers
      case 0x4a: stack.push(i32()); break;
      case 0x4b: stack.push(u8()); break;
      case 0x4d: stack.push(u16()); break;
      case 0x8a: stack.push(signedLE(take(u8()))); break;
      case 0x8b: {
        const n = i32();
        if (n < 0) fail('negative LONG4 length');
        // Checkpoints hold small ints; a huge LONG4 would only cost quadratic BigInt time.
        if (n > 1024) fail(`LONG4 of ${n} bytes is too large`);
        stack.push(signedLE(take(n)));
        break;
      }
      case 0x47: need(8); stack.push(view.getFloat64(pos, false)); pos += 8; break;
      case 0x49: { // INT (text); '00'/'01' are False/True in protocol 0
        const s = line().trim();
        if (s === '00') stack.push(false);
        else if (s === '01') stack.push(true);
        else if (/^[-+]?\d+$/.test(s)) {
          const b = BigInt(s);
          stack.push(b >= BigInt(Number.MIN_SAFE_INTEGER) && b <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(b) : b);
        } else fail(`bad INT literal ${quoteForMessage(s, 40)}`);
        break;
      }
      case 0x4c: { // LONG (text)
        const s = line().trim().replace(/L$/, '');
        if (!/^[-+]?\d+$/.test(s)) fail(`bad LONG literal ${quoteForMessage(s, 40)}`);
        const b = BigInt(s);
        stack.push(b >= BigInt(Number.MIN_SAFE_INTEGER) && b <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(b) : b);
        break;
      }
      case 0x46: { // FLOAT (text)
        const s = line().trim();
        const v = Number(s);
        if (s === '' || (Number.isNaN(v) && !/^[-+]?nan$/i.test(s))) fail(`bad FLOAT literal ${quoteForMessage(s, 40)}`);
        stack.push(v);
        break;
      }
      // Strings and bytes
      case 0x58: stack.push(text(take(u32()))); break;
      case 0x8c: stack.push(text(take(u8()))); break;
      case 0x8d: stack.push(text(take(u64()))); break;
      case 0x54: { // BINSTRING (Python 2 str): bytes as latin-1 text
        const n = i32();
        if (n < 0) fail('negative BINSTRING length');
        stack.push(latin1.decode(take(n)));
        break;
      }
      case 0x55: stack.push(latin1.decode(take(u8()))); break;
      case 0x42: stack.push(take(u32()).slice()); break;
      case 0x43: stack.push(take(u8()).slice()); break;
      case 0x8e: case 0x96: stack.push(take(u64()).slice()); break;
      // Constants
      case 0x4e: stack.push(null); break;
      case 0x88: stack.push(true); break;
      case 0x89: stack.push(false); break;
      // Containers
      case 0x7d: stack.push(new PyDict()); break;
      case 0x64: { const d = new PyDict(); setItems(d, popMark()); stack.push(d); break; }
      case 0x5d: stack.push([]); break;
      case 0x6c: stack.push(popMark()); break;
      case 0x29: stack.push(new PyTuple([])); break;
      case 0x74: stack.push(new PyTuple(popMark())); break;
      case 0x85: { const a = pop(); stack.push(new PyTuple([a])); break; }
      case 0x86: { const b = pop(); const a = pop(); stack.push(new PyTuple([a, b])); break; }
      case 0x87: { const c = pop(); const b = pop(); const a = pop(); stack.push(new PyTuple([a, b, c])); break; }
      case 0x8f: stack.push(new PySet([])); break;
      case 0x90: {
        const items = popMark();
        const s = top();
        if (!(s instanceof PySet)) fail(`ADDITEMS on a ${typeName(s)}`);
        for (const it of items) (s as PySet).items.push(it);
        break;
      }
      case 0x91: stack.push(new PySet(popMark())); break;
      case 0x61: { const v = pop(); append(top(), [v]); break; }
      case 0x65: { const items = popMark(); append(top(), items); break; }
      case 0x73: { const v = pop(); const k = pop(); setItems(top(), [k, v]); break; }
      case 0x75: { const kv = popMark(); setItems(top(), kv); break; }
      // Memo
      case 0x68: stack.push(getMemo(u8())); break;
      case 0x6a: stack.push(getMemo(u32())); break;
      case 0x67: {
        const s = line().trim();
        if (!/^\d+$/.test(s)) fail(`bad GET index ${quoteForMessage(s, 40)}`);
        stack.push(getMemo(Number(s)));
        break;
      }
      case 0x71: memo.set(u8(), top()); break;
      case 0x72: memo.set(u32(), top()); break;
      case 0x70: {
        const s = line().trim();
        if (!/^\d+$/.test(s)) fail(`bad PUT index ${quoteForMessage(s, 40)}`);
        memo.set(Number(s), top());
        break;
      }
      case 0x94: memo.set(memo.size, top()); break;
      // Names and objects: names are checked here, before anything could use them
      case 0x63: { const module = line(); const name = line(); stack.push(global(module, name)); break; }
      case 0x93: {
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') fail('STACK_GLOBAL needs two strings');
        stack.push(global(module as string, name as string));
        break;
      }
      case 0x69: { // INST: checks the name, then refuses the old-style construction itself
        const module = line();
        const name = line();
        global(module, name);
        fail('INST is not supported');
        break;
      }
      case 0x82: case 0x83: case 0x84: {
        const code = op === 0x82 ? u8() : op === 0x83 ? u16() : u32();
        throw new PickleError(`refused pickle extension code ${code} (${opName}) at byte ${opAt} of ${source}`);
      }
      case 0x52: { // REDUCE
        const args = pop();
        const fn = callable(pop(), 'REDUCE');
        if (!(args instanceof PyTuple)) fail(`REDUCE arguments are a ${typeName(args)}, not a tuple`);
        stack.push(hooks.call(fn, (args as PyTuple).items, 'REDUCE', opAt));
        break;
      }
      case 0x81: { // NEWOBJ
        const args = pop();
        const cls = callable(pop(), 'NEWOBJ');
        if (!(args instanceof PyTuple)) fail(`NEWOBJ arguments are a ${typeName(args)}, not a tuple`);
        stack.push(hooks.call(cls, (args as PyTuple).items, 'NEWOBJ', opAt));
        break;
      }
      case 0x62: { // BUILD
        const state = pop();
        const obj = pop();
        stack.push(hooks.build(obj, state, opAt));
        break;
      }
      case 0x51: stack.push(hooks.persistentLoad(pop(), opAt)); break;
      default:
        // PERSID, STRING, UNICODE, OBJ, NEWOBJ_EX, buffers and unknown bytes: not produced by
        // torch.save for a checkpoint, so refuse rather than guess.
        fail(OPNAMES[op] ? `opcode ${OPNAMES[op]} is not supported` : `unknown opcode 0x${op.toString(16).padStart(2, '0')}`);
    }
  }
}
