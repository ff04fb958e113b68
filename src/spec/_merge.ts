// Deep merge for overlays: maps merge key by key, lists and scalars replace (as Compose override files do).
import { isMap } from './_fields.js';

/** environment/labels may be written as lists; merging them with a map needs the map form. */
const KEY_VALUE_FIELDS = new Set(['environment', 'labels']);

function asMap(value: unknown): unknown {
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) return value;
  const out: Record<string, unknown> = {};
  for (const item of value as string[]) {
    const eq = item.indexOf('=');
    out[eq < 0 ? item : item.slice(0, eq)] = eq < 0 ? null : item.slice(eq + 1);
  }
  return out;
}

export function deepMerge(base: unknown, over: unknown, key?: string): unknown {
  if (key !== undefined && KEY_VALUE_FIELDS.has(key) && (isMap(base) || isMap(over))) {
    base = asMap(base);
    over = asMap(over);
  }
  if (!isMap(base) || !isMap(over)) return over === undefined ? base : over;
  const out: Record<string, unknown> = {};
  for (const k of new Set([...Object.keys(base), ...Object.keys(over)])) {
    const value = k in over ? deepMerge(base[k], over[k], k) : base[k];
    Object.defineProperty(out, k, { value, enumerable: true, writable: true, configurable: true });
  }
  return out;
}
