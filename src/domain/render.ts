// Renders the spec into the exact containers one site should run. Pure: the same spec gives the same
// containers, names and hashes on every machine, which is what makes drift and no-op deploys detectable.
import type { ServiceSpec } from '../spec/index.js';
import { hashOf } from './hash.js';
import { cgroupParent } from './cgroup.js';
import type { ContainerSpec, PortBinding, ProxyRoute } from './types.js';

export interface RenderOptions {
  project: string;
  site: string;
  /** services an operator stopped with `turtle stop` (they stay stopped across deploys until `turtle start`) */
  stopped?: ReadonlySet<string>;
}

/** `services` are the ones placed on the site, overlays applied (spec's servicesForSite). */
export function renderSite(services: readonly ServiceSpec[], options: RenderOptions): ContainerSpec[] {
  const onSite = new Set(services.map((s) => s.name));
  const out: ContainerSpec[] = [];
  for (const service of services) {
    for (let replica = 1; replica <= service.replicas; replica++) {
      out.push(renderContainer(service, replica, onSite, options));
    }
  }
  return out;
}

function renderContainer(
  service: ServiceSpec,
  replica: number,
  onSite: ReadonlySet<string>,
  { project, site, stopped }: RenderOptions,
): ContainerSpec {
  const dependsOn = Object.fromEntries(
    Object.entries(service.dependsOn).filter(([name]) => onSite.has(name)),
  );
  const { ports, routes } = proxied(service);
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
  };
  // Resources are not in configHash (they can change in place), but they are in the name, so a
  // container re-created for new limits never collides with the one it replaces.
  const configHash = hashOf(config);
  const nameHash = hashOf({ configHash, resources: service.resources }).slice(0, 8);
  return {
    name: `${project}-${service.name}-${replica}-${nameHash}`,
    project,
    site,
    service: service.name,
    replica,
    ...config,
    resources: service.resources,
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
