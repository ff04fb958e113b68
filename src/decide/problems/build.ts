// Which problem `turtle decide KIND --site NAME` poses, from the spec's sites and what the store has measured.
import type { SiteSpec } from '../../spec/types.js';
import type { Comparison } from '../ahp.js';
import type { DecisionProblem } from '../types.js';
import type { ProbeRef } from './_measured.js';
import { cloudRuntimeProblem } from './cloud.js';
import { orchestrationProblem, type AgentRss } from './orchestration.js';
import { runtimeProblem, type ProblemHeader } from './runtime.js';

export type DecisionKind = 'runtime' | 'orchestration';

export interface Evidence {
  probes: readonly ProbeRef[];
  agentRss: readonly AgentRss[];
}

/** `comparisons` replaces the built-in judgements (turtle decide --comparisons FILE). */
export function buildProblem(kind: DecisionKind, sites: readonly SiteSpec[], site: SiteSpec | undefined, evidence: Evidence, header: ProblemHeader, comparisons?: Comparison[]): DecisionProblem {
  const problem = kind === 'orchestration'
    ? orchestrationProblem(sites, evidence.probes, evidence.agentRss, header)
    : site!.role === 'observer'
      ? cloudRuntimeProblem(site!, evidence.probes, header)
      : runtimeProblem(site!, evidence.probes, header);
  return comparisons ? { ...problem, comparisons } : problem;
}
