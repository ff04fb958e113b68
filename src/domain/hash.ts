// Stable hashing of plain data: key order must not change a hash, or every deploy would look like drift.
import { createHash, createHmac } from 'node:crypto';

export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = sortKeys(v);
    }
    return out;
  }
  return value;
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export function hashOf(value: unknown): string {
  return sha256(canonicalJson(value));
}

/** hashOf, keyed (HMAC-SHA256) when the project has a hash key: the same length, and nothing to guess against. */
export function keyedHashOf(value: unknown, key: string | undefined): string {
  return key === undefined ? hashOf(value) : createHmac('sha256', key).update(canonicalJson(value)).digest('hex');
}
