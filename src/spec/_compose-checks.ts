// Compose keys that need the whole spec: env_file (read beside turtle.yaml), the notes on privileged,
// cap_add, devices and an ignored `build`, and what a site forbids (`sites.NAME.forbid`).
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, resolve } from 'node:path';
import { absoluteBind } from './_volumes.js';
import type { ForbiddenKey, ServiceSpec, Spec } from './types.js';
import type { Problem } from './_problems.js';
import { doc, fail, isMap, stringList } from './_fields.js';
import { envFile, type EnvFileRef } from './_compose-values.js';
import { parseEnvFile } from './_env-file.js';
import type { Env } from './_interpolate.js';
import { describeValue, didYouMean } from './_words.js';

const FORBIDDABLE: readonly ForbiddenKey[] = ['privileged', 'cap_add', 'devices', 'host_network'];

const forbidList = stringList().transform((keys, ctx): ForbiddenKey[] => {
  keys.forEach((k, i) => {
    if (!(FORBIDDABLE as readonly string[]).includes(k)) fail(ctx, `${describeValue(k)} cannot be forbidden${didYouMean(k, FORBIDDABLE)}`, { path: [i], hint: `expected some of ${FORBIDDABLE.join(', ')}` });
  });
  return keys as ForbiddenKey[];
});

export const forbidShape = {
  forbid: doc(forbidList.optional(), {
    description: 'Compose keys the services placed here may not use: `privileged`, `cap_add`, `devices`, `host_network` (network_mode: host). A service that does is a validation error.',
    type: 'list of privileged | cap_add | devices | host_network', default: '[]: all allowed, each noted by validation', example: '[privileged, devices]',
  }),
};

export function forbidOf(s: { forbid?: ForbiddenKey[] | undefined }): { forbid?: ForbiddenKey[] } {
  return s.forbid !== undefined && s.forbid.length > 0 ? { forbid: s.forbid } : {};
}

export interface ComposeInput {
  rawServices: Record<string, unknown>;
  rawOverlays: unknown;
  /** what `${VAR}` in an env_file reads (the spec's own environment) */
  env?: Env;
}

/** Reads env_files into the services (overlays too), makes relative bind sources absolute, and adds the notes and the forbid errors. */
export function checkCompose(spec: Spec, input: ComposeInput, problems: Problem[]): void {
  const reads = new Map<string, Record<string, string> | undefined>();
  for (const [name, raw] of Object.entries(input.rawServices)) {
    const service = spec.services[name];
    if (!isMap(raw) || !service) continue;
    applyEnvFiles(spec, service, raw.env_file, ['services', name, 'env_file'], reads, problems, input.env);
    service.mounts = service.mounts.map((m) => absoluteBind(m, dirname(resolve(spec.file)), homedir()));
    notes(name, raw, problems);
    forbidden(spec, service, raw, problems);
    engineCannot(spec, service, problems);
  }
  for (const [site, services] of Object.entries(spec.overlays ?? {})) {
    for (const [name, service] of Object.entries(services)) {
      const entry = isMap(input.rawOverlays) && isMap(input.rawOverlays[site]) ? (input.rawOverlays[site] as Record<string, unknown>).services : undefined;
      const own = isMap(entry) && isMap(entry[name]) && 'env_file' in entry[name] ? (entry[name] as Record<string, unknown>).env_file : undefined;
      const base = input.rawServices[name];
      const path = own !== undefined ? ['overlays', site, 'services', name, 'env_file'] : ['services', name, 'env_file'];
      applyEnvFiles(spec, service, own ?? (isMap(base) ? base.env_file : undefined), path, reads, [], input.env);
      if (service.mounts) service.mounts = service.mounts.map((m) => absoluteBind(m, dirname(resolve(spec.file)), homedir()));
    }
  }
  if (reads.size > 0) spec.reads = [...reads.keys()];
}

function applyEnvFiles(spec: Spec, service: ServiceSpec, raw: unknown, path: (string | number)[], reads: Map<string, Record<string, string> | undefined>, problems: Problem[], env: Env = {}): void {
  if (raw === undefined) return;
  const parsed = envFile.safeParse(raw);
  if (!parsed.success) return; // reported by the schema
  const fromFiles: Record<string, string> = {};
  parsed.data.forEach((ref, i) => {
    const vars = readEnvFile(spec.file, ref, reads, typeof raw === 'string' ? path : [...path, i], problems, env);
    Object.assign(fromFiles, vars ?? {});
  });
  service.env = { ...fromFiles, ...service.env };
}

function readEnvFile(specFile: string, ref: EnvFileRef, reads: Map<string, Record<string, string> | undefined>, path: (string | number)[], problems: Problem[], env: Env): Record<string, string> | undefined {
  const file = resolve(dirname(specFile), ref.path);
  if (!reads.has(file)) {
    let text: string | undefined;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' || ref.required)
        problems.push({
          path, message: code === 'ENOENT' ? `env_file ${file} does not exist` : `env_file ${file} cannot be read (${code ?? 'error'})`,
          hint: code === 'ENOENT' ? `create it (KEY=VALUE lines; the path is relative to ${dirname(resolve(specFile))}), fix the path, or write { path: ${ref.path}, required: false }` : 'check its permissions',
        });
    }
    const vars = text === undefined ? undefined : parseEnvFile(text, ref.raw, ref.raw ? undefined : env);
    if (vars && typeof vars === 'object' && 'error' in vars) {
      problems.push({ path, message: `env_file ${file}:${vars.line}: ${vars.error}`, hint: 'write KEY=VALUE, one a line; # starts a comment' });
      reads.set(file, undefined);
    } else reads.set(file, vars as Record<string, string> | undefined);
  }
  return reads.get(file);
}

const NOTES: Record<string, (v: unknown) => string | undefined> = {
  privileged: (v) => (v === true || v === 'true' ? 'privileged: the container gets every capability and every host device; a site can refuse it with `forbid: [privileged]`' : undefined),
  cap_add: (v) => (Array.isArray(v) && v.length > 0 ? `cap_add: the container gets ${v.join(', ')} beyond the engine's defaults; a site can refuse it with \`forbid: [cap_add]\`` : undefined),
  devices: (v) => (Array.isArray(v) && v.length > 0 ? 'devices: host devices are passed into the container; a site can refuse it with `forbid: [devices]`' : undefined),
  network_mode: (v) => (v === 'host' ? "network_mode: host: the container shares the host's network, outside the project's networks and their isolation rules (every port of the host is open to it); a site can refuse it with `forbid: [host_network]`" : undefined),
};

function notes(name: string, raw: Record<string, unknown>, problems: Problem[]): void {
  for (const [key, note] of Object.entries(NOTES)) {
    const message = note(raw[key]);
    if (message) problems.push({ path: ['services', name, key], at: 'key', message, note: true });
  }
  if ('build' in raw && 'image' in raw)
    problems.push({ path: ['services', name, 'build'], at: 'key', message: `build is ignored: turtle deploys the image ${String(raw.image)} and does not build it`, note: true, hint: 'build it where you develop, then `docker save IMAGE | ssh router docker load`, or push it to a registry the site can reach' });
  else if ('build' in raw)
    problems.push({
      path: ['services', name, 'build'], at: 'key', message: 'turtle deploys images and does not build them on the sites (a router has neither the tools nor the room)',
      hint: `build and name it where you develop (docker build -t ${name}:1 .), then \`docker save ${name}:1 | ssh router docker load\` or push it to a registry, and write \`image: ${name}:1\``,
    });
}

/** What a service asks that its site's engine cannot do: refused, so that nothing is dropped silently. */
function engineCannot(spec: Spec, service: ServiceSpec, problems: Problem[]): void {
  const podman = service.sites.filter((s) => spec.sites[s]?.runtime === 'podman');
  if (service.options?.domainname !== undefined && podman.length > 0)
    problems.push({
      path: ['services', service.name, 'domainname'], at: 'key',
      message: `Podman sets no domain name (it has no such option), and ${service.name} runs on ${podman.join(', ')}, a Podman site`,
      hint: 'remove domainname, or name the domain in extra_hosts or dns_search',
    });
}

function forbidden(spec: Spec, service: ServiceSpec, raw: Record<string, unknown>, problems: Problem[]): void {
  const uses: Record<ForbiddenKey, [string, boolean]> = {
    privileged: ['privileged', raw.privileged === true || raw.privileged === 'true'],
    cap_add: ['cap_add', Array.isArray(raw.cap_add) && raw.cap_add.length > 0],
    devices: ['devices', Array.isArray(raw.devices) && raw.devices.length > 0],
    host_network: ['network_mode', raw.network_mode === 'host'],
  };
  for (const site of service.sites) {
    for (const key of spec.sites[site]?.forbid ?? []) {
      const [field, used] = uses[key];
      if (used)
        problems.push({
          path: ['services', service.name, field], at: 'key',
          message: `site ${site} forbids ${key === 'host_network' ? 'network_mode: host' : key}, which ${service.name} uses`,
          hint: `remove ${field} from services.${service.name}, remove ${site} from its sites, or take ${key} out of sites.${site}.forbid`,
        });
    }
  }
}
