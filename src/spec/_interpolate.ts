// Compose-style ${VAR} interpolation over the loaded document, so secrets can stay out of the file.
import type { PathKey } from './_words.js';

export type Env = Record<string, string | undefined>;

export interface InterpolationProblem {
  path: PathKey[];
  message: string;
  hint?: string;
}

class TemplateError extends Error {
  constructor(message: string, readonly hint?: string) {
    super(message);
  }
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Index of the `}` closing the `${` that starts at `open`, counting nested `${`. */
function closing(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === '$' && text[i + 1] === '{') {
      depth++;
      i++;
    } else if (text[i] === '}' && --depth === 0) return i;
  }
  return -1;
}

function expand(body: string, env: Env): string {
  const m = /^([^:?+-]*)(:?[-?+])?([\s\S]*)$/.exec(body)!;
  const name = m[1]!;
  const op = m[2];
  if (!NAME.test(name)) throw new TemplateError(`"\${${body}}" is not a valid variable reference`, 'write ${NAME}, ${NAME:-default} or $$ for a literal $');
  const value = env[name];
  const unset = value === undefined || (op?.startsWith(':') === true && value === '');
  switch (op) {
    case undefined:
      if (value === undefined)
        throw new TemplateError(`variable \`${name}\` is not set`, `set ${name} in the environment, or give a default: \${${name}:-value}`);
      return value;
    case '-':
    case ':-':
      return unset ? substitute(m[3]!, env) : value!;
    case '?':
    case ':?':
      if (unset) throw new TemplateError(`variable \`${name}\` is not set: ${substitute(m[3]!, env) || 'required'}`, `set ${name} in the environment`);
      return value!;
    default: // + and :+ : the replacement when set
      return unset ? '' : substitute(m[3]!, env);
  }
}

/** Replace `${…}`, `$NAME` and `$$` in one string. */
export function substitute(text: string, env: Env): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c !== '$') {
      out += c;
      continue;
    }
    const next = text[i + 1];
    if (next === '$') {
      out += '$';
      i++;
    } else if (next === '{') {
      const end = closing(text, i);
      if (end < 0) throw new TemplateError(`unclosed "\${" in "${text}"`, 'close it with }, or write $$ for a literal $');
      out += expand(text.slice(i + 2, end), env);
      i = end;
    } else {
      const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i + 1))?.[0];
      if (name === undefined) out += '$';
      else {
        out += expand(name, env);
        i += name.length;
      }
    }
  }
  return out;
}

/** A copy of `value` with every string interpolated; problems are collected, and a bad string is kept as written. */
export function interpolate(value: unknown, env: Env, problems: InterpolationProblem[], path: PathKey[] = []): unknown {
  if (typeof value === 'string') {
    if (!value.includes('$')) return value;
    try {
      return substitute(value, env);
    } catch (err) {
      if (!(err instanceof TemplateError)) throw err;
      problems.push({ path, message: err.message, ...(err.hint ? { hint: err.hint } : {}) });
      return value;
    }
  }
  if (Array.isArray(value)) return value.map((item, i) => interpolate(item, env, problems, [...path, i]));
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      Object.defineProperty(out, key, { value: interpolate(item, env, problems, [...path, key]), enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
  return value;
}
