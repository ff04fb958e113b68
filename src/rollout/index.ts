export { rollout, orderSites } from './rollout.js';
export type { DeployResult, RolloutOptions, RolloutTarget, SiteOutcome } from './rollout.js';
export { checkSlots, baselineOf } from './_bake.js';
export { releaseSpec } from './_previous.js';
