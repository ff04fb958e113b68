// Value forms of the Compose container keys (_compose-keys.ts): each accepts what real Compose files write
// (a string or a list, a list of KEY=VALUE or a map) and reports its own located message.
import { z } from 'zod';
import { didYouMean } from './_words.js';
import type { DeviceMapping, Ulimit } from '../domain/options.js';
import { describeValue } from './_words.js';
import { fail, isMap } from './_fields.js';

const scalar = (v: unknown): v is string | number | boolean => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';

/** `dns: 8.8.8.8` or `dns: [8.8.8.8, 1.1.1.1]`. */
export function oneOrMany() {
  return z.unknown().transform((value, ctx): string[] => {
    const items = typeof value === 'string' ? [value] : value;
    if (!Array.isArray(items)) return fail(ctx, `expected a string or a list of strings, found ${describeValue(value)}`);
    items.forEach((item, i) => {
      if (typeof item !== 'string' || item.trim() === '')
        fail(ctx, `expected a non-empty string, found ${describeValue(item)}`, typeof value === 'string' ? {} : { path: [i] });
    });
    return items as string[];
  });
}

/** `group_add: [audio, 1001]`. */
export function wordList() {
  return z.unknown().transform((value, ctx): string[] => {
    if (!Array.isArray(value)) return fail(ctx, `expected a list, found ${describeValue(value)}`);
    value.forEach((item, i) => {
      if (typeof item !== 'string' && typeof item !== 'number') fail(ctx, `expected a name or a number, found ${describeValue(item)}`, { path: [i] });
    });
    return value.map(String);
  });
}

/** `sysctls: { net.core.somaxconn: 1024 }` or `["net.core.somaxconn=1024"]`. */
export function stringMap(noun: string) {
  return z.unknown().transform((value, ctx): Record<string, string> => {
    const out: Record<string, string> = {};
    if (isMap(value)) {
      for (const [key, v] of Object.entries(value)) {
        if (scalar(v)) out[key] = String(v);
        else fail(ctx, `${noun} \`${key}\`: expected a string or a number, found ${describeValue(v)}`, { path: [key] });
      }
      return out;
    }
    if (!Array.isArray(value)) return fail(ctx, `expected a map or a list of KEY=VALUE, found ${describeValue(value)}`);
    value.forEach((item, i) => {
      const eq = typeof item === 'string' ? item.indexOf('=') : -1;
      if (typeof item !== 'string' || eq < 1) return fail(ctx, `expected "KEY=VALUE", found ${describeValue(item)}`, { path: [i] });
      out[item.slice(0, eq)] = item.slice(eq + 1);
    });
    return out;
  });
}

const PORT = /^(\d{1,5})(?:-(\d{1,5}))?(?:\/(tcp|udp|sctp))?$/;

/** `expose: ["80", 8080, "9000-9002/udp"]` → `80/tcp`, one entry per port. */
export const expose = z.unknown().transform((value, ctx): string[] => {
  if (!Array.isArray(value)) return fail(ctx, `expected a list of ports, found ${describeValue(value)}`, { hint: 'e.g. expose: ["80", "9000/udp"]' });
  const out: string[] = [];
  value.forEach((item, i) => {
    const m = PORT.exec(String(item));
    const from = Number(m?.[1]);
    const to = m?.[2] === undefined ? from : Number(m[2]);
    if (!(typeof item === 'string' || typeof item === 'number') || !m || from < 1 || to > 65535 || to < from || to - from >= 1024)
      return fail(ctx, `expected a port such as 80, "80/udp" or "8000-8010", found ${describeValue(item)}`, { path: [i] });
    for (let p = from; p <= to; p++) out.push(`${p}/${m[3] ?? 'tcp'}`);
  });
  return [...new Set(out)];
});

/** `tmpfs: /run`, `[/run, "/tmp:size=64m,mode=1777"]` → mount point → options. */
export const tmpfs = z.unknown().transform((value, ctx): Record<string, string> => {
  const items = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(items)) return fail(ctx, `expected a path or a list of paths, found ${describeValue(value)}`);
  const out: Record<string, string> = {};
  items.forEach((item, i) => {
    const at = typeof value === 'string' ? {} : { path: [i] };
    const colon = typeof item === 'string' ? item.indexOf(':') : -1;
    const target = typeof item === 'string' ? (colon < 0 ? item : item.slice(0, colon)) : '';
    if (!target.startsWith('/')) return fail(ctx, `expected an absolute path in the container, optionally with :OPTIONS, found ${describeValue(item)}`, { ...at, hint: 'e.g. /run or "/tmp:size=64m,mode=1777"' });
    out[target] = colon < 0 ? '' : (item as string).slice(colon + 1);
  });
  return out;
});

/** `extra_hosts: ["db:10.0.0.5", "v6=::1"]` or `{ db: 10.0.0.5 }` → `host:address`. */
export const extraHosts = z.unknown().transform((value, ctx): string[] => {
  const out: string[] = [];
  const add = (host: string, address: string, path: (string | number)[], item: unknown) => {
    const ip = address.replace(/^\[(.*)\]$/, '$1');
    if (host === '' || ip === '') fail(ctx, `expected "HOST:ADDRESS" or "HOST=ADDRESS", found ${describeValue(item)}`, { path });
    else out.push(`${host}:${ip}`);
  };
  if (isMap(value)) {
    for (const [host, v] of Object.entries(value)) {
      const list = Array.isArray(v) ? v : [v];
      if (!list.every((a) => typeof a === 'string')) fail(ctx, `expected an address or a list of addresses, found ${describeValue(v)}`, { path: [host] });
      else for (const a of list) add(host, a, [host], v);
    }
    return out;
  }
  if (!Array.isArray(value)) return fail(ctx, `expected a list of "HOST:ADDRESS" or a map of host → address, found ${describeValue(value)}`);
  value.forEach((item, i) => {
    if (typeof item !== 'string') return fail(ctx, `expected "HOST:ADDRESS", found ${describeValue(item)}`, { path: [i] });
    const eq = item.indexOf('=');
    const sep = eq >= 0 ? eq : item.indexOf(':');
    if (sep < 0) return fail(ctx, `expected "HOST:ADDRESS" or "HOST=ADDRESS", found ${describeValue(item)}`, { path: [i] });
    add(item.slice(0, sep), item.slice(sep + 1), [i], item);
  });
  return out;
});

/** `devices: ["/dev/ttyUSB0", "/dev/sda:/dev/xvda:rwm"]` or `[{ source, target, permissions }]`. */
export const devices = z.unknown().transform((value, ctx): DeviceMapping[] => {
  if (!Array.isArray(value)) return fail(ctx, `expected a list of devices, found ${describeValue(value)}`, { hint: 'e.g. devices: ["/dev/ttyUSB0:/dev/ttyUSB0"]' });
  const out: DeviceMapping[] = [];
  value.forEach((item, i) => {
    const parts = typeof item === 'string' ? item.split(':') : isMap(item) ? [item.source, item.target ?? item.source, item.permissions ?? 'rwm'] : [];
    const [host, container = host, permissions = 'rwm'] = parts;
    if (parts.length > 3 || typeof host !== 'string' || !host.startsWith('/') || typeof container !== 'string' || !container.startsWith('/') || typeof permissions !== 'string' || !/^[rwm]+$/.test(permissions))
      return fail(ctx, `expected "/dev/HOST[:/dev/CONTAINER[:rwm]]" or { source, target, permissions }, found ${describeValue(item)}`, {
        path: [i],
        ...(typeof item === 'string' && item.includes('=') ? { hint: 'CDI device names (vendor.com/class=name) are not supported; name the device node' } : {}),
      });
    out.push({ host, container, permissions });
  });
  return out;
});

const ULIMIT_NAMES = ['core', 'cpu', 'data', 'fsize', 'locks', 'memlock', 'msgqueue', 'nice', 'nofile', 'nproc', 'rss', 'rtprio', 'rttime', 'sigpending', 'stack'];
const limit = (v: unknown): number | undefined => {
  const n = typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : v;
  return typeof n === 'number' && Number.isInteger(n) && n >= -1 ? n : undefined;
};

/** `ulimits: { nproc: 65535, nofile: { soft: 1024, hard: 2048 } }`; -1 is unlimited. */
export const ulimits = z.unknown().transform((value, ctx): Ulimit[] => {
  if (!isMap(value)) return fail(ctx, `expected a map of limit name → number or { soft, hard }, found ${describeValue(value)}`);
  const out: Ulimit[] = [];
  for (const [name, v] of Object.entries(value)) {
    if (!ULIMIT_NAMES.includes(name)) {
      fail(ctx, `unknown ulimit \`${name}\`${didYouMean(name, ULIMIT_NAMES)}`, { path: [name], at: 'key', hint: `expected one of: ${ULIMIT_NAMES.join(', ')}` });
      continue;
    }
    const soft = limit(isMap(v) ? v.soft : v);
    const hard = limit(isMap(v) ? v.hard : v);
    if (soft === undefined || hard === undefined) fail(ctx, `expected a whole number (-1: unlimited) or { soft, hard }, found ${describeValue(v)}`, { path: [name] });
    else if (hard !== -1 && (soft === -1 || soft > hard)) fail(ctx, `soft limit ${soft} is above the hard limit ${hard}`, { path: [name], hint: 'lower soft or raise hard' });
    else out.push({ name, soft, hard });
  }
  return out;
});

/** `memswap_limit: 1g`, or -1 for unlimited swap. */
export function swapSize(size: z.ZodType<number>) {
  return z.unknown().transform((value, ctx): number => {
    if (value === -1 || value === '-1') return -1;
    const parsed = size.safeParse(value);
    if (parsed.success) return parsed.data;
    return fail(ctx, `expected a size such as 512m or 1g, or -1 for unlimited swap, found ${describeValue(value)}`);
  });
}

/** `env_file: .env`, `[a.env, b.env]`, or `[{ path: a.env, required: false }]`. */
export interface EnvFileRef {
  path: string;
  required: boolean;
  /** `format: raw`: values as written, no quotes or escapes taken out */
  raw: boolean;
}

export const envFile = z.unknown().transform((value, ctx): EnvFileRef[] => {
  const items = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(items)) return fail(ctx, `expected a file name or a list of them, found ${describeValue(value)}`);
  const out: EnvFileRef[] = [];
  items.forEach((item, i) => {
    const at = typeof value === 'string' ? [] : [i];
    if (typeof item === 'string' && item !== '') return out.push({ path: item, required: true, raw: false });
    if (isMap(item) && typeof item.path === 'string' && item.path !== '') {
      const extra = Object.keys(item).find((k) => !['path', 'required', 'format'].includes(k));
      if (extra) return fail(ctx, `unknown key \`${extra}\``, { path: [...at, extra], at: 'key', hint: 'an env_file entry has path, required and format' });
      if (item.format !== undefined && item.format !== 'raw') return fail(ctx, `format ${describeValue(item.format)} is not known`, { path: [...at, 'format'], hint: 'leave format out (Compose\'s KEY=VALUE lines) or write raw' });
      if (item.required !== undefined && typeof item.required !== 'boolean') return fail(ctx, `expected true or false, found ${describeValue(item.required)}`, { path: [...at, 'required'] });
      return out.push({ path: item.path, required: item.required !== false, raw: item.format === 'raw' });
    }
    fail(ctx, `expected a file name or { path, required }, found ${describeValue(item)}`, { path: at });
  });
  return out;
});
