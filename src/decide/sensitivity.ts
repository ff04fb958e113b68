// For each criterion: the smallest change of its weight (the others rescaled to keep the sum 1) that changes the
// TOPSIS winner, found by scanning in steps of 0.001 and refining by bisection.
import { topsis, type CriterionKind } from './topsis.js';

export interface Flip {
  criterion: string;
  from: number;
  /** the weight at which the winner changes; undefined when no weight in [0, 1] changes it */
  to?: number;
  /** the option that wins from there */
  winner?: string;
}

const STEP = 0.001;

export function reweight(weights: readonly number[], j: number, wj: number): number[] {
  const rest = 1 - weights[j]!;
  return weights.map((w, i) => (i === j ? wj : rest === 0 ? (1 - wj) / (weights.length - 1) : (w * (1 - wj)) / rest));
}

export function sensitivity(options: readonly string[], criteria: readonly string[], matrix: readonly (readonly number[])[], weights: readonly number[], kinds: readonly CriterionKind[]): Flip[] {
  const winnerAt = (j: number, wj: number): number => topsis(matrix, reweight(weights, j, wj), kinds).ranking[0]!;
  const base = topsis(matrix, weights, kinds).ranking[0]!;
  return criteria.map((criterion, j) => {
    const from = weights[j]!;
    let found: { to: number; winner: number } | undefined;
    for (let d = STEP; d <= 1 && !found; d += STEP) {
      for (const wj of [from - d, from + d]) {
        if (wj < 0 || wj > 1 || found) continue;
        const w = winnerAt(j, wj);
        if (w !== base) found = refine(winnerAt, j, from, wj, base);
      }
    }
    return found ? { criterion, from, to: found.to, winner: options[found.winner]! } : { criterion, from };
  });
}

/** Bisection between a weight that keeps the winner and one that does not. */
function refine(winnerAt: (j: number, wj: number) => number, j: number, keep: number, flip: number, base: number): { to: number; winner: number } {
  let lo = keep;
  let hi = flip;
  for (let i = 0; i < 40; i++) {
    const mid = (lo + hi) / 2;
    if (winnerAt(j, mid) === base) lo = mid;
    else hi = mid;
  }
  return { to: hi, winner: winnerAt(j, hi) };
}
