/**
 * Releases what a node produced. Values are duck-typed (no tfjs import here): anything with a
 * `dispose()` method is disposed, and plain objects, arrays and maps are walked, since nodes
 * return records of tensors, functions holding tensors, and lists of per-frame results.
 */
export function disposeValue(value: unknown, seen = new Set<unknown>()): void {
  if (value === null || typeof value !== 'object' || seen.has(value)) return;
  seen.add(value);
  const d = (value as { dispose?: unknown }).dispose;
  if (typeof d === 'function') {
    (d as () => void).call(value);
    return;
  }
  if (Array.isArray(value)) for (const v of value) disposeValue(v, seen);
  else if (value instanceof Map) for (const v of value.values()) disposeValue(v, seen);
  else if (Object.getPrototypeOf(value) === Object.prototype) for (const v of Object.values(value)) disposeValue(v, seen);
}
