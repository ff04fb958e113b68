// Renders the spec into the exact containers one site should run. Pure: the same spec gives the same
// containers, names and hashes on every machine, which is what makes drift and no-op deploys detectable.
import type { NetworkDef, ServiceSpec } from '../spec/index.js';
import { hashOf, keyedHashOf } from './hash.js';
import { cgroupParent } from './cgroup.js';
import type { ContainerSpec, PortBinding, ProxyRoute, SecretUse } from './types.js';
import type { SealedSecret } from '../secrets/site-file.js';
import { containerNetworks, networksForHash, type NetworkContext } from './render-networks.js';
import type { HostPort } from './network.js';

export interface RenderOptions {
  project: string;
  site: string;
  /** services an operator stopped with `turtle stop` (they stay stopped across deploys until `turtle start`) */
  stopped?: ReadonlySet<string>;
  /** the spec's top-level `networks:` (every service joins `<project>_default` unless it lists others) */
  networks?: Readonly<Record<string, NetworkDef>>;
  /** the site's `networks.pool` */
  pool?: readonly string[];
  /** the site's `networks.host_access` */
  hostAccess?: readonly HostPort[];
  /** the values of turtle's store this site has, sealed to it (spec.sealed[site]) */
  secrets?: Readonly<Record<string, SealedSecret>>;
  /** the site's turtle.lock entries: a pinned image's ID is part of the container's config */
  pins?: Readonly<Record<string, { id: string }>>;
  /** the project's hash key: configHash is an HMAC under it, so a published hash says nothing of the values */
  hashKey?: string;
}

/** `services` are the ones placed on the site, overlays applied (spec's servicesForSite). */
export function renderSite(services: readonly ServiceSpec[], options: RenderOptions): ContainerSpec[] {
  const onSite = new Set(services.map((s) => s.name));
  const net: NetworkContext = { project: options.project, site: options.site, services, ...(options.networks ? { networks: options.networks } : {}), ...(options.pool ? { pool: options.pool } : {}), ...(options.hostAccess ? { hostAccess: options.hostAccess } : {}) };
  const out: ContainerSpec[] = [];
  for (const service of services) {
    for (let replica = 1; replica <= service.replicas; replica++) {
      out.push(renderContainer(service, replica, onSite, options, net));
    }
  }
  return out;
}

function renderContainer(
  service: ServiceSpec,
  replica: number,
  onSite: ReadonlySet<string>,
  options: RenderOptions,
  net: NetworkContext,
): ContainerSpec {
  const { project, site, stopped } = options;
  const mode = service.networking?.mode;
  const shares = mode?.startsWith('service:') ? mode.slice('service:'.length) : undefined;
  const sharedWith = shares === undefined ? undefined : net.services.find((s) => s.name === shares);
  const dependsOn = Object.fromEntries(
    Object.entries({ ...(shares ? { [shares]: 'service_started' as const } : {}), ...service.dependsOn }).filter(([name]) => onSite.has(name)),
  );
  const networks = containerNetworks(service, net);
  const { ports, routes } = proxied(service);
  const secrets = secretUses(service, options.secrets ?? {});
  const config = {
    image: service.image,
    command: service.command,
    entrypoint: service.entrypoint,
    env: service.env,
    ports,
    mounts: service.mounts,
    healthcheck: service.healthcheck,
    restart: service.restart,
    labels: service.labels,
    user: service.user,
    readOnly: service.readOnly,
    capDrop: service.capDrop,
    priority: service.priority,
    cgroupParent: cgroupParent(service.priority),
    ...(service.options ? { options: service.options } : {}),
    ...(mode ? { network: mode } : {}),
    // a container sharing another's network goes with that one: a new one of it needs a new one of this
    ...(sharedWith ? { sharesWith: renderContainer(sharedWith, 1, onSite, options, net).configHash } : {}),
    ...(networks.length > 0 ? { networks: networksForHash(networks) } : {}),
    // by digest: a new value is a new container, and the hash tells nothing of the value
    ...(secrets.length > 0 ? { secrets: secrets.map(({ sealed: _sealed, ...use }) => use) } : {}),
    // a tag re-pinned to other content is a new version
    ...(options.pins?.[service.image] ? { imageId: options.pins[service.image]!.id } : {}),
  };
  // Resources are not in configHash (they can change in place), but they are in the name, so a
  // container re-created for new limits never collides with the one it replaces.
  const configHash = keyedHashOf(config, options.hashKey);
  const nameHash = hashOf({ configHash, resources: service.resources }).slice(0, 8);
  return {
    name: `${project}-${service.name}-${replica}-${nameHash}`,
    project,
    site,
    service: service.name,
    replica,
    ...withoutHashOnly(config),
    ...(networks.length > 0 ? { networks } : {}),
    ...(secrets.length > 0 ? { secrets } : {}),
    resources: service.resources,
    ...(service.bandwidth ? { bandwidth: service.bandwidth } : {}),
    ...(service.probe ? { probe: service.probe } : {}),
    ...(service.proxy ? { proxy: service.proxy } : {}),
    ...(service.update ? { update: service.update } : {}),
    ...(routes.length > 0 ? { routes } : {}),
    dependsOn,
    running: !(stopped?.has(service.name) ?? false),
    configHash,
  };
}

/**
 * A proxied service's published TCP ports become the proxy's: its containers publish nothing on the host
 * (so an old and a new one can run side by side) and the proxy forwards each host port to them.
 */
function proxied(service: ServiceSpec): { ports: PortBinding[]; routes: ProxyRoute[] } {
  const mode = service.proxy;
  if (mode === undefined) return { ports: service.ports, routes: [] };
  const routes: ProxyRoute[] = [];
  const ports = service.ports.map((p): PortBinding => {
    if (p.host === undefined || p.protocol !== 'tcp') return p;
    routes.push({ listen: p.host, ...(p.hostIp ? { hostIp: p.hostIp } : {}), target: p.container, mode });
    return { container: p.container, protocol: p.protocol };
  });
  return { ports, routes };
}

/** The store's secrets a service reads, files first, each with the site's sealed value (none where it is not set). */
function secretUses(service: ServiceSpec, sealed: Readonly<Record<string, SealedSecret>>): SecretUse[] {
  const value = (source: string) => (sealed[source] ? { digest: sealed[source].digest, sealed: sealed[source].sealed } : {});
  return [
    ...(service.secretFiles ?? []).map((f): SecretUse => ({ source: f.store, kind: 'file', target: f.target, uid: f.uid, gid: f.gid, mode: f.mode, ...value(f.store) })),
    ...Object.entries(service.secretEnv ?? {}).sort(([a], [b]) => a.localeCompare(b)).map(([variable, source]): SecretUse => ({ source, kind: 'env', target: variable, ...value(source) })),
  ];
}

/** The config as a ContainerSpec holds it: the networks in full (set apart), nothing that is there for the hash only. */
function withoutHashOnly<T extends { networks?: unknown; sharesWith?: unknown; secrets?: unknown }>(config: T): Omit<T, 'networks' | 'sharesWith' | 'secrets'> {
  const { networks: _networks, sharesWith: _sharesWith, secrets: _secrets, ...rest } = config;
  return rest;
}
