// The observer: a read-only twin of every site (replication, current view, alerts, the dashboard's server).
export { Observer, servingNames } from './observer.js';
export type { ObserverOptions, WatchedSite } from './observer.js';
export { ObserverStore } from './store.js';
export { readIdentity } from './reader.js';
export type { ObserverIdentity } from './reader.js';
export { buildSummary, siteView, drift, versionSkew, serviceStatus } from './summary.js';
export type { Summary, SiteView, ServiceView, Skew } from './summary.js';
export { conditions, AlertManager, DEFAULT_THRESHOLDS } from './alerts.js';
export type { AlertThresholds, Condition } from './alerts.js';
export { flyConfig } from './fly.js';
