// haproxy.cfg for a site: the admin socket, and a frontend and an empty backend per published port of
// each proxied service. Servers are never written here: turtle adds and removes them at run time.
import { isIP } from 'node:net';
import type { ProxyRoute } from '../../domain/types.js';
import { backendName } from '../names.js';

/** Inside the proxy container; the host's proxyDir() is mounted here. */
export const ADMIN_DIR = '/run/turtle-proxy';

export interface ProxiedService {
  service: string;
  routes: readonly ProxyRoute[];
}

export function haproxyConfig(services: readonly ProxiedService[]): string {
  const lines = [
    'global',
    `  stats socket ${ADMIN_DIR}/admin.sock mode 600 level admin`,
    '  stats timeout 10s',
    '  maxconn 4096',
    '',
    'defaults',
    '  timeout connect 3s',
    '  timeout client 60s',
    '  timeout server 60s',
    '  timeout http-request 10s',
    '  timeout http-keep-alive 10s',
    // a connection refused by a server that is going away is retried on another one
    '  retries 3',
    '  option redispatch 1',
  ];
  const sorted = [...services].sort((a, b) => a.service.localeCompare(b.service));
  for (const { service, routes } of sorted) {
    for (const route of [...routes].sort((a, b) => a.listen - b.listen)) {
      const name = backendName(service, route);
      // the spec and the agent's API both refuse anything but an IP; checked again where it becomes config
      if (route.hostIp && !isIP(route.hostIp)) throw new Error(`${service}: the proxy cannot bind to ${JSON.stringify(route.hostIp.slice(0, 60))}: not an IP address`);
      const bind = route.hostIp ? (route.hostIp.includes(':') ? `[${route.hostIp}]` : route.hostIp) : '0.0.0.0';
      lines.push(
        '',
        `frontend ${name}`,
        `  mode ${route.mode}`,
        `  bind ${bind}:${route.listen}`,
        `  default_backend ${name}`,
        '',
        `backend ${name}`,
        `  mode ${route.mode}`,
        '  balance roundrobin',
      );
    }
  }
  return `${lines.join('\n')}\n`;
}
