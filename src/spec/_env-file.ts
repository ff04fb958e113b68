// Compose's env-file format: KEY=VALUE lines, `#` comments, optional `export `, single quotes literal,
// double quotes with \n \t \\ \" escapes (and spanning lines), unquoted values trimmed and cut at ` #`.
// Given a lookup, unquoted and double-quoted values are interpolated as Compose does (`${VAR}`, from the
// lookup or the file's earlier lines; unset is blank); single-quoted ones and `format: raw` files are not.
import { substitute, type Env } from './_interpolate.js';

export type EnvFileResult = Record<string, string> | { error: string; line: number };

const KEY = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

export function parseEnvFile(text: string, raw = false, lookup?: Env): EnvFileResult {
  const out: Record<string, string> = {};
  const env: Env = new Proxy({}, { get: (_t, name) => (typeof name === 'string' ? lookup?.[name] ?? out[name] : undefined) });
  const expand = (value: string, line: number): string | { error: string; line: number } => {
    if (!lookup || !value.includes('$')) return value;
    try {
      return substitute(value, env, new Set());
    } catch (err) {
      return { error: (err as Error).message, line };
    }
  };
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const line = lines[i]!.trim();
    if (line === '' || line.startsWith('#')) continue;
    const body = raw ? line : line.replace(/^export\s+/, '');
    const eq = body.indexOf('=');
    const key = (eq < 0 ? body : body.slice(0, eq)).trim();
    if (!KEY.test(key)) return { error: `${JSON.stringify(key)} is not a variable name`, line: lineNo };
    if (eq < 0) return { error: `${key} has no value (write ${key}= for an empty one)`, line: lineNo };
    let value = body.slice(eq + 1);
    if (raw) {
      out[key] = value;
      continue;
    }
    value = value.trimStart();
    const quote = value[0];
    if (quote === "'" || quote === '"') {
      // a quoted value may continue on the following lines until its closing quote
      let text = value.slice(1);
      let end = closing(text, quote);
      while (end < 0 && i + 1 < lines.length) {
        text += `\n${lines[++i]}`;
        end = closing(text, quote);
      }
      if (end < 0) return { error: `${key}: the ${quote} quote is not closed`, line: lineNo };
      const inner = text.slice(0, end);
      const v = quote === "'" ? inner : expand(unescape(inner), lineNo);
      if (typeof v !== 'string') return v;
      out[key] = v;
    } else {
      const comment = value.search(/\s#/);
      const v = expand((comment < 0 ? value : value.slice(0, comment)).trim(), lineNo);
      if (typeof v !== 'string') return v;
      out[key] = v;
    }
  }
  return out;
}

function closing(text: string, quote: string): number {
  for (let i = 0; i < text.length; i++) {
    if (quote === '"' && text[i] === '\\') i++;
    else if (text[i] === quote) return i;
  }
  return -1;
}

function unescape(text: string): string {
  return text.replace(/\\(.)/g, (_m, c: string) => ({ n: '\n', t: '\t', r: '\r' } as Record<string, string>)[c] ?? c);
}
