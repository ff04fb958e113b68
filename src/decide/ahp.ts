// AHP: criteria weights from pairwise comparisons (principal eigenvector), with Saaty's consistency check.
import { InvalidInputError } from '../lib/errors.js';

/** `a` is `value` times as important as `b`, on Saaty's 1..9 scale (1/9..1 for less important). */
export interface Comparison {
  a: string;
  b: string;
  value: number;
  /** the reason for the judgement, printed in the decision record */
  why?: string;
}

export interface AhpResult {
  criteria: string[];
  /** sum to 1, same order as `criteria` */
  weights: number[];
  lambdaMax: number;
  consistencyIndex: number;
  /** CI / RI; 0 for two or fewer criteria, which cannot be inconsistent */
  consistencyRatio: number;
}

/** Saaty's random indices for n = 1..10 (mean CI of random reciprocal matrices). */
export const RANDOM_INDEX = [0, 0, 0.58, 0.9, 1.12, 1.24, 1.32, 1.41, 1.45, 1.49] as const;
export const MAX_CONSISTENCY_RATIO = 0.1;

export function pairwiseMatrix(criteria: readonly string[], comparisons: readonly Comparison[]): number[][] {
  const index = new Map(criteria.map((c, i) => [c, i]));
  const n = criteria.length;
  const m = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : Number.NaN)));
  for (const { a, b, value } of comparisons) {
    const i = index.get(a);
    const j = index.get(b);
    if (i === undefined || j === undefined) throw invalid(`comparison ${a} vs ${b} names an unknown criterion`, `criteria: ${criteria.join(', ')}`);
    if (!(value >= 1 / 9 && value <= 9)) throw invalid(`comparison ${a} vs ${b} = ${value} is outside Saaty's scale 1/9..9`);
    m[i]![j] = value;
    m[j]![i] = 1 / value;
  }
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      if (Number.isNaN(m[i]![j]!)) throw invalid(`comparison ${criteria[i]} vs ${criteria[j]} is missing`, 'AHP needs every pair compared once');
    }
  }
  return m;
}

/** Weights by power iteration (the matrix is positive, so it converges to the principal eigenvector). */
export function ahp(criteria: readonly string[], comparisons: readonly Comparison[]): AhpResult {
  const m = pairwiseMatrix(criteria, comparisons);
  const n = criteria.length;
  let w = Array.from({ length: n }, () => 1 / n);
  for (let iter = 0; iter < 1000; iter++) {
    const next = m.map((row) => row.reduce((a, x, j) => a + x * w[j]!, 0));
    const sum = next.reduce((a, x) => a + x, 0);
    const normal = next.map((x) => x / sum);
    const moved = normal.reduce((a, x, i) => Math.max(a, Math.abs(x - w[i]!)), 0);
    w = normal;
    if (moved < 1e-14) break;
  }
  const aw = m.map((row) => row.reduce((a, x, j) => a + x * w[j]!, 0));
  const lambdaMax = aw.reduce((a, x, i) => a + x / w[i]!, 0) / n;
  const ci = n <= 2 ? 0 : (lambdaMax - n) / (n - 1);
  const ri = RANDOM_INDEX[n - 1] ?? RANDOM_INDEX[RANDOM_INDEX.length - 1]!;
  const result = { criteria: [...criteria], weights: w, lambdaMax, consistencyIndex: ci, consistencyRatio: ri === 0 ? 0 : ci / ri };
  if (result.consistencyRatio > MAX_CONSISTENCY_RATIO) throw inconsistent(result, m);
  return result;
}

/** Names the comparison furthest from what the weights imply (largest |ln(a_ij w_j / w_i)|). */
function inconsistent(result: AhpResult, m: number[][]): InvalidInputError {
  const { criteria, weights } = result;
  let worst = { i: 0, j: 1, error: -1 };
  for (let i = 0; i < criteria.length; i++) {
    for (let j = i + 1; j < criteria.length; j++) {
      const error = Math.abs(Math.log((m[i]![j]! * weights[j]!) / weights[i]!));
      if (error > worst.error) worst = { i, j, error };
    }
  }
  const { i, j } = worst;
  const given = m[i]![j]!;
  const implied = weights[i]! / weights[j]!;
  return invalid(
    `the criteria comparisons are inconsistent: consistency ratio ${result.consistencyRatio.toFixed(3)} is above ${MAX_CONSISTENCY_RATIO}`,
    `${criteria[i]} vs ${criteria[j]} = ${ratio(given)} disagrees most with the others, which imply about ${ratio(implied)}; revise that comparison`,
  );
}

function ratio(x: number): string {
  return x >= 1 ? String(Number(x.toFixed(2))) : `1/${Number((1 / x).toFixed(2))}`;
}

function invalid(message: string, hint?: string): InvalidInputError {
  return new InvalidInputError(message, [{ where: 'decision', path: 'comparisons', message, ...(hint ? { hint } : {}) }], hint);
}
