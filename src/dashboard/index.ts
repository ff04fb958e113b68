// The web dashboard: static files served by the observer, and by an agent for its own site.
export { dashboardAsset, CSP } from './assets.js';
export type { Asset } from './assets.js';
