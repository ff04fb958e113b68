// The site proxy as a container turtle runs like any other: HAProxy from the locally built image
// (scripts/proxy-image.sh) on the host's network, so it binds the published ports itself and reaches the
// containers at their bridge addresses. Its configuration travels in its environment, so it is part of
// the container's config hash, and the engine API is all it takes to run it.
import { cgroupParent } from '../../domain/cgroup.js';
import { hashOf } from '../../domain/hash.js';
import type { ContainerSpec } from '../../domain/types.js';
import { PROXY_SERVICE, proxyDir } from '../names.js';
import { ADMIN_DIR, haproxyConfig } from './config.js';

export const PROXY_IMAGE = 'turtle/haproxy:2.6';

const RUN = ['sh', '-c', `printf '%s\\n' "$TURTLE_HAPROXY_CFG" >/tmp/haproxy.cfg && exec haproxy -db -f /tmp/haproxy.cfg`];

/**
 * The site's containers plus its proxy when a service is proxied; each proxied container is launched
 * after the proxy (a `service_started` dependency), so the proxy is there to receive it.
 */
export function withProxy(containers: readonly ContainerSpec[]): ContainerSpec[] {
  const proxied = containers.filter((c) => c.routes !== undefined && c.routes.length > 0);
  const first = proxied[0];
  if (first === undefined) return [...containers];
  const services = [...new Map(proxied.map((c) => [c.service, { service: c.service, routes: c.routes ?? [] }])).values()];
  const proxy = proxyContainer(first.project, first.site, haproxyConfig(services));
  return [
    proxy,
    ...containers.map((c) => (c.routes?.length ? { ...c, dependsOn: { ...c.dependsOn, [PROXY_SERVICE]: 'service_started' as const } } : c)),
  ];
}

export function proxyContainer(project: string, site: string, config: string): ContainerSpec {
  const body = {
    image: PROXY_IMAGE,
    command: RUN,
    env: { TURTLE_HAPROXY_CFG: config },
    ports: [],
    mounts: [{ type: 'bind' as const, source: proxyDir(project, site), target: ADMIN_DIR, readOnly: false }],
    restart: 'unless-stopped' as const,
    labels: {},
    readOnly: false,
    capDrop: [],
    priority: 'critical' as const,
    cgroupParent: cgroupParent('critical'),
    network: 'host' as const,
  };
  const configHash = hashOf(body);
  return {
    name: `${project}-${PROXY_SERVICE}-1-${configHash.slice(0, 8)}`,
    project,
    site,
    service: PROXY_SERVICE,
    replica: 1,
    ...body,
    resources: {},
    dependsOn: {},
    // an update replaces it stop-first: the new one binds the same ports
    update: { order: 'stop-first' },
    running: true,
    configHash,
  };
}
