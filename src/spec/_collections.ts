// Compose's "map or list of KEY=VALUE" fields (environment, labels) → a plain string map.
import { z } from 'zod';
import { describeValue } from './_words.js';
import { fail, isMap } from './_fields.js';
import { LEFT_OUT } from './_env-passthrough.js';

// In a list an empty value is `A=`; in a map it is `A: ""`.
const HINTS = {
  environment: (k: string, list: boolean) =>
    `write ${list ? `${k}=` : `${k}: ""`} for an empty value, or ${k}${list ? '=' : ': '}\${${k}} to take it from the environment`,
  label: (k: string, list: boolean) => `write ${list ? `${k}=` : `${k}: ""`} for an empty label`,
};

/** `environment:` as `env`, plus the variables whose value is a secret of turtle's store (`NAME: { secret: db }`, map form only). */
export function environmentValues() {
  return z.unknown().transform((value, ctx): { env: Record<string, string>; secretEnv: Record<string, string> } => {
    const secretEnv: Record<string, string> = {};
    let plain = value;
    if (isMap(value)) {
      plain = {};
      for (const [key, v] of Object.entries(value)) {
        if (!isMap(v)) {
          (plain as Record<string, unknown>)[key] = v;
          continue;
        }
        const keys = Object.keys(v);
        if (keys.length === 1 && keys[0] === 'secret' && typeof v.secret === 'string' && /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(v.secret)) secretEnv[key] = v.secret;
        else fail(ctx, `expected a string, number, true/false or { secret: NAME }, found ${describeValue(v)}`, { path: [key], hint: 'a value from turtle\'s store is written { secret: NAME }, NAME a secret of the top-level secrets:' });
      }
    }
    return { env: parseKeyValues('environment', plain, ctx), secretEnv };
  });
}

export function keyValues(kind: keyof typeof HINTS) {
  return z.unknown().transform((value, ctx): Record<string, string> => parseKeyValues(kind, value, ctx));
}

function parseKeyValues(kind: keyof typeof HINTS, value: unknown, ctx: z.RefinementCtx): Record<string, string> {
  const noun = kind === 'environment' ? 'variable' : 'label';
  {
    const out: Record<string, string> = {};
    if (isMap(value)) {
      for (const [key, v] of Object.entries(value)) {
        if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') out[key] = String(v);
        else if (v === null) fail(ctx, `${noun} \`${key}\` has no value`, { path: [key], hint: HINTS[kind](key, false) });
        else fail(ctx, `expected a string, number or true/false, found ${describeValue(v)}`, { path: [key] });
      }
      return out;
    }
    if (!Array.isArray(value))
      return fail(ctx, `expected a map or a list of KEY=VALUE, found ${describeValue(value)}`);
    const seen = new Map<string, number>();
    value.forEach((item, i) => {
      if (item === LEFT_OUT) return;
      if (typeof item !== 'string') return fail(ctx, `expected "KEY=VALUE", found ${describeValue(item)}`, { path: [i] });
      const eq = item.indexOf('=');
      const key = eq < 0 ? item : item.slice(0, eq);
      if (key === '') return fail(ctx, `expected "KEY=VALUE", found ${describeValue(item)}`, { path: [i] });
      if (eq < 0) return fail(ctx, `${noun} \`${key}\` has no value`, { path: [i], hint: HINTS[kind](key, true) });
      const first = seen.get(key);
      // a line repeated as it was (real files do) drops nothing; two values for one name is a mistake to show
      if (first !== undefined && out[key] === item.slice(eq + 1)) return;
      if (first !== undefined) return fail(ctx, `${noun} \`${key}\` is set twice, to two values (first at [${first}])`, { path: [i], hint: 'keep the one you mean' });
      seen.set(key, i);
      out[key] = item.slice(eq + 1);
    });
    return out;
  }
}
