// The site proxy: a small interface, HAProxy behind it, and the names both sides share.
export type { ProxyServer, ServerAddress, SiteProxy } from './types.js';
export { PROXY_SERVICE, backendName, serverName, isServerOf, proxyDir } from './names.js';
export { HaproxySiteProxy, haproxyConfig, withProxy, proxyContainer, PROXY_IMAGE, ADMIN_DIR, commands, parseServerStats } from './haproxy/index.js';

import { HaproxySiteProxy } from './haproxy/adapter.js';
import { proxyDir } from './names.js';
import type { SiteProxy } from './types.js';

/** The proxy of `project` on `site`, reached through its admin socket on this host. */
export function siteProxy(project: string, site: string): SiteProxy {
  return new HaproxySiteProxy(`${proxyDir(project, site)}/admin.sock`);
}
