// TOPSIS: rank options by closeness to the ideal option and distance from the anti-ideal, under given weights.

export type CriterionKind = 'benefit' | 'cost';

export interface TopsisResult {
  /** closeness in [0, 1] per option (1 = the ideal on every criterion), same order as the matrix rows */
  closeness: number[];
  /** option indices, best first */
  ranking: number[];
}

/** matrix[option][criterion]; vector normalisation, as in Hwang and Yoon (1981). */
export function topsis(matrix: readonly (readonly number[])[], weights: readonly number[], kinds: readonly CriterionKind[]): TopsisResult {
  const n = weights.length;
  const norms = Array.from({ length: n }, (_, j) => Math.sqrt(matrix.reduce((a, row) => a + row[j]! ** 2, 0)));
  const v = matrix.map((row) => row.map((x, j) => (norms[j] === 0 ? 0 : (x / norms[j]!) * weights[j]!)));
  const best = (j: number): number => (kinds[j] === 'benefit' ? Math.max : Math.min)(...v.map((row) => row[j]!));
  const worst = (j: number): number => (kinds[j] === 'benefit' ? Math.min : Math.max)(...v.map((row) => row[j]!));
  const ideal = Array.from({ length: n }, (_, j) => best(j));
  const anti = Array.from({ length: n }, (_, j) => worst(j));
  const dist = (row: number[], to: number[]): number => Math.sqrt(row.reduce((a, x, j) => a + (x - to[j]!) ** 2, 0));
  const closeness = v.map((row) => {
    const dPlus = dist(row, ideal);
    const dMinus = dist(row, anti);
    return dPlus + dMinus === 0 ? 0 : dMinus / (dPlus + dMinus);
  });
  // ties keep the input order, so the ranking is stable
  const ranking = closeness.map((_, i) => i).sort((a, b) => closeness[b]! - closeness[a]! || a - b);
  return { closeness, ranking };
}
