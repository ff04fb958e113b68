// Networks in turtle.yaml, as Compose writes them: the top-level `networks:` and a service's `networks`,
// `network_mode`, `links` and `container_name` (the names other services find it by).
import { z } from 'zod';
import type { NetworkDef, ServiceNetworking, ServiceSpec } from './types.js';
import type { Problem } from './_problems.js';
import { keyValues } from './_collections.js';
import { bool, doc, fail, isMap, obj, str, stringList } from './_fields.js';
import { describeValue } from './_words.js';
import { externalFlag, namedSection } from './_sections.js';

/** Network keys (as written under `networks:`) and `name:` overrides: what Docker and Podman accept. */
const NETWORK_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
const ALIAS = /^[a-zA-Z0-9]([a-zA-Z0-9_.-]*[a-zA-Z0-9])?$/;
const IPV4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;
const CIDR = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}\/([0-9]|[12]\d|3[0-2])$/;

const ipv4 = str({ pattern: IPV4, rule: 'an IPv4 address such as 172.28.0.10' });
const cidr = str({ pattern: CIDR, rule: 'an IPv4 subnet such as 172.28.0.0/16' });

const ipamConfig = obj({
  subnet: doc(cidr, { description: 'The subnet.', type: 'CIDR', example: '172.28.0.0/16' }),
  gateway: doc(ipv4.optional(), { description: 'The gateway address, inside the subnet.', type: 'IPv4 address', example: '172.28.0.1' }),
  ip_range: doc(cidr.optional(), { description: 'Where container addresses are taken from, inside the subnet.', type: 'CIDR', example: '172.28.5.0/24' }),
  aux_addresses: doc(keyValues('label').optional(), { description: 'Addresses the engine must not give out.', type: 'map', example: '{ host1: 172.28.1.5 }' }),
});

const ipam = obj({
  driver: doc(z.literal('default').optional(), { description: 'Only the engine\'s default IPAM driver.', type: 'default', default: 'default' }),
  config: doc(z.array(ipamConfig).optional(), { description: 'Subnets of the network.', type: 'list of { subnet, gateway, ip_range }', default: 'one the engine picks' }),
  options: doc(keyValues('label').optional(), { description: 'IPAM driver options.', type: 'map', default: '{}' }),
});

const driver = z.unknown().transform((v, ctx): 'bridge' => {
  if (v === 'bridge') return v;
  if (v === 'overlay' || v === 'macvlan' || v === 'ipvlan' || v === 'host')
    return fail(ctx, `the ${v} driver is not supported: a site's project networks are bridges on its one machine`, { hint: v === 'overlay' ? 'drop `driver` (or write bridge); networks spanning machines come with Swarm sites' : 'drop `driver` (or write bridge); for the host\'s network use a service\'s `network_mode: host`' });
  return fail(ctx, `expected bridge, found ${describeValue(v)}`);
});

const external = externalFlag('NETWORK');

export const networkShape = {
  name: doc(str({ pattern: NETWORK_NAME, rule: 'letters, digits, _, . and -, starting with a letter or digit' }).optional(), {
    description: 'The engine\'s name of the network.', type: 'string', default: '<project>_<key>', example: 'shared-proxy',
  }),
  driver: doc(driver.optional(), {
    description: 'Only `bridge`: one machine per site (Swarm\'s overlay comes with Swarm sites).', type: 'bridge', default: 'bridge',
  }),
  driver_opts: doc(keyValues('label').optional(), { description: 'Options for the driver, passed to the engine.', type: 'map', default: '{}', example: '{ com.docker.network.bridge.name: br-shop }' }),
  internal: doc(bool().optional(), {
    description: 'No way out: its containers reach each other and nothing beyond (no internet, no published ports from outside).', type: 'boolean', default: 'false', example: 'true',
  }),
  external: doc(external.optional(), {
    description: 'Made outside turtle (`docker network create`): turtle joins it, and never creates, changes or removes it. A deploy to a site without it fails before changing anything.', type: 'boolean', default: 'false', example: 'true',
  }),
  ipam: doc(ipam.optional(), { description: 'Addressing: the subnets to use.', type: 'map', example: '{ config: [{ subnet: 172.28.0.0/16 }] }' }),
  labels: doc(keyValues('label').optional(), { description: 'Labels on the network (turtle adds its own io.turtle.* labels).', type: 'map | list of "KEY=VALUE"', default: '{}' }),
  attachable: doc(bool().optional(), { description: 'Accepted for Compose files; a bridge network is always attachable.', type: 'boolean' }),
  enable_ipv6: doc(z.literal(false).optional(), { description: 'IPv6 networks are not supported yet.', type: 'false' }),
};

const networkEntry = z
  .unknown()
  .transform((v) => (v === null || v === undefined ? {} : v))
  .pipe(obj(networkShape, { extensions: true }))
  .transform((n): NetworkDef => {
    const ext = n.external?.external ?? false;
    const name = n.name ?? n.external?.name;
    return {
      ...(name !== undefined ? { name } : {}),
      external: ext,
      driver: n.driver ?? 'bridge',
      internal: n.internal ?? false,
      subnets: (n.ipam?.config ?? []).map((c) => ({ subnet: c.subnet, ...(c.gateway ? { gateway: c.gateway } : {}), ...(c.ip_range ? { ipRange: c.ip_range } : {}) })),
      driverOpts: n.driver_opts ?? {},
      labels: n.labels ?? {},
    };
  });

/** Top-level `networks:`: key → definition (an empty entry is a bridge network of the project). */
export const networksSection = namedSection('network', NETWORK_NAME, 'driver, internal, external, ipam …', networkEntry);

const serviceNetworkEntry = z
  .unknown()
  .transform((v) => (v === null || v === undefined ? {} : v))
  .pipe(
    obj({
      aliases: doc(stringList().optional(), { description: 'More names this service is found by on that network.', type: 'list of strings' }),
      ipv4_address: doc(ipv4.optional(), { description: 'A fixed address, inside one of the network\'s `ipam` subnets.', type: 'IPv4 address' }),
      priority: doc(z.number().optional(), { description: 'Accepted for Compose files; networks are joined in the order listed.', type: 'number' }),
    }, { extensions: true }),
  );

/** A service's `networks`: a list of keys, or a map key → { aliases, ipv4_address }. */
const serviceNetworks = z.unknown().transform((value, ctx): NonNullable<ServiceNetworking['networks']> => {
  const out: NonNullable<ServiceNetworking['networks']> = {};
  if (Array.isArray(value)) {
    value.forEach((key, i) => {
      if (typeof key !== 'string') return fail(ctx, `expected a network name, found ${describeValue(key)}`, { path: [i] });
      if (key in out) return fail(ctx, `\`${key}\` is listed twice`, { path: [i] });
      out[key] = { aliases: [] };
    });
    return out;
  }
  if (!isMap(value)) return fail(ctx, `expected a list of network names or a map of name → { aliases, ipv4_address }, found ${describeValue(value)}`);
  for (const [key, entry] of Object.entries(value)) {
    const parsed = serviceNetworkEntry.safeParse(entry);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) ctx.addIssue({ ...issue, path: [key, ...issue.path], input: undefined } as z.core.$ZodRawIssue);
      continue;
    }
    parsed.data.aliases?.forEach((alias, i) => {
      if (!ALIAS.test(alias)) fail(ctx, `alias \`${alias}\` is not a valid host name`, { path: [key, 'aliases', i], hint: 'letters, digits, _, . and -' });
    });
    out[key] = { aliases: parsed.data.aliases ?? [], ...(parsed.data.ipv4_address ? { ipv4Address: parsed.data.ipv4_address } : {}) };
  }
  return out;
});

/** `container:NAME` is kept as written here; the build turns it into `service:S` when NAME is a container of this file. */
const networkMode = z.unknown().transform((v, ctx): NonNullable<ServiceNetworking['mode']> | `container:${string}` => {
  if (v === 'host' || v === 'none' || v === 'bridge') return v;
  if (typeof v === 'string' && v.startsWith('service:') && v.length > 'service:'.length) return v as `service:${string}`;
  if (typeof v === 'string' && v.startsWith('container:') && v.length > 'container:'.length) return v as `container:${string}`;
  return fail(ctx, `expected host, none, bridge, service:NAME or container:NAME, found ${describeValue(v)}`);
});

/**
 * Compose's `network_mode: container:NAME`, where NAME is the container_name (or the name) of a service of
 * this file, is that service's network: `service:S`. A container turtle does not make is refused.
 */
export function resolveContainerModes(services: Record<string, ServiceSpec>, problems: Problem[], at: (service: string) => (string | number)[] = (s) => ['services', s]): void {
  const byName = new Map<string, string>();
  for (const s of Object.values(services)) {
    byName.set(s.name, s.name);
    if (s.networking?.containerName) byName.set(s.networking.containerName, s.name);
  }
  for (const s of Object.values(services)) {
    const mode = s.networking?.mode as string | undefined;
    if (!mode?.startsWith('container:')) continue;
    const target = byName.get(mode.slice('container:'.length));
    if (target) s.networking!.mode = `service:${target}`;
    else {
      delete s.networking!.mode;
      problems.push({
        path: [...at(s.name), 'network_mode'], message: `\`${mode}\` joins a container turtle does not manage, whose name and lifetime it cannot know`,
        hint: 'make that container a service of this file (then container:NAME, or service:NAME, joins it), or put both on one network',
      });
    }
  }
}

/** `links: [db, "db:database"]`: Compose's older way to reach a service; here an extra alias of it. */
const links = stringList().transform((list, ctx): { service: string; alias: string }[] =>
  list.flatMap((entry, i) => {
    const [service, alias, more] = entry.split(':');
    if (!service || more !== undefined || alias === '') {
      fail(ctx, `expected "SERVICE" or "SERVICE:ALIAS", found ${describeValue(entry)}`, { path: [i] });
      return [];
    }
    return [{ service, alias: alias ?? service }];
  }),
);

export const networkingShape = {
  networks: doc(serviceNetworks.optional(), {
    description: 'The project networks it joins (keys of the top-level `networks:`), each with more names (`aliases`) and a fixed address if wanted. On each, the other services find it by its service name.',
    type: 'list of names | map of name → { aliases, ipv4_address }', default: '[default]: the project\'s own network, `<project>_default`', example: '[front, back]',
  }),
  network_mode: doc(networkMode.optional(), {
    description: '`host`: the host\'s network (outside the project\'s networks, their isolation and bandwidth limits); `none`: no network; `bridge`: the engine\'s default bridge, where names do not resolve; `service:NAME`: the network of that service\'s first container.',
    type: 'host | none | bridge | service:NAME', default: 'the project networks', example: 'host',
  }),
  links: doc(links.optional(), {
    description: 'Compose\'s older way to reach a service: `SERVICE:ALIAS` makes ALIAS one more name of SERVICE on their shared network.', type: 'list of "SERVICE[:ALIAS]"', example: '["db:database"]',
  }),
  container_name: doc(str({ pattern: ALIAS, rule: 'letters, digits, _, . and -, starting with a letter or digit' }).optional(), {
    description: 'One more name the service is found by on its networks. turtle still names the containers itself (`<project>-<service>-<replica>-<hash>`), so that replicas and start-first updates work.', type: 'string', example: 'my-db',
  }),
};

type NetworkingFields = Partial<z.output<ReturnType<typeof obj<typeof networkingShape>>>>;

/** A service's networking as parsed: only what was written. */
export function networkingOf(s: NetworkingFields): { networking?: ServiceNetworking } {
  const n: ServiceNetworking = {
    ...(s.networks !== undefined ? { networks: s.networks } : {}),
    // container:NAME is resolved by the build (resolveContainerModes) before anything reads it
    ...(s.network_mode !== undefined ? { mode: s.network_mode as NonNullable<ServiceNetworking['mode']> } : {}),
    ...(s.links !== undefined ? { links: s.links } : {}),
    ...(s.container_name !== undefined ? { containerName: s.container_name } : {}),
  };
  return Object.keys(n).length > 0 ? { networking: n } : {};
}
