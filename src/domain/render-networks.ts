// Which networks a site's containers join, and by which names the others find them there (pure).
import type { NetworkDef, ServiceSpec } from '../spec/types.js';
import { hashOf } from './hash.js';
import { BRIDGE_NAME_OPTION, bridgeName, type ContainerNetwork, type HostPort, type NetworkSpec } from './network.js';

export const DEFAULT_NETWORK = 'default';

export interface NetworkContext {
  project: string;
  site: string;
  /** the top-level `networks:` as written */
  networks?: Readonly<Record<string, NetworkDef>>;
  /** every service placed on the site: `links` of theirs add names to the services they link to */
  services: readonly ServiceSpec[];
  /** the site's `networks.pool` */
  pool?: readonly string[];
  /** the site's `networks.host_access` */
  hostAccess?: readonly HostPort[];
}

/** The project networks a container of `service` joins, with its names there; [] under a network_mode. */
export function containerNetworks(service: ServiceSpec, ctx: NetworkContext): ContainerNetwork[] {
  if (service.networking?.mode) return [];
  const wanted = service.networking?.networks ?? { [DEFAULT_NETWORK]: { aliases: [] } };
  const linked = ctx.services.flatMap((s) => (s.networking?.links ?? []).filter((l) => l.service === service.name && l.alias !== service.name).map((l) => l.alias));
  return Object.entries(wanted).map(([key, entry]) => {
    const aliases = unique([service.name, ...(service.networking?.containerName ? [service.networking.containerName] : []), ...entry.aliases, ...linked]);
    return {
      name: networkName(ctx, key),
      aliases,
      ...(entry.ipv4Address ? { ipv4Address: entry.ipv4Address } : {}),
      network: networkSpec(key, ctx),
    };
  });
}

function networkName(ctx: NetworkContext, key: string): string {
  return ctx.networks?.[key]?.name ?? `${ctx.project}_${key}`;
}

function networkSpec(key: string, ctx: NetworkContext): NetworkSpec {
  const def = ctx.networks?.[key] ?? { external: false, driver: 'bridge', internal: false, subnets: [], driverOpts: {}, labels: {} };
  const name = networkName(ctx, key);
  // a bridge turtle makes is named by turtle, so the site's firewall can name it (see bridgeName)
  const driverOpts = def.driver === 'bridge' && !def.external ? { ...def.driverOpts, [BRIDGE_NAME_OPTION]: bridgeName({ name, site: ctx.site, driverOpts: def.driverOpts }) } : def.driverOpts;
  const made = { driver: def.driver, internal: def.internal, subnets: def.subnets, driverOpts, labels: def.labels };
  return {
    name,
    key,
    project: ctx.project,
    site: ctx.site,
    external: def.external,
    ...made,
    configHash: def.external ? '' : hashOf(made),
    ...(ctx.pool && !def.external ? { pool: [...ctx.pool] } : {}),
    ...(ctx.hostAccess && !def.external ? { hostAccess: ctx.hostAccess.map((p) => ({ ...p })) } : {}),
  };
}

/** What of a container's networks needs a new container when it changes: names, aliases, addresses, and each network's own hash. */
export function networksForHash(networks: readonly ContainerNetwork[]): unknown {
  return networks.map((n) => ({ name: n.name, aliases: n.aliases, ...(n.ipv4Address ? { ipv4Address: n.ipv4Address } : {}), network: n.network.configHash }));
}

function unique(names: string[]): string[] {
  return [...new Set(names)];
}
