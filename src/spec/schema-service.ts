// The schema of one entry under `services:` (Compose names and meanings), producing a ServiceSpec.
import { z } from 'zod';
import type { ServiceSpec } from './types.js';
import { bool, command, doc, num, obj, oneOf, str, stringList } from './_fields.js';
import { environmentValues, keyValues } from './_collections.js';
import { portEntry } from './_ports.js';
import { volumeEntry } from './_volumes.js';
import { healthcheck } from './_healthcheck.js';
import { probe } from './_probe.js';
import { proxyMode, update } from './_update.js';
import { dependsOn, nameList, resources, UNSUPPORTED_SERVICE_KEYS } from './_service-extras.js';
import { fail, lenient } from './_fields.js';
import { networkingOf, networkingShape } from './_networks.js';
import { checkComposeForms, composeFields, composeShape } from './_compose-keys.js';
import { fileRefsShape } from './_files-top.js';

export const SERVICE_NAME = /^[a-z0-9][a-z0-9_-]*$/;

const user = z.unknown().transform((v, ctx): string =>
  typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : fail(ctx, 'expected "uid[:gid]" or a user name'),
);

export const serviceShape = {
  image: doc(str(), { description: 'Image to run, with a tag or digest.', type: 'string', example: 'nginx:1.25' }),
  command: doc(command().optional(), {
    description: 'Overrides the image CMD. A string is split into words like a shell (as Compose does); `[]` clears it.',
    type: 'string | list of strings', default: "the image's CMD", example: '["httpd", "-f"]',
  }),
  entrypoint: doc(command().optional(), {
    description: 'Overrides the image ENTRYPOINT; same forms as `command`.',
    type: 'string | list of strings', default: "the image's ENTRYPOINT", example: '/docker-entrypoint.sh',
  }),
  environment: doc(environmentValues().optional(), {
    description: 'Environment variables. Map values may be strings, numbers, booleans (turned into strings) or `{ secret: NAME }`, a secret of turtle\'s store (visible in `docker inspect`: prefer a file). A name without a value (`- TZ`, or `TZ:`) takes it from the environment turtle runs in, as in Compose; where it is not set there, the container does not get it (noted).',
    type: 'map | list of "KEY=VALUE"', default: '{}', example: '{ LOG_LEVEL: info, DB_PASSWORD: ${DB_PASSWORD} }',
  }),
  ports: doc(z.array(portEntry).optional(), {
    description: 'Published ports: "[HOST_IP:][HOST:]CONTAINER[/tcp|udp]" (ranges of equal length allowed), or a map with target, published, host_ip, protocol. Without a host port the engine picks one.',
    type: 'list of string | number | map', default: '[]', example: '["8080:80", "127.0.0.1:8443:443/tcp", "9000"]',
  }),
  volumes: doc(z.array(volumeEntry).optional(), {
    description: 'Mounts: "SOURCE:TARGET[:ro|rw]" where a SOURCE starting with /, . or ~ is a host path (relative ones from turtle.yaml\'s folder, ~ your home, as Compose reads them) and anything else a named volume; the flags z, Z, cached, delegated and consistent are accepted and change nothing on these hosts; "TARGET" alone is an anonymous volume; or a map with type (bind | volume | tmpfs), source, target, read_only.',
    type: 'list of string | map', default: '[]', example: '["./data:/data:ro", "pgdata:/var/lib/postgresql/data"]',
  }),
  healthcheck: doc(healthcheck.optional(), {
    description: 'How turtle and the engine tell the service is healthy. turtle restarts unhealthy containers (Docker alone does not). Absent: the image\'s own HEALTHCHECK, if any.',
    type: 'map', example: '{ test: ["CMD", "wget", "-q", "-O-", "http://127.0.0.1/health"], interval: 5s }',
  }),
  probe: doc(probe.optional(), {
    description: 'turtle\'s own health probe (http, tcp or exec), run by the site agent every 2 s by default (a failure is confirmed 250 ms later); failing or exited containers are restarted with capped backoff.',
    type: 'map', example: '{ http: { port: 80, path: /health } }',
  }),
  proxy: doc(proxyMode.optional(), {
    description: 'Serve the published TCP ports through the site\'s proxy (HAProxy, run by turtle as the container `_proxy`): the proxy binds the host ports, the containers publish none, and an update moves traffic to the new container with no failed request. `http` also moves kept-alive clients at once; `tcp` waits for connections to close (up to `update.drain_timeout`).',
    type: 'http | tcp', default: 'none: the containers publish the ports themselves', example: 'http',
  }),
  update: doc(update.optional(), {
    description: 'How a changed container is replaced: order, how long the new one must be healthy first, how long the old one may drain.',
    type: 'map', default: '{ order: start-first, min_healthy: 5s, drain_timeout: 10s }', example: '{ order: stop-first }',
  }),
  restart: doc(oneOf(['no', 'always', 'on-failure', 'unless-stopped'] as const).optional(), {
    description: 'Engine restart policy. turtle\'s default differs from Compose\'s (`no`): services come back after a crash or reboot.',
    type: 'no | always | on-failure | unless-stopped', default: 'unless-stopped', example: 'always',
  }),
  depends_on: doc(dependsOn.optional(), {
    description: 'Services started first. Each must run on every site this one runs on; cycles are refused.',
    type: 'list of names | map of name → { condition }', default: '{}', example: '{ db: { condition: service_healthy } }',
  }),
  labels: doc(keyValues('label').optional(), {
    description: 'Container labels (turtle adds its own io.turtle.* labels too).',
    type: 'map | list of "KEY=VALUE"', default: '{}', example: '{ com.example.team: web }',
  }),
  user: doc(user.optional(), { description: 'User (and group) to run as.', type: 'string', default: "the image's user", example: '"1000:1000"' }),
  read_only: doc(bool().optional(), { description: 'Mount the container\'s root filesystem read-only.', type: 'boolean', default: 'false', example: 'true' }),
  cap_drop: doc(stringList().optional(), { description: 'Linux capabilities to drop.', type: 'list of strings', default: '[]', example: '[ALL]' }),
  priority: doc(oneOf(['critical', 'normal', 'background'] as const).optional(), {
    description: 'Who yields first when a site is busy: background services are slowed or paused before normal ones; critical ones are left alone.',
    type: 'critical | normal | background', default: 'normal', example: 'critical',
  }),
  resources: doc(resources.optional(), {
    description: 'Limits. Declared limits × replicas must fit each site\'s budget; a service without limits counts 0 there and is governed at runtime instead.',
    type: 'map', default: 'no limits', example: '{ cpus: 0.5, memory: 256m, memory_reservation: 128m, egress: 20mbit }',
  }),
  sites: doc(nameList('site').optional(), {
    description: 'Sites this service runs on. Observer sites run nothing.',
    type: 'list of site names', default: 'every edge site', example: '[dc1, dc2]',
  }),
  replicas: doc(num({ int: true, min: 1 }).optional(), {
    description: 'Containers per site.', type: 'integer >= 1', default: '1', example: '2',
  }),
  ...networkingShape,
  ...composeShape,
  ...fileRefsShape,
};

/** A service as parsed, before placement defaults are known (`sites` absent = every edge site). */
export type ParsedService = Omit<ServiceSpec, 'name' | 'sites'> & { sites?: string[] };
type Fields = Partial<z.output<ReturnType<typeof obj<typeof serviceShape>>>>;

function toService(written: Fields): ParsedService {
  // bandwidth is turtle's own, shaped in place by the agent: not one of the engine's resources
  const { bandwidth, ...limits } = written.resources ?? {};
  const s: Fields = written.resources === undefined ? written : { ...written, resources: limits };
  // built in the field order of ServiceSpec, so printed specs read like the file
  return {
    image: s.image ?? '',
    ...(s.command !== undefined ? { command: s.command } : {}),
    ...(s.entrypoint !== undefined ? { entrypoint: s.entrypoint } : {}),
    env: s.environment?.env ?? {},
    ports: (s.ports ?? []).flat(),
    mounts: s.volumes ?? [],
    ...(s.healthcheck !== undefined ? { healthcheck: s.healthcheck } : {}),
    ...(s.probe !== undefined ? { probe: s.probe } : {}),
    ...(s.proxy !== undefined ? { proxy: s.proxy } : {}),
    ...(s.update !== undefined ? { update: s.update } : {}),
    restart: s.restart ?? 'unless-stopped',
    dependsOn: s.depends_on ?? {},
    labels: s.labels ?? {},
    ...(s.user !== undefined ? { user: s.user } : {}),
    readOnly: s.read_only ?? false,
    capDrop: s.cap_drop ?? [],
    priority: s.priority ?? 'normal',
    resources: s.resources ?? {},
    ...(bandwidth ? { bandwidth } : {}),
    ...(s.sites !== undefined ? { sites: s.sites } : {}),
    replicas: s.replicas ?? 1,
    ...networkingOf(s),
    ...composeFields(s),
    ...(s.secrets?.length ? { secrets: s.secrets } : {}),
    ...(s.configs?.length ? { configs: s.configs } : {}),
    ...(s.environment && Object.keys(s.environment.secretEnv).length > 0 ? { secretEnv: s.environment.secretEnv } : {}),
  };
}

export const serviceSchema = obj(serviceShape, { unsupported: UNSUPPORTED_SERVICE_KEYS, extensions: true }).superRefine(checkComposeForms).transform(toService);

/** What can be read of an invalid service, so the rules across services can still run and report. */
export function lenientService(raw: unknown): ParsedService {
  return toService(lenient(serviceShape, raw) as Fields);
}
