// Small text helpers for messages: how to show a found value, a path, and the closest valid word.

export type PathKey = string | number;

/** `services.web.ports[0]`; keys that are not plain words are quoted: `labels["com.example"]` */
export function formatPath(path: readonly PathKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else if (/^[A-Za-z0-9_-]+$/.test(key)) out += out === '' ? key : `.${key}`;
    else out += `[${JSON.stringify(key)}]`;
  }
  return out;
}

/** How a found value reads in "expected …, found …". */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'an empty value';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a map';
  if (typeof value === 'string') {
    const shown = value.length > 40 ? `${value.slice(0, 37)}...` : value;
    return `"${shown}"`;
  }
  return `${typeof value} ${String(value)}`;
}

export { closest, didYouMean, listWords } from '../lib/words.js';
