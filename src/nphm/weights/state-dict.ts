/**
 * A PyTorch-style state_dict in plain typed arrays: parameter name → row-major float32 data.
 * Linear weights keep PyTorch's [out, in] layout; transposing for `tf.matMul(x, W)` is the
 * consumer's business.
 */
export interface StateTensor {
  shape: number[];
  data: Float32Array;
}

export type StateDict = Map<string, StateTensor>;

export function numel(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function shapeString(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/**
 * The tensor `key` of `sd`, checked against `shape` when given. `where` names the state dict in
 * errors (e.g. 'id_decoder').
 */
export function getTensor(sd: StateDict, key: string, shape?: readonly number[], where = 'state_dict'): StateTensor {
  const t = sd.get(key);
  if (!t) throw new Error(`${where}: missing key '${key}'${shape ? ` (expected shape ${shapeString(shape)})` : ''}`);
  if (shape && !sameShape(t.shape, shape)) {
    throw new Error(`${where}: shape mismatch for '${key}': expected ${shapeString(shape)}, got ${shapeString(t.shape)}`);
  }
  return t;
}

export interface StateDictCheckOptions {
  /** Name of the state dict in messages. */
  where?: string;
  /** Keys in `sd` that `expected` does not list are an error (as torch's strict load_state_dict). */
  strict?: boolean;
}

/**
 * Checks every expected key and shape at once and throws one error listing all problems: missing
 * keys, shape mismatches (expected vs actual) and, when strict, unexpected keys.
 */
export function checkStateDict(
  sd: StateDict,
  expected: ReadonlyMap<string, readonly number[]> | Record<string, readonly number[]>,
  opts: StateDictCheckOptions = {},
): void {
  const where = opts.where ?? 'state_dict';
  const exp = expected instanceof Map ? expected : new Map(Object.entries(expected));
  const missing: string[] = [];
  const mismatched: string[] = [];
  for (const [key, shape] of exp) {
    const t = sd.get(key);
    if (!t) missing.push(`${key} ${shapeString(shape)}`);
    else if (!sameShape(t.shape, shape)) mismatched.push(`${key}: expected ${shapeString(shape)}, got ${shapeString(t.shape)}`);
  }
  const unexpected = opts.strict === false ? [] : [...sd.keys()].filter((k) => !exp.has(k));
  if (!missing.length && !mismatched.length && !unexpected.length) return;
  const parts: string[] = [];
  const list = (xs: string[]) => (xs.length > 6 ? [...xs.slice(0, 6), `… ${xs.length - 6} more`] : xs).join('; ');
  if (missing.length) parts.push(`${missing.length} missing key(s): ${list(missing)}`);
  if (mismatched.length) parts.push(`${mismatched.length} shape mismatch(es): ${list(mismatched)}`);
  if (unexpected.length) parts.push(`${unexpected.length} unexpected key(s): ${list(unexpected)}`);
  throw new Error(`${where}: ${parts.join('; ')}`);
}

/**
 * Refuses NaN and ±Inf weights, naming the tensor: one of them turns every SDF value downstream
 * into NaN (a different mesh, `null`s in eval output) without any error of its own. `keys` limits
 * the check to the tensors a model uses.
 */
export function checkFiniteStateDict(sd: StateDict, where: string, keys: Iterable<string> = sd.keys()): void {
  for (const key of keys) {
    const data = sd.get(key)?.data;
    if (!data) continue;
    for (let i = 0; i < data.length; i++) {
      const v = data[i]!;
      // v - v is 0 for finite numbers and NaN for NaN and ±Inf: one test per element.
      if (v - v !== 0) throw new Error(`${where}: '${key}' has a non-finite value (${v}) at flat index ${i}`);
    }
  }
}
