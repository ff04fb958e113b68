// Compose's `environment: [TZ]` (or `TZ:` with no value): the variable is taken from the environment turtle
// runs in, and left out of the container when it is not set there (with a note), as Compose does.
import type { Env } from './_interpolate.js';
import type { Problem } from './_problems.js';
import { isMap } from './_fields.js';
import type { PathKey } from './_words.js';

export function passThroughEnvironment(raw: unknown, env: Env, problems: Problem[]): void {
  if (!isMap(raw)) return;
  const each = (services: unknown, base: PathKey[]) => {
    if (!isMap(services)) return;
    for (const [name, service] of Object.entries(services))
      if (isMap(service) && service.environment !== undefined) service.environment = fill(service.environment, env, [...base, name, 'environment'], problems);
  };
  each(raw.services, ['services']);
  if (isMap(raw.overlays)) for (const [site, o] of Object.entries(raw.overlays)) if (isMap(o)) each(o.services, ['overlays', site, 'services']);
}

const NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

/** Stands for a list entry left out, so the entries after it keep their positions (and their errors' locations). */
export const LEFT_OUT = '\u0000turtle-left-out';

function fill(value: unknown, env: Env, path: PathKey[], problems: Problem[]): unknown {
  const note = (key: string, at: PathKey) =>
    problems.push({ path: [...path, at], note: true, message: `variable \`${key}\` has no value here and is not set where turtle runs, so the container does not get it (as in Compose)`, hint: `set ${key} before running turtle, or write ${key}=VALUE` });
  if (Array.isArray(value))
    return value.map((item, i) => {
      if (typeof item !== 'string' || item.includes('=') || !NAME.test(item)) return item;
      const v = env[item];
      if (v === undefined) {
        note(item, i);
        return LEFT_OUT;
      }
      return `${item}=${v}`;
    });
  if (!isMap(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    if (v !== null) out[key] = v;
    else if (env[key] !== undefined) out[key] = env[key];
    else note(key, key);
  }
  return out;
}
