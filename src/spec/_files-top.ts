// Compose's top-level `secrets:` and `configs:`, and a service's use of them: each is a file on the
// machine that runs turtle, mounted read-only into the container (a secret at /run/secrets/<target>, a
// config at /<source> or its target), as Compose does without Swarm. Values never enter the spec: only
// the file's path does. Sources that would put a value in turtle's records (`environment:`, a config's
// `content:`) are refused with what to do instead. A secret declared `external: true` is one of turtle's
// store (turtle.secrets/<site>.yaml, sealed to each site): the site decrypts it into tmpfs and mounts that.
import { resolve } from 'node:path';
import { statSync } from 'node:fs';
import { z } from 'zod';
import type { Mount } from '../domain/types.js';
import { unreported, type Problem } from './_problems.js';
import type { FileDef, FileRef, SecretFile, ServiceSpec, Spec } from './types.js';
import { doc, fail, isMap, obj, str } from './_fields.js';
import { namedSection, readableSection } from './_sections.js';
import { describeValue } from './_words.js';
import { isLocalEngine } from '../lib/endpoint.js';

const NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

const SWARM = 'it is a Swarm object, made with `docker secret create`; without Swarm, name a file with `file:`';

const defShape = {
  file: doc(str().optional(), { description: 'The file, relative to turtle.yaml\'s folder (or absolute, or ~/…), mounted read-only into the services that name it.', type: 'string', example: './db/password.txt' }),
  name: doc(str({ pattern: NAME, rule: 'letters, digits, _, . and -' }).optional(), { description: 'For `external: true`, its name in turtle\'s store (default: the key); for a file, accepted and changes nothing.', type: 'string' }),
};

export const secretShape = {
  ...defShape,
  external: doc(z.boolean().optional(), {
    description: 'true: the value is in turtle\'s store, set with `turtle secret set NAME` and encrypted to each site (turtle.secrets/<site>.yaml); the site decrypts it into tmpfs and mounts it read-only. Not with `file:`.',
    type: 'boolean', example: 'true',
  }),
};

const SECRET_SOURCES_REFUSED = {
  environment: 'a secret read from an environment variable would put its value in turtle\'s records; keep it in turtle\'s store instead (`external: true`, then `printenv VAR | turtle secret set NAME`)',
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
const configEntry = obj(defShape, { extensions: true, unsupported: CONFIG_SOURCES_REFUSED }).transform((v, ctx): FileDef => {
  if (v.file !== undefined) return { file: v.file };
  if (!Object.keys(v).some((k) => k in CONFIG_SOURCES_REFUSED)) fail(ctx, 'missing required key `file`', { hint: 'name the config\'s file: { file: ./app.conf }' });
  return { file: '' };
});

/** A secret is a file (Compose) or in turtle's store (`external: true`, its name `name:` or, filled in later, the key). */
const secretEntry = obj(secretShape, { extensions: true, unsupported: SECRET_SOURCES_REFUSED }).transform((v, ctx): FileDef => {
  if (v.external === true && v.file !== undefined) fail(ctx, 'a secret is either a file (`file:`) or in turtle\'s store (`external: true`), not both', { path: ['external'], hint: 'remove one of them' });
  if (v.external === true) return { store: v.name ?? '' };
  if (v.file !== undefined) return { file: v.file };
  if (!Object.keys(v).some((k) => k in SECRET_SOURCES_REFUSED)) {
    fail(ctx, v.external === false ? '`external: false` needs a `file:`' : 'missing required key `file` or `external: true`', { hint: 'name a file ({ file: ./password.txt }), or keep the value in turtle\'s store: { external: true }, then turtle secret set NAME' });
  }
  return { file: '' };
});

export const secretsSection = namedSection('secret', NAME, 'file', secretEntry);
export const configsSection = namedSection('config', NAME, 'file', configEntry);

/** The section's entries; when it has problems, each key with its file where one is written. */
export function readableFiles(kind: 'secrets' | 'configs', raw: unknown): Record<string, FileDef> {
  const read = readableSection(kind === 'secrets' ? secretsSection : configsSection, raw, (v): FileDef =>
    kind === 'secrets' && isMap(v) && v.external === true ? { store: typeof v.name === 'string' ? v.name : '' } : { file: isMap(v) && typeof v.file === 'string' ? v.file : '' });
  return Object.fromEntries(Object.entries(read).map(([key, def]) => [key, 'store' in def && def.store === '' ? { store: key } : def]));
}

/** The names in turtle's store the spec's secrets use. */
export function storeNames(spec: Spec): string[] {
  return [...new Set(Object.values(spec.secrets ?? {}).flatMap((d) => ('store' in d ? [d.store] : [])))];
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
      const uid = ownerId(item.uid, ctx, [i, 'uid']);
      const gid = ownerId(item.gid, ctx, [i, 'gid']);
      const mode = fileMode(item.mode, ctx, [i, 'mode']);
      out.push({
        source: item.source, ...(typeof item.target === 'string' && item.target !== '' ? { target: item.target } : {}), ...(owner.length > 0 ? { owner } : {}),
        ...(uid === undefined ? {} : { uid }), ...(gid === undefined ? {} : { gid }), ...(mode === undefined ? {} : { mode }),
      });
    });
    return out;
  });

/** A uid or gid: a whole number, or one written as a string (Compose writes `uid: "103"`). */
function ownerId(value: unknown, ctx: z.RefinementCtx, path: (string | number)[]): number | undefined {
  if (value === undefined) return undefined;
  const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof n === 'number' && Number.isInteger(n) && n >= 0 && n < 2 ** 31) return n;
  fail(ctx, `expected a numeric id (0 is root), found ${describeValue(value)}`, { path, hint: 'write the number: names are looked up inside the image, which turtle cannot do before the container exists' });
  return undefined;
}

/**
 * A file mode, octal as Compose means it: `0440` (which YAML 1.2 reads as the number 440), `0o440`, or the
 * string "0440". A number whose digits are all octal ones is read as octal.
 */
function fileMode(value: unknown, ctx: z.RefinementCtx, path: (string | number)[]): number | undefined {
  if (value === undefined) return undefined;
  let mode: number | undefined;
  if (typeof value === 'string' && /^0?o?[0-7]{1,4}$/.test(value)) mode = parseInt(value.replace(/^0?o?/, ''), 8);
  else if (typeof value === 'number' && Number.isInteger(value) && value >= 0) mode = /^[0-7]+$/.test(String(value)) ? parseInt(String(value), 8) : value;
  if (mode !== undefined && mode <= 0o777) return mode;
  fail(ctx, `expected a file mode such as 0440, found ${describeValue(value)}`, { path, hint: 'write it in octal: 0400 (owner reads), 0440 (owner and group), 0444 (everyone)' });
  return undefined;
}

export const fileRefsShape = {
  secrets: doc(fileRefs('secret').optional(), {
    description: 'Secrets of the top-level `secrets:` this service reads, each a read-only file at /run/secrets/<target> (default: its name). For a secret of turtle\'s store, uid, gid (default: the service\'s numeric `user`, else 0) and mode (default 0400) are applied; for a `file:` one they are not (as in Compose without Swarm): set them on the file.',
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
    const stored: SecretFile[] = [];
    for (const kind of ['secret', 'config'] as const) {
      const key = kind === 'secret' ? 'secrets' : 'configs';
      const section: Record<string, FileDef> | undefined = kind === 'secret' ? spec.secrets : spec.configs;
      (service[key] ?? []).forEach((ref, i) => {
        const def = section?.[ref.source];
        if (!def) return void problems.push({ path: [...path, key, i], message: `${kind} \`${ref.source}\` is not declared under the top-level \`${key}:\``, hint: `add it there: ${key}: { ${ref.source}: { file: ./${ref.source}.txt } }${kind === 'secret' ? `, or { ${ref.source}: { external: true } } to keep it in turtle's store` : ''}` });
        if ('store' in def) return void stored.push(storedFile(service, ref, def.store));
        if (def.file === '') return; // its own problem is reported at the definition
        const file = absolute(def.file);
        const why = missing(file);
        if (why) return void problems.push({ path: [key, ref.source, 'file'], message: `the file of ${kind} \`${ref.source}\`, ${file}, ${why}`, hint: `create it (the path is relative to ${base}) or fix the path` });
        if (ref.owner && !noted.has(`${service.name}/${key}/${i}`)) {
          noted.add(`${service.name}/${key}/${i}`);
          problems.push({ path: [...path, key, i], note: true, message: `${ref.owner.join(', ')} of ${kind} \`${ref.source}\` ${ref.owner.length === 1 ? 'is' : 'are'} not applied: the file is mounted from the host as it is (as in Compose without Swarm)`, hint: `set the owner and mode on ${file} itself (chown, chmod), or keep the secret in turtle's store (external: true), where they are applied` });
        }
        out.push({ type: 'bind', source: file, target: fileTarget(kind, ref), readOnly: true });
      });
    }
    if (stored.length > 0) service.secretFiles = stored;
    else delete service.secretFiles;
    secretEnv(service, path, problems);
    return out;
  };
  /** `environment: { NAME: { secret: S } }` must name a secret of turtle's store; the value goes by name, checked here. */
  const secretEnv = (service: ServiceSpec, path: (string | number)[], problems: Problem[]) => {
    const resolved: Record<string, string> = {};
    for (const [variable, source] of Object.entries(service.secretEnv ?? {})) {
      const def = spec.secrets?.[source];
      const at = [...path, 'environment', variable, 'secret'];
      if (!def) {
        problems.push({ path: at, message: `secret \`${source}\` is not declared under the top-level \`secrets:\``, hint: `add it there: secrets: { ${source}: { external: true } }, then turtle secret set ${source}` });
        continue;
      }
      if (!('store' in def)) {
        problems.push({ path: at, message: `secret \`${source}\` is a file: only a secret of turtle's store can be an environment variable`, hint: `declare it { external: true } and set it with turtle secret set ${source} < ${def.file || 'FILE'}, or mount the file and point ${variable}_FILE at /run/secrets/${source}` });
        continue;
      }
      resolved[variable] = def.store;
      const noteKey = `${path.join('.')}:${variable}`;
      if (!noted.has(noteKey)) {
        noted.add(noteKey);
        problems.push({ path: at, note: true, message: `${variable} gets secret \`${source}\` as an environment variable: the engine shows it to anyone who can inspect the container (docker inspect)`, hint: `where the image reads ${variable}_FILE, list the secret under the service's secrets: and set ${variable}_FILE: /run/secrets/${source} instead` });
      }
    }
    if (Object.keys(resolved).length > 0) service.secretEnv = resolved;
    else delete service.secretEnv;
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

/** A secret of the store as a file: at /run/secrets/<target>, owned by the service's numeric user unless written, 0400 unless written. */
function storedFile(service: ServiceSpec, ref: FileRef, store: string): SecretFile {
  const [user, group] = (service.user ?? '').split(':');
  const numeric = (v: string | undefined) => (v !== undefined && /^\d+$/.test(v) ? Number(v) : undefined);
  const uid = ref.uid ?? numeric(user) ?? 0;
  return { store, target: fileTarget('secret', ref), uid, gid: ref.gid ?? numeric(group) ?? (ref.uid === undefined ? uid : 0), mode: ref.mode ?? 0o400 };
}

/** A site whose engine is not on this machine mounts the file from its own disk: it must be there too. */
function remoteNotes(spec: Spec, problems: Problem[]): void {
  const remote = new Set<string>();
  for (const s of Object.values(spec.services))
    if ([...(s.secrets ?? []).filter((r) => { const d = spec.secrets?.[r.source]; return d !== undefined && 'file' in d; }), ...(s.configs ?? [])].length > 0)
      for (const site of s.sites) if (spec.sites[site] && (spec.sites[site].agent !== undefined || !isLocalEngine(spec.sites[site].engine))) remote.add(site);
  for (const site of remote)
    problems.push({
      path: ['sites', site], at: 'key', note: true,
      message: `${site} runs services with secrets or configs, and its engine is not on this machine: it mounts each file from its own disk, at the same path`,
      hint: `copy the files there (scp, keeping the paths and a 600 mode), or run those services on a site whose engine is local`,
    });
}
