// Decisions: AHP weights, TOPSIS ranking, sensitivity, documented figures, decision records and their review.
export { ahp, pairwiseMatrix, RANDOM_INDEX, MAX_CONSISTENCY_RATIO } from './ahp.js';
export type { AhpResult, Comparison } from './ahp.js';
export { topsis } from './topsis.js';
export type { CriterionKind, TopsisResult } from './topsis.js';
export { sensitivity, reweight } from './sensitivity.js';
export type { Flip } from './sensitivity.js';
export { FIGURES, figure, formatFigure } from './figures.js';
export type { Figure } from './figures.js';
export { decide, decisionMatrix } from './decide.js';
export { renderDecisionRecord, recordFileName } from './record.js';
export { reviewPredictions, renderReview } from './review.js';
export type { Observation, PredictionReview, Verdict } from './review.js';
export type { Criterion, DecisionOption, DecisionProblem, DecisionRecord, Input, Prediction } from './types.js';
