// Compose's top-level `secrets:` and `configs:`, and a service's use of them: each is a file on the
// machine that runs turtle, mounted read-only into the container (a secret at /run/secrets/<target>, a
// config at /<source> or its target), as Compose does without Swarm. Values never enter the spec: only
// the file's path does. Sources that would put a value in turtle's records (`environment:`, a config's
// `content:`) are refused with what to do instead; turtle's own encrypted secrets build on this shape.
import { resolve } from 'node:path';
import { statSync } from 'node:fs';
import { z } from 'zod';
import type { Mount } from '../domain/types.js';
import { unreported, type Problem } from './_problems.js';
import type { FileDef, FileRef, ServiceSpec, Spec } from './types.js';
import { doc, fail, isMap, obj, str } from './_fields.js';
import { namedSection, readableSection } from './_sections.js';
import { describeValue } from './_words.js';
import { isLocalEngine } from '../lib/endpoint.js';

const NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

const SWARM = 'it is a Swarm object, made with `docker secret create`; without Swarm, name a file with `file:`';

const defShape = {
  file: doc(str().optional(), { description: 'The file, relative to turtle.yaml\'s folder (or absolute, or ~/…), mounted read-only into the services that name it.', type: 'string', example: './db/password.txt' }),
  name: doc(str({ pattern: NAME, rule: 'letters, digits, _, . and -' }).optional(), { description: 'Swarm\'s name of the object; accepted, and changes nothing for a file.', type: 'string' }),
};

const SECRET_SOURCES_REFUSED = {
  environment: 'a secret read from an environment variable would put its value in turtle\'s records; write it to a file readable only by you (chmod 600) and name it with `file:`',
  external: SWARM,
  template_driver: SWARM,
  driver: SWARM,
  driver_opts: SWARM,
  labels: SWARM,
};

const CONFIG_SOURCES_REFUSED = {
  content: 'write the content to a file beside turtle.yaml and name it with `file:` (`turtle import` does this for you)',
  environment: 'write the value to a file beside turtle.yaml and name it with `file:`',
  external: SWARM.replace('secret', 'config'),
  template_driver: SWARM.replace('secret', 'config'),
  labels: SWARM.replace('secret', 'config'),
};

/** An entry is a file; without `file:` (and without a refused source, reported on its own) it says what to write. */
const entry = (what: 'secret' | 'config', refused: Record<string, string>) =>
  obj(defShape, { extensions: true, unsupported: refused }).transform((v, ctx): FileDef => {
    if (v.file !== undefined) return { file: v.file };
    if (!Object.keys(v).some((k) => k in refused)) fail(ctx, 'missing required key `file`', { hint: `name the ${what}'s file: { file: ./${what === 'secret' ? 'password.txt' : 'app.conf'} }` });
    return { file: '' };
  });

const secretEntry = entry('secret', SECRET_SOURCES_REFUSED);
const configEntry = entry('config', CONFIG_SOURCES_REFUSED);

export const secretsSection = namedSection('secret', NAME, 'file', secretEntry);
export const configsSection = namedSection('config', NAME, 'file', configEntry);

/** The section's entries; when it has problems, each key with its file where one is written. */
export function readableFiles(kind: 'secrets' | 'configs', raw: unknown): Record<string, FileDef> {
  return readableSection(kind === 'secrets' ? secretsSection : configsSection, raw, (v) => ({ file: isMap(v) && typeof v.file === 'string' ? v.file : '' }));
}

/** A service's `secrets:` or `configs:`: names, or { source, target, uid, gid, mode }. */
export const fileRefs = (what: 'secret' | 'config') =>
  z.unknown().transform((value, ctx): FileRef[] => {
    if (!Array.isArray(value)) return fail(ctx, `expected a list of ${what} names or { source, target }, found ${describeValue(value)}`);
    const out: FileRef[] = [];
    value.forEach((item, i) => {
      if (typeof item === 'string' && NAME.test(item)) return void out.push({ source: item });
      if (!isMap(item) || typeof item.source !== 'string') return void fail(ctx, `expected a ${what} name or { source, target, uid, gid, mode }, found ${describeValue(item)}`, { path: [i] });
      for (const key of Object.keys(item))
        if (!['source', 'target', 'uid', 'gid', 'mode'].includes(key)) fail(ctx, `unknown key \`${key}\``, { path: [i, key], at: 'key', hint: 'expected one of: source, target, uid, gid, mode' });
      if (item.target !== undefined && (typeof item.target !== 'string' || item.target === '')) fail(ctx, `expected a path, found ${describeValue(item.target)}`, { path: [i, 'target'] });
      const owner = ['uid', 'gid', 'mode'].filter((k) => item[k] !== undefined);
      out.push({ source: item.source, ...(typeof item.target === 'string' && item.target !== '' ? { target: item.target } : {}), ...(owner.length > 0 ? { owner } : {}) });
    });
    return out;
  });

export const fileRefsShape = {
  secrets: doc(fileRefs('secret').optional(), {
    description: 'Secrets of the top-level `secrets:` this service reads, each a read-only file at /run/secrets/<target> (default: its name). uid, gid and mode are not applied to a file mounted from the host (as in Compose without Swarm): set them on the file.',
    type: 'list of names | { source, target }', default: '[]', example: '[db_password]',
  }),
  configs: doc(fileRefs('config').optional(), {
    description: 'Configs of the top-level `configs:` this service reads, each a read-only file at its target (default: /<name>).',
    type: 'list of names | { source, target }', default: '[]', example: '[{ source: nginx_conf, target: /etc/nginx/nginx.conf }]',
  }),
};

/** Where a secret or config appears in the container. */
export function fileTarget(kind: 'secret' | 'config', ref: FileRef): string {
  const target = ref.target ?? ref.source;
  if (target.startsWith('/')) return target;
  return kind === 'secret' ? `/run/secrets/${target}` : `/${target}`;
}

/**
 * Turns each service's secrets and configs into read-only bind mounts of their files; a name no
 * top-level section declares, or a file that does not exist, is an error at the service.
 */
export function resolveFiles(spec: Spec, problems: Problem[], home: string): void {
  const base = resolve(spec.file, '..');
  const absolute = (file: string) => (file.startsWith('~/') ? resolve(home, file.slice(2)) : resolve(base, file));
  const checked = new Map<string, string | undefined>();
  const missing = (file: string): string | undefined => {
    if (!checked.has(file)) {
      let why: string | undefined;
      try {
        if (!statSync(file).isFile()) why = 'is not a file';
      } catch (err) {
        why = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : `cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`;
      }
      checked.set(file, why);
    }
    return checked.get(file);
  };
  const noted = new Set<string>();
  const mountsOf = (service: ServiceSpec, path: (string | number)[], problems: Problem[]): Mount[] => {
    const out: Mount[] = [];
    for (const kind of ['secret', 'config'] as const) {
      const key = kind === 'secret' ? 'secrets' : 'configs';
      const section = kind === 'secret' ? spec.secrets : spec.configs;
      (service[key] ?? []).forEach((ref, i) => {
        const def = section?.[ref.source];
        if (!def) return void problems.push({ path: [...path, key, i], message: `${kind} \`${ref.source}\` is not declared under the top-level \`${key}:\``, hint: `add it there: ${key}: { ${ref.source}: { file: ./${ref.source}.txt } }` });
        if (def.file === '') return; // its own problem is reported at the definition
        const file = absolute(def.file);
        const why = missing(file);
        if (why) return void problems.push({ path: [key, ref.source, 'file'], message: `the file of ${kind} \`${ref.source}\`, ${file}, ${why}`, hint: `create it (the path is relative to ${base}) or fix the path` });
        if (ref.owner && !noted.has(`${service.name}/${key}/${i}`)) {
          noted.add(`${service.name}/${key}/${i}`);
          problems.push({ path: [...path, key, i], note: true, message: `${ref.owner.join(', ')} of ${kind} \`${ref.source}\` ${ref.owner.length === 1 ? 'is' : 'are'} not applied: the file is mounted from the host as it is (as in Compose without Swarm)`, hint: `set the owner and mode on ${file} itself (chown, chmod)` });
        }
        out.push({ type: 'bind', source: file, target: fileTarget(kind, ref), readOnly: true });
      });
    }
    return out;
  };
  const seen = new Set<string>();
  const apply = (service: ServiceSpec, path: (string | number)[], problems: Problem[]) => {
    const extra = mountsOf(service, path, problems);
    if (extra.length === 0) return;
    const taken = new Set(service.mounts.map((m) => m.target));
    for (const m of extra) {
      if (taken.has(m.target) && !seen.has(`${path.join('.')}:${m.target}`)) {
        seen.add(`${path.join('.')}:${m.target}`);
        problems.push({ path: [...path], message: `two mounts at ${m.target} (a secret or config and a volume, or two of them)`, hint: 'give one of them another target' });
      }
      taken.add(m.target);
    }
    service.mounts = [...service.mounts, ...extra];
  };
  for (const s of Object.values(spec.services)) apply(s, ['services', s.name], problems);
  remoteNotes(spec, problems);
  const fresh = unreported(problems);
  for (const [site, services] of Object.entries(spec.overlays ?? {}))
    for (const [name, s] of Object.entries(services)) {
      const own: Problem[] = [];
      apply(s, ['overlays', site, 'services', name], own);
      problems.push(...fresh(own));
    }
}

/** A site whose engine is not on this machine mounts the file from its own disk: it must be there too. */
function remoteNotes(spec: Spec, problems: Problem[]): void {
  const remote = new Set<string>();
  for (const s of Object.values(spec.services))
    if ((s.secrets?.length ?? 0) + (s.configs?.length ?? 0) > 0)
      for (const site of s.sites) if (spec.sites[site] && (spec.sites[site].agent !== undefined || !isLocalEngine(spec.sites[site].engine))) remote.add(site);
  for (const site of remote)
    problems.push({
      path: ['sites', site], at: 'key', note: true,
      message: `${site} runs services with secrets or configs, and its engine is not on this machine: it mounts each file from its own disk, at the same path`,
      hint: `copy the files there (scp, keeping the paths and a 600 mode), or run those services on a site whose engine is local`,
    });
}
