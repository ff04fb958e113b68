// Compose-style ${VAR} interpolation over the loaded document, so secrets can stay out of the file. As in
// Compose, a plain `${VAR}` that is not set is blank (reported once per variable, as a note); `${VAR:?msg}`
// makes a variable required.
import type { PathKey } from './_words.js';

export type Env = Record<string, string | undefined>;

export interface InterpolationProblem {
  path: PathKey[];
  message: string;
  hint?: string;
  note?: true;
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

/** The variables a plain reference found unset (blank), in the order met. */
export type Unset = Set<string>;

function expand(body: string, env: Env, unset: Unset | undefined): string {
  const m = /^([^:?+-]*)(:?[-?+])?([\s\S]*)$/.exec(body)!;
  const name = m[1]!;
  const op = m[2];
  if (!NAME.test(name)) throw new TemplateError(`"\${${body}}" is not a valid variable reference`, 'write ${NAME}, ${NAME:-default} or $$ for a literal $');
  const value = env[name];
  const missing = value === undefined || (op?.startsWith(':') === true && value === '');
  switch (op) {
    case undefined:
      if (value !== undefined) return value;
      if (!unset) throw new TemplateError(`variable \`${name}\` is not set`, `set ${name} in the environment, or give a default: \${${name}:-value}`);
      unset.add(name);
      return '';
    case '-':
    case ':-':
      return missing ? substitute(m[3]!, env, unset) : value!;
    case '?':
    case ':?':
      if (missing) throw new TemplateError(`variable \`${name}\` is not set: ${substitute(m[3]!, env, unset) || 'required'}`, `set ${name} in the environment`);
      return value!;
    default: // + and :+ : the replacement when set
      return missing ? '' : substitute(m[3]!, env, unset);
  }
}

/**
 * Replace `${…}`, `$NAME` and `$$` in one string. A plain reference to an unset variable throws, unless
 * `unset` is given: then it is blank and its name is added there.
 */
export function substitute(text: string, env: Env, unset?: Unset): string {
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
      out += expand(text.slice(i + 2, end), env, unset);
      i = end;
    } else {
      const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i + 1))?.[0];
      if (name === undefined) out += '$';
      else {
        out += expand(name, env, unset);
        i += name.length;
      }
    }
  }
  return out;
}

/**
 * A copy of `value` with every string interpolated. Problems are collected, and a bad string is kept as
 * written; a variable that is not set is blank, with one note at its first use.
 */
export function interpolate(value: unknown, env: Env, problems: InterpolationProblem[]): unknown {
  const seen = new Map<string, { path: PathKey[]; uses: number }>();
  const out = walk(value, env, problems, [], seen);
  for (const [name, { path, uses }] of seen)
    problems.push({
      path, note: true,
      message: `variable \`${name}\` is not set, so it is blank here${uses > 1 ? ` and in ${uses - 1} other place${uses > 2 ? 's' : ''}` : ''}, as in Compose`,
      hint: `set ${name} in the environment or in .env beside the file, give a default (\${${name}:-value}), or make it required (\${${name}:?why})`,
    });
  return out;
}

function walk(value: unknown, env: Env, problems: InterpolationProblem[], path: PathKey[], seen: Map<string, { path: PathKey[]; uses: number }>): unknown {
  if (typeof value === 'string') {
    if (!value.includes('$')) return value;
    const unset: Unset = new Set();
    try {
      const out = substitute(value, env, unset);
      for (const name of unset) {
        const first = seen.get(name);
        if (first) first.uses++;
        else seen.set(name, { path, uses: 1 });
      }
      return out;
    } catch (err) {
      if (!(err instanceof TemplateError)) throw err;
      problems.push({ path, message: err.message, ...(err.hint ? { hint: err.hint } : {}) });
      return value;
    }
  }
  if (Array.isArray(value)) return value.map((item, i) => walk(item, env, problems, [...path, i], seen));
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      Object.defineProperty(out, key, { value: walk(item, env, problems, [...path, key], seen), enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
  return value;
}
