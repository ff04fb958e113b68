// How the CLI reaches a site: one SiteClient interface, over the site's engine or over its agent.
export type { ContainerUsage, HostStats, LabelledLine, LogRequest, LogSource, ServiceAction, SiteClient, SiteSample } from './types.js';
export { siteClient, type ClientOptions } from './connect.js';
export { EngineClient } from './engine.js';
export { AgentClient } from './agent.js';
export { defaultIdentityDir, identityDir, loadIdentity, type Identity } from './identity.js';
export { collectInOrder, compareLogTimes, followInOrder } from './merge-logs.js';
