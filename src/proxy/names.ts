// Names shared by the proxy's configuration and the executors that change it at run time.
import type { ProxyRoute } from '../domain/types.js';

/** The service name of a site's proxy container: a leading `_` is one no spec service can have. */
export const PROXY_SERVICE = '_proxy';

/** One backend (and frontend) per published port of a service. */
export function backendName(service: string, route: Pick<ProxyRoute, 'listen'>): string {
  return `${service}_${route.listen}`;
}

/** A server per container: its slot and id, so a server is found from the container alone. */
export function serverName(c: { service: string; replica: number; id: string }): string {
  return `${c.service}-${c.replica}-${c.id.slice(0, 12)}`;
}

export function isServerOf(name: string, c: { id: string }): boolean {
  return name.endsWith(`-${c.id.slice(0, 12)}`);
}

/** Where the proxy's admin socket lives on the site's host (`$TURTLE_PROXY_DIR`, default /run/turtle/proxy). */
export function proxyDir(project: string, site: string): string {
  return `${process.env.TURTLE_PROXY_DIR ?? '/run/turtle/proxy'}/${project}/${site}`;
}
