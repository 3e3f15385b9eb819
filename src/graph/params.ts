import type { ParamValue } from './document.ts';

interface ParamBase {
  label?: string;
  description: string;
}

export type ParamSpec = ParamBase &
  (
    | { type: 'number'; default: number; min?: number; max?: number; step?: number; integer?: boolean }
    | { type: 'boolean'; default: boolean }
    | { type: 'string'; default: string; maxLength?: number; multiline?: boolean }
    | { type: 'enum'; default: string; options: readonly string[] }
    | { type: 'vector'; default: number[]; length?: number; minLength?: number; maxLength?: number; min?: number; max?: number }
    /** A URI of an asset (weights, video, image folder); `accept` lists file extensions for pickers. */
    | { type: 'file'; default: string; accept: readonly string[] }
  );

const MAX_STRING = 100_000;
const MAX_VECTOR = 65_536;

/** Checks one param value against its spec; returns a reason when it is not valid. */
export function checkParam(spec: ParamSpec, value: unknown): string | undefined {
  switch (spec.type) {
    case 'number': {
      if (typeof value !== 'number' || !Number.isFinite(value)) return `expected a finite number, got ${describe(value)}`;
      if (spec.integer && !Number.isInteger(value)) return `expected an integer, got ${value}`;
      if (spec.min !== undefined && value < spec.min) return `${value} is below the minimum ${spec.min}`;
      if (spec.max !== undefined && value > spec.max) return `${value} is above the maximum ${spec.max}`;
      return undefined;
    }
    case 'boolean':
      return typeof value === 'boolean' ? undefined : `expected true or false, got ${describe(value)}`;
    case 'string':
    case 'file': {
      if (typeof value !== 'string') return `expected a string, got ${describe(value)}`;
      const max = spec.type === 'string' ? (spec.maxLength ?? MAX_STRING) : 4096;
      return value.length > max ? `text longer than ${max} characters` : undefined;
    }
    case 'enum':
      if (typeof value !== 'string') return `expected one of ${spec.options.join(', ')}, got ${describe(value)}`;
      return spec.options.includes(value) ? undefined : `'${value}' is not one of ${spec.options.join(', ')}`;
    case 'vector': {
      if (!Array.isArray(value)) return `expected a list of numbers, got ${describe(value)}`;
      if (value.length > MAX_VECTOR) return `list longer than ${MAX_VECTOR}`;
      if (spec.length !== undefined && value.length !== spec.length) return `expected ${spec.length} numbers, got ${value.length}`;
      if (spec.minLength !== undefined && value.length < spec.minLength) return `expected at least ${spec.minLength} numbers, got ${value.length}`;
      if (spec.maxLength !== undefined && value.length > spec.maxLength) return `expected at most ${spec.maxLength} numbers, got ${value.length}`;
      for (let i = 0; i < value.length; i++) {
        const v: unknown = value[i];
        if (typeof v !== 'number' || !Number.isFinite(v)) return `item ${i} is not a finite number`;
        if (spec.min !== undefined && v < spec.min) return `item ${i} (${v}) is below the minimum ${spec.min}`;
        if (spec.max !== undefined && v > spec.max) return `item ${i} (${v}) is above the maximum ${spec.max}`;
      }
      return undefined;
    }
  }
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'string') return `the text ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  return typeof v === 'object' ? 'an object' : `${typeof v} ${String(v)}`;
}

/** Parses a command-line value (`--set node.param=value`) according to the param's type. */
export function parseParamText(spec: ParamSpec, text: string): ParamValue {
  switch (spec.type) {
    case 'number':
      return text.trim() === '' ? NaN : Number(text);
    case 'boolean':
      return text === 'true' ? true : text === 'false' ? false : (text as unknown as boolean);
    case 'vector':
      try {
        const v: unknown = JSON.parse(text.startsWith('[') ? text : `[${text}]`);
        return Array.isArray(v) ? (v as number[]) : (text as unknown as number[]);
      } catch {
        return text as unknown as number[];
      }
    default:
      return text;
  }
}

export function defaultParams(specs: Readonly<Record<string, ParamSpec>>): Record<string, ParamValue> {
  const out: Record<string, ParamValue> = {};
  for (const [k, s] of Object.entries(specs)) out[k] = Array.isArray(s.default) ? [...s.default] : s.default;
  return out;
}
