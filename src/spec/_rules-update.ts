// Rules for `proxy` and `update`: a proxy needs a host port to serve; start-first needs the proxy when
// the service publishes a host port (the old and the new container cannot both bind it).
import type { Spec } from './types.js';
import type { Problem } from './_problems.js';

export function checkUpdates(spec: Spec, problems: Problem[]): void {
  for (const service of Object.values(spec.services)) {
    const hostPorts = service.ports.filter((p) => p.host !== undefined);
    if (service.proxy !== undefined && !hostPorts.some((p) => p.protocol === 'tcp')) {
      problems.push({
        path: ['services', service.name, 'proxy'],
        message: `${service.name} has \`proxy: ${service.proxy}\` but publishes no host TCP port for the proxy to serve`,
        hint: 'publish one, e.g. ports: ["8080:80"], or remove proxy',
      });
    }
    if (service.proxy === undefined && service.update?.order === 'start-first' && hostPorts.length > 0) {
      problems.push({
        path: ['services', service.name, 'update', 'order'],
        message: `${service.name} publishes host port ${hostPorts[0]?.host}, so an old and a new container cannot run side by side: start-first needs the proxy`,
        hint: 'add `proxy: http` to the service, so the site proxy serves its ports; or use order: stop-first',
      });
    }
  }
}
