// The schema of one entry under `sites:` and of the document's top level.
import { z } from 'zod';
import type { RuntimeKind } from '../domain/types.js';
import type { SiteSpec } from './types.js';
import type { HostPort } from '../domain/network.js';
import { doc, fail, isMap, lenient, num, obj, oneOf, rate, size, str } from './_fields.js';
import { keyValues } from './_collections.js';
import { DEFAULT_ENGINE } from './default-engine.js';
import { forbidOf, forbidShape } from './_compose-checks.js';
import { parseCidr } from '../domain/subnets.js';
import { describeValue } from './_words.js';

/** An IPv4 range such as 10.88.0.0/16. */
const cidrText = z.unknown().transform((v, ctx): string => (typeof v === 'string' && parseCidr(v) !== undefined && v.includes('/') ? v : fail(ctx, `expected an IPv4 range such as 10.88.0.0/16, found ${describeValue(v)}`)));

/** `53/udp`, `22`, `8000-8100/tcp`: a port or range of the site's host, tcp unless it says udp. */
const hostPort = z.unknown().transform((v, ctx): HostPort => {
  const m = /^(\d{1,5})(?:-(\d{1,5}))?(?:\/(tcp|udp))?$/.exec(typeof v === 'number' ? String(v) : typeof v === 'string' ? v.trim() : '');
  const port = Number(m?.[1]);
  const to = m?.[2] === undefined ? undefined : Number(m[2]);
  if (!m || port < 1 || port > 65535 || (to !== undefined && (to < port || to > 65535)))
    return fail(ctx, `expected a port of the host such as 53/udp, 22 or 8000-8100/tcp, found ${describeValue(v)}`, { hint: 'a port 1-65535, or a range FROM-TO, then /tcp (the default) or /udp' });
  return { port, ...(to !== undefined && to !== port ? { to } : {}), protocol: (m[3] ?? 'tcp') as 'tcp' | 'udp' };
});

export const SITE_NAME = /^[a-z0-9][a-z0-9-]*$/;
export const PROJECT_NAME = /^[a-z0-9][a-z0-9-]*$/;

export { DEFAULT_ENGINE };

const ENGINE = /^(unix:\/\/\/.+|tcp:\/\/[^/:]+:\d+|https?:\/\/[^/:]+:\d+\/?)$/;
const AGENT = /^https?:\/\/[^/\s]+(\/\S*)?$/;

const budgetPercent = num({ min: 1, max: 100 });

export const capacityShape = {
  cpus: doc(num({ above: 0 }), { description: 'CPU cores of the host.', type: 'number > 0', example: '4' }),
  memory: doc(size({ min: 1 }), { description: 'Memory of the host.', type: 'size', example: '4g' }),
};

export const budgetShape = {
  cpu: doc(budgetPercent.optional(), { description: 'Percent of capacity.cpus.', type: 'number 1..100', default: '10', example: '25' }),
  memory: doc(budgetPercent.optional(), { description: 'Percent of capacity.memory.', type: 'number 1..100', default: '10', example: '25' }),
  floor: doc(size({ min: 1 }).optional(), {
    description: "Memory the host always keeps available (MemAvailable): the site's governor limits turtle's services, and frees background then normal ones, before it is crossed.",
    type: 'size', default: '10% of capacity.memory', example: '256m',
  }),
  network: doc(rate().optional(), {
    description: "Bandwidth all of turtle's containers here may send, and receive, beyond their project's networks, together (so a backup or a chatty service never fills the router's uplink); each service's resources.egress and ingress are limits within it. Shaped with tc by the site's agent. Image pulls are the engine's own traffic, from the host, and are not counted.",
    type: 'rate', default: 'no cap', example: '50mbit',
  }),
};

export const siteShape = {
  role: doc(oneOf(['edge', 'observer'] as const).optional(), {
    description: 'edge sites run services; an observer is a read-only twin that mirrors the others and runs nothing.',
    type: 'edge | observer', default: 'edge', example: 'observer',
  }),
  runtime: doc(oneOf(['docker', 'podman'] as const, ['native', 'swarm', 'fly']).optional(), {
    description: 'Container engine on the site. native, swarm and fly are reserved for later.',
    type: 'docker | podman', default: 'docker', example: 'podman',
  }),
  engine: doc(str({ pattern: ENGINE, rule: 'expected unix:///path, tcp://host:port or http(s)://host:port' }).optional(), {
    description: 'Where the engine API listens, as seen from the agent.',
    type: 'string', default: 'unix:///var/run/docker.sock (docker), unix:///run/podman/podman.sock (podman)', example: 'tcp://10.0.0.1:2375',
  }),
  agent: doc(str({ pattern: AGENT, rule: 'expected http(s)://host[:port][/path]' }).optional(), {
    description: "URL of this site's turtle agent (HTTPS with mutual TLS). When set, the CLI drives the site through the agent, with the operator certificate from --identity, $TURTLE_IDENTITY or ~/.config/turtle/identity.", type: 'string', example: 'https://10.0.0.1:7443',
  }),
  capacity: doc(
    obj(capacityShape).optional(),
    { description: 'What the host has. Required on edge sites: the budget is a share of it.', type: 'map', default: 'required on edge sites', example: '{ cpus: 4, memory: 4g }' },
  ),
  budget: doc(
    obj(budgetShape).optional(),
    {
      description: 'The good-citizen budget: the share of the host that the declared limits of all services here may add up to.',
      type: 'map', default: '{ cpu: 10, memory: 10 }', example: '{ cpu: 25, memory: 20 }',
    },
  ),
  labels: doc(keyValues('label').optional(), { description: 'Free-form labels for the site.', type: 'map | list of "KEY=VALUE"', default: '{}', example: '{ region: home }' }),
  ...forbidShape,
  networks: doc(obj({
    pool: doc(z.array(cidrText).min(1).optional(), { description: 'IPv4 ranges the project networks made here take their /24 subnets from.', type: 'list of CIDR', example: '[10.88.0.0/16]' }),
    host_access: doc(z.array(hostPort).optional(), {
      description: 'Ports of the site\'s host itself that containers on project networks may open (the router\'s DNS, an NTP server). Every other port of the host (SSH, the web UI, the agent\'s API, the engine) is closed to them by the agent\'s firewall rules; published ports stay open, and Podman\'s name server on each network\'s gateway answers.',
      type: 'list of "PORT[/tcp|udp]" or "FROM-TO[/tcp|udp]"', default: '[]', example: '[53/udp, 53/tcp, 123/udp]',
    }),
  }).optional(), {
    description: 'How the project networks made on this site get their subnets: each network without an `ipam` subnet takes the first free /24 of `pool` that overlaps no route or address of the site\'s host (its LANs, guest VLANs, VPN ranges) and no other network of its engine; a written subnet that overlaps a route of the host stops the deploy, naming both. The host is read where the network is made: this machine for a local engine, the agent\'s host for an agent site; for a remote engine only the engine\'s own networks are known. `host_access` lists the ports of the host itself that containers on those networks may open (`53/udp`, `22`, `8000-8100/tcp`); every other port of the host (SSH, the web UI, the agent, the engine) is closed to them by the site agent\'s iptables rules, as are the engine\'s other networks, except through published ports, which stay open.',
    type: 'map', default: '{ pool: [172.16.0.0/12, 10.0.0.0/8], host_access: [] }', example: '{ pool: [10.88.0.0/16], host_access: [53/udp, 53/tcp] }',
  }),
};

export const siteSchema = obj(siteShape)
  .superRefine(
    (s, ctx) => {
      if (s.role === 'edge' || s.role === undefined)
        if (s.capacity === undefined)
          fail(ctx, 'an edge site needs `capacity` so turtle can keep to its budget', {
            hint: 'add capacity: { cpus: 4, memory: 4g } with what the host has',
          });
    },
    // Runs despite other problems in the site, but not when role or capacity are themselves wrong.
    { when: (p) => isMap(p.value) && !p.issues.some((i) => i.path?.[0] === 'role' || i.path?.[0] === 'capacity') },
  )
  .transform(toSite);

type Fields = Partial<z.output<ReturnType<typeof obj<typeof siteShape>>>>;

function toSite(s: Fields): Omit<SiteSpec, 'name'> {
  const runtime = s.runtime ?? 'docker';
  const site: Omit<SiteSpec, 'name'> = {
    role: s.role ?? 'edge',
    runtime,
    engine: s.engine ?? DEFAULT_ENGINE[runtime],
    capacity: s.capacity ?? { cpus: 0, memory: 0 },
    budget: { cpu: s.budget?.cpu ?? 10, memory: s.budget?.memory ?? 10, ...(s.budget?.floor === undefined ? {} : { floor: s.budget.floor }), ...(s.budget?.network === undefined ? {} : { network: s.budget.network }) },
    labels: s.labels ?? {},
    ...forbidOf(s),
    ...(s.networks?.pool ? { networkPool: s.networks.pool } : {}),
    ...(s.networks?.host_access?.length ? { networkHostAccess: s.networks.host_access } : {}),
  };
  if (s.agent !== undefined) site.agent = s.agent;
  return site;
}

/** What can be read of an invalid site, so the rules across sites can still run and report. */
export function lenientSite(raw: unknown): Omit<SiteSpec, 'name'> {
  return toSite(lenient(siteShape, raw) as Fields);
}

/** A map of named entries; names are checked here so each bad name is reported at its key. */
export function namedMap(what: string, pattern: RegExp, rule: string) {
  return z.unknown().transform((value, ctx): Record<string, unknown> => {
    if (!isMap(value)) return fail(ctx, `expected a map of ${what}s by name, found ${value === null ? 'an empty value' : Array.isArray(value) ? 'a list' : typeof value}`);
    for (const name of Object.keys(value))
      if (!pattern.test(name)) fail(ctx, `${what} name "${name}" is not valid: ${rule}`, { path: [name], at: 'key' });
    return value;
  });
}

export const UNSUPPORTED_TOP_KEYS: Record<string, string> = {
  include: 'turtle reads one file: copy the included services into it (their sites, networks and volumes too)',
  models: 'AI models are not supported',
};
