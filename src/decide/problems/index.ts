// The decisions turtle knows how to pose: the container runtime of a site, and the orchestration across sites.
export { runtimeProblem, runtimeComparisons, isSmall, RUNTIME_CRITERIA } from './runtime.js';
export type { ProblemHeader } from './runtime.js';
export { cloudRuntimeProblem, CLOUD_CRITERIA, CLOUD_COMPARISONS } from './cloud.js';
export { orchestrationProblem, ORCHESTRATION_CRITERIA, ORCHESTRATION_COMPARISONS } from './orchestration.js';
export type { AgentRss } from './orchestration.js';
export { latestProbe } from './_measured.js';
export type { ProbeRef } from './_measured.js';
export { buildProblem } from './build.js';
export type { DecisionKind, Evidence } from './build.js';
