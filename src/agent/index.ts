export { Agent } from './agent.js';
export type { AgentOptions } from './agent.js';
export { Reconciler } from './reconciler.js';
export { recoverJournal } from '../converge/recover.js';
export { parseDesired } from './api/_validate.js';
export { MAX_BODY } from './api/_http.js';
