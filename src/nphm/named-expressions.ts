/**
 * Named expression codes of a model (expressions.json beside model.json, written by
 * `nphm fit-expressions`): z_exp vectors that mean something in the model's own expression space
 * (an open jaw, a smile), for model-rendered test videos and for teaching graphs.
 */

const NAME = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;

/** `{expressions: {name: number[]}}`, each of the model's z_exp size. */
export function parseNamedExpressions(raw: unknown, zExpDim: number, uri: string): Record<string, Float32Array> {
  const list = raw !== null && typeof raw === 'object' && Object.hasOwn(raw, 'expressions') ? (raw as { expressions: unknown }).expressions : undefined;
  if (list === null || typeof list !== 'object' || Array.isArray(list)) throw new Error(`${uri}: expected {"expressions": {name: [z_exp …]}}`);
  const out: Record<string, Float32Array> = Object.create(null) as Record<string, Float32Array>;
  for (const [name, v] of Object.entries(list as Record<string, unknown>)) {
    if (!NAME.test(name)) throw new Error(`${uri}: expression name '${name.slice(0, 64)}' is not a plain name`);
    if (!Array.isArray(v) || v.length !== zExpDim || !v.every((x) => typeof x === 'number' && Number.isFinite(x))) {
      throw new Error(`${uri}: expression '${name}' must be ${zExpDim} finite numbers (the model's z_exp size)`);
    }
    out[name] = Float32Array.from(v as number[]);
  }
  if (!Object.keys(out).length) throw new Error(`${uri}: no expressions`);
  return out;
}
