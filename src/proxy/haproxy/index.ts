export { HaproxySiteProxy } from './adapter.js';
export { commands, CHECK } from './commands.js';
export { haproxyConfig, ADMIN_DIR, type ProxiedService } from './config.js';
export { withProxy, proxyContainer, PROXY_IMAGE } from './container.js';
export { parseServerStats } from './_stat.js';
