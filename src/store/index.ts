export { Store } from './store.js';
export type { Deployment, Outcome, SiteRecord, StepRecord } from './deployments.js';
export type { TurtleEvent, NewEvent } from './events.js';
export type { DesiredState, JournalEntry } from './agent-state.js';
export type { Release } from './releases.js';
export { probeObservations } from './probes.js';
export type { StoredObservation, StoredProbe } from './probes.js';
export type { StoredDecision } from './decisions.js';
