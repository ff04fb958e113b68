// zod building blocks for turtle.yaml fields: each accepts the Compose forms and reports its own precise message.
import { z } from 'zod';
import { closest, describeValue, didYouMean, listWords } from './_words.js';
import { parseDuration, parseRate, parseSize, splitShell, UnitError } from './_units.js';

/** Shown in the generated reference for every field. */
export interface FieldDoc {
  description: string;
  /** the accepted forms, in the words of the reference: `string | list of strings` */
  type: string;
  default?: string;
  example?: string;
}

export function doc<T extends z.ZodType>(schema: T, meta: FieldDoc): T {
  return schema.meta({ ...meta });
}

export interface FailOptions {
  hint?: string;
  /** relative to the value being checked */
  path?: (string | number)[];
  /** locate at the key rather than the value (unknown keys, bad names) */
  at?: 'key';
}

type Ctx = { addIssue: (issue: z.core.$ZodRawIssue) => void };

export function fail(ctx: Ctx, message: string, options: FailOptions = {}): typeof z.NEVER {
  const params: Record<string, string> = {};
  if (options.hint !== undefined) params.hint = options.hint;
  if (options.at !== undefined) params.at = options.at;
  ctx.addIssue({ code: 'custom', message, params, ...(options.path ? { path: options.path } : {}), input: undefined });
  return z.NEVER;
}

export function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A map with known keys. Unknown keys are reported one by one at the key, with the closest valid key;
 * Compose keys turtle does not support get their own explanation instead.
 */
export function obj<S extends z.ZodRawShape>(
  shape: S,
  options: { unsupported?: Record<string, string>; extensions?: boolean } = {},
) {
  const known = Object.keys(shape);
  return z.looseObject(shape).superRefine(
    (value, ctx) => {
      if (!isMap(value)) return;
      for (const key of Object.keys(value)) {
        if (key in shape || (options.extensions && key.startsWith('x-'))) continue;
        const why = options.unsupported?.[key];
        if (why !== undefined) fail(ctx, `\`${key}\` is not supported by turtle`, { path: [key], at: 'key', hint: why });
        else {
          const near = closest(key, known);
          fail(ctx, `unknown key \`${key}\`${didYouMean(key, known)}`, {
            path: [key],
            at: 'key',
            ...(near === undefined ? { hint: `expected one of: ${known.join(', ')}` } : {}),
          });
        }
      }
    },
    { when: () => true },
  );
}

export function str(options: { pattern?: RegExp; rule?: string } = {}) {
  return z.unknown().transform((value, ctx): string => {
    if (typeof value !== 'string') return fail(ctx, `expected a string, found ${describeValue(value)}`);
    if (value.trim() === '') return fail(ctx, 'must not be empty');
    if (options.pattern && !options.pattern.test(value))
      return fail(ctx, `${describeValue(value)} is not valid: ${options.rule ?? `must match ${options.pattern}`}`);
    return value;
  });
}

/** A number, or a numeric string (what `${VAR}` interpolation yields). */
export function num(options: { int?: boolean; min?: number; max?: number; above?: number } = {}) {
  const kind = options.int ? 'a whole number' : 'a number';
  return z.unknown().transform((value, ctx): number => {
    const n = typeof value === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(value) ? Number(value) : value;
    if (typeof n !== 'number' || !Number.isFinite(n)) return fail(ctx, `expected ${kind}, found ${describeValue(value)}`);
    if (options.int && !Number.isInteger(n)) return fail(ctx, `expected ${kind}, found ${n}`);
    if (options.min !== undefined && n < options.min) return fail(ctx, `must be at least ${options.min}, found ${n}`);
    if (options.max !== undefined && n > options.max) return fail(ctx, `must be at most ${options.max}, found ${n}`);
    if (options.above !== undefined && n <= options.above)
      return fail(ctx, `must be more than ${options.above}, found ${n}`);
    return n;
  });
}

export function bool() {
  return z.unknown().transform((value, ctx): boolean => {
    if (typeof value === 'boolean') return value;
    if (value === 'true' || value === 'false') return value === 'true';
    return fail(ctx, `expected true or false, found ${describeValue(value)}`);
  });
}

/** One of a fixed set; `reserved` values are known but not implemented yet. */
export function oneOf<const T extends string>(values: readonly T[], reserved: readonly string[] = []) {
  return z.unknown().transform((value, ctx): T => {
    if (typeof value === 'string' && (values as readonly string[]).includes(value)) return value as T;
    if (typeof value === 'string' && reserved.includes(value))
      return fail(ctx, `"${value}" is not supported yet`, { hint: `use ${listWords(values.map(String), 'or')}` });
    const mean = typeof value === 'string' ? didYouMean(value, values) : '';
    return fail(ctx, `expected one of ${values.join(', ')}; found ${describeValue(value)}${mean}`);
  });
}

/** Compose size: `256m`, `1g`, `512k`, `1024b` or a number of bytes. */
export function size(options: { min?: number; minText?: string } = {}) {
  return z.unknown().transform((value, ctx): number => {
    if (typeof value !== 'string' && typeof value !== 'number')
      return fail(ctx, `expected a size such as 256m or 1g, found ${describeValue(value)}`);
    try {
      const bytes = parseSize(value);
      if (options.min !== undefined && bytes < options.min)
        return fail(ctx, `must be at least ${options.minText ?? options.min}, found ${describeValue(value)}`);
      return bytes;
    } catch (err) {
      if (!(err instanceof UnitError)) throw err;
      return fail(ctx, `${err.message}, found ${describeValue(value)}`);
    }
  });
}

/** A bandwidth: `20mbit`, `500kbit`, `1gbit` → bits per second, at least 8kbit (tc's htb cannot go below). */
export function rate() {
  return z.unknown().transform((value, ctx): number => {
    if (typeof value !== 'string') return fail(ctx, `expected a rate such as 20mbit, 500kbit or 1gbit, found ${describeValue(value)}`);
    try {
      const bits = parseRate(value);
      if (bits < 8_000) return fail(ctx, `must be at least 8kbit, found ${describeValue(value)}`);
      return bits;
    } catch (err) {
      if (!(err instanceof UnitError)) throw err;
      return fail(ctx, `${err.message}, found ${describeValue(value)}`);
    }
  });
}

/** Compose duration: `1m30s`, `500ms`, `10s` → milliseconds. */
export function duration(options: { positive?: boolean } = {}) {
  return z.unknown().transform((value, ctx): number => {
    if (typeof value !== 'string')
      return fail(ctx, `expected a duration such as 500ms, 10s or 1m30s, found ${describeValue(value)}`, {
        ...(typeof value === 'number' ? { hint: `add a unit: ${value}s or ${value}ms` } : {}),
      });
    try {
      const ms = parseDuration(value);
      if (options.positive && ms <= 0) return fail(ctx, `must be longer than 0, found ${describeValue(value)}`);
      return ms;
    } catch (err) {
      if (!(err instanceof UnitError)) throw err;
      return fail(ctx, `${err.message}, found ${describeValue(value)}`);
    }
  });
}

export function stringList() {
  return z.unknown().transform((value, ctx): string[] => {
    if (!Array.isArray(value)) return fail(ctx, `expected a list of strings, found ${describeValue(value)}`);
    value.forEach((item, i) => {
      if (typeof item !== 'string') fail(ctx, `expected a string, found ${describeValue(item)}`, { path: [i] });
    });
    return value as string[];
  });
}

/** `command`/`entrypoint`: a list, or a string split like a shell. */
export function command() {
  return z.unknown().transform((value, ctx): string[] => {
    if (typeof value === 'string') {
      try {
        return splitShell(value);
      } catch (err) {
        if (!(err instanceof UnitError)) throw err;
        return fail(ctx, `cannot split into words: ${err.message}`, { hint: 'close the quote, or write a list' });
      }
    }
    if (!Array.isArray(value)) return fail(ctx, `expected a string or a list of strings, found ${describeValue(value)}`);
    value.forEach((item, i) => {
      if (typeof item !== 'string' && typeof item !== 'number')
        fail(ctx, `expected a string, found ${describeValue(item)}`, { path: [i] });
    });
    return value.map(String);
  });
}

/** The fields of `raw` that are valid on their own; the rest are left out. */
export function lenient(shape: z.ZodRawShape, raw: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (!isMap(raw)) return out;
  for (const [key, schema] of Object.entries(shape)) {
    const parsed = (schema as z.ZodType).safeParse(raw[key]);
    if (parsed.success && parsed.data !== undefined) out[key] = parsed.data;
  }
  return out;
}
