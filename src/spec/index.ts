// turtle.yaml: schema, loading, validation with located errors, per-site overlays and the reference.
export { parseSpec, loadSpecFile } from './parse.js';
export { servicesForSite } from './place.js';
export { activeProfiles, withProfiles } from './_profiles.js';
export { specReference } from './reference.js';
export type { Spec, SiteSpec, ServiceSpec, SiteRole, DependencyCondition, RolloutPolicy, NetworkDef, ServiceNetworking } from './types.js';
export { rolloutPolicy, ROLLOUT_DEFAULTS } from './_rollout.js';
export type { Env } from './_interpolate.js';
