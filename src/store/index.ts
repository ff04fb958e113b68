export { Store } from './store.js';
export type { Deployment, Outcome, SiteRecord, StepRecord } from './deployments.js';
export type { TurtleEvent, NewEvent } from './events.js';
