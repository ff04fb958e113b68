// A decision problem (what turtle decide is asked) and the record it produces (docs/decisions/NNNN-title.md).
import type { AhpResult, Comparison } from './ahp.js';
import type { Flip } from './sensitivity.js';
import type { CriterionKind } from './topsis.js';

export interface Criterion {
  name: string;
  kind: CriterionKind;
  unit: string;
  description: string;
}

/** One number for one option on one criterion, and where it came from (a probe, or a documented figure). */
export interface Input {
  option: string;
  criterion: string;
  value: number;
  source: string;
}

/** A claim the record makes that the store can later check: `agent_rss_bytes` on dc1 <= 60 MB. */
export interface Prediction {
  id: string;
  metric: string;
  site: string;
  op: '<=' | '>=';
  value: number;
  /** the claim in words, e.g. "agent RSS ≤ 60 MB on dc1" */
  text: string;
}

export interface DecisionOption {
  name: string;
  description: string;
  /** what choosing it means; written into the record when it wins */
  consequences: string[];
  /** what choosing it predicts; written into the record when it wins */
  predictions: Prediction[];
}

export interface DecisionProblem {
  /** record number, NNNN in docs/decisions/NNNN-title.md */
  number: number;
  title: string;
  /** ISO date */
  date: string;
  context: string;
  criteria: Criterion[];
  comparisons: Comparison[];
  options: DecisionOption[];
  inputs: Input[];
}

export interface DecisionRecord {
  problem: DecisionProblem;
  ahp: AhpResult;
  /** closeness per option, same order as problem.options */
  closeness: number[];
  /** option names, best first */
  ranking: string[];
  winner: string;
  sensitivity: Flip[];
  consequences: string[];
  predictions: Prediction[];
}
