// `volumes`: Compose short syntax ("./data:/data:ro", "named:/x", "/anon") and long syntax → Mount[].
import { resolve } from 'node:path';
import { z } from 'zod';
import type { Mount } from '../domain/types.js';
import { describeValue } from './_words.js';
import { bool, doc, fail, isMap, obj, oneOf, str } from './_fields.js';

const VOLUME_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

/** A relative or `~` bind source made absolute, as Compose does: relative to turtle.yaml's folder, `~` the user's home. */
export function absoluteBind(mount: Mount, specDir: string, home: string): Mount {
  if (mount.type !== 'bind' || mount.source === undefined || mount.source.startsWith('/')) return mount;
  const source = mount.source === '~' || mount.source.startsWith('~/') ? home + mount.source.slice(1) : resolve(specDir, mount.source);
  return { ...mount, source };
}

function isHostPath(source: string): boolean {
  return source.startsWith('/') || source.startsWith('.') || source.startsWith('~');
}

/**
 * Mount flags Compose files carry that change nothing on a router: SELinux relabelling (`z`, `Z`: these
 * hosts run no SELinux, and the engine's mount API has no relabel option) and Docker Desktop's file-sharing
 * consistency (`cached`, `delegated`, `consistent`, for macOS).
 */
const NO_EFFECT = ['z', 'Z', 'cached', 'delegated', 'consistent'];

/** Returns the mount, or a message explaining what is wrong. */
export function parseShortVolume(text: string): Mount | string {
  const parts = text.split(':');
  if (parts.length > 3) return 'expected [SOURCE:]TARGET[:ro|rw]';
  const flags = parts.length === 3 ? parts.pop()!.split(',') : [];
  const bad = flags.find((f) => f !== 'ro' && f !== 'rw' && !NO_EFFECT.includes(f));
  if (bad !== undefined) return `mode "${bad}" is not one of ro, rw, z, Z, cached, delegated, consistent`;
  const mode = flags.includes('ro') ? 'ro' : 'rw';
  const target = parts.pop()!;
  const source = parts.pop();
  if (!target.startsWith('/')) return `target "${target}" must be an absolute path in the container`;
  const readOnly = mode === 'ro';
  if (source === undefined) return { type: 'volume', target, readOnly };
  if (isHostPath(source)) return { type: 'bind', source, target, readOnly };
  if (!VOLUME_NAME.test(source)) return `volume name "${source}" may use only letters, digits, _ . - (start a host path with / or ./)`;
  return { type: 'volume', source, target, readOnly };
}

export const volumeShape = {
  type: doc(oneOf(['bind', 'volume', 'tmpfs'] as const), { description: 'bind: a host path; volume: a named (or anonymous) engine volume; tmpfs: memory-backed.', type: 'bind | volume | tmpfs', example: 'bind' }),
  source: doc(str().optional(), { description: 'Host path (bind, required) or volume name (volume; absent = anonymous). Not allowed for tmpfs.', type: 'string', example: './data' }),
  target: doc(str({ pattern: /^\//, rule: 'must be an absolute path in the container' }), { description: 'Absolute path in the container.', type: 'string', example: '/data' }),
  read_only: doc(bool().optional(), { description: 'Mount read-only.', type: 'boolean', default: 'false', example: 'true' }),
};

const longVolume = obj(volumeShape)
  .superRefine((v, ctx) => {
    if (v.type === 'bind' && v.source === undefined) fail(ctx, 'a bind mount needs `source` (the host path)');
    if (v.type === 'tmpfs' && v.source !== undefined) fail(ctx, 'a tmpfs mount has no source', { path: ['source'] });
  })
  .transform((v): Mount => {
    const mount: Mount = { type: v.type, target: v.target, readOnly: v.read_only ?? false };
    if (v.source !== undefined) mount.source = v.source;
    return mount;
  });

export const volumeEntry = z.unknown().transform((value, ctx): Mount => {
  if (typeof value === 'string') {
    const mount = parseShortVolume(value);
    if (typeof mount === 'string')
      return fail(ctx, `${mount}, found ${describeValue(value)}`, { hint: 'e.g. "./data:/data:ro" or "named:/var/lib/x"' });
    return mount;
  }
  if (!isMap(value)) return fail(ctx, `expected a volume such as "./data:/data" or a map with type and target, found ${describeValue(value)}`);
  const parsed = longVolume.safeParse(value);
  if (parsed.success) return parsed.data;
  for (const issue of parsed.error.issues) ctx.addIssue({ ...issue, input: undefined } as z.core.$ZodRawIssue);
  return z.NEVER;
});
