// decide(problem): AHP weights -> TOPSIS ranking -> sensitivity -> the decision record's content.
import { InvalidInputError, type Issue } from '../lib/errors.js';
import { ahp } from './ahp.js';
import { sensitivity } from './sensitivity.js';
import { topsis } from './topsis.js';
import type { DecisionProblem, DecisionRecord } from './types.js';

export function decide(problem: DecisionProblem): DecisionRecord {
  const criteria = problem.criteria.map((c) => c.name);
  const weights = ahp(criteria, problem.comparisons);
  const matrix = decisionMatrix(problem);
  const kinds = problem.criteria.map((c) => c.kind);
  const { closeness, ranking } = topsis(matrix, weights.weights, kinds);
  const names = problem.options.map((o) => o.name);
  const winner = problem.options[ranking[0]!]!;
  return {
    problem,
    ahp: weights,
    closeness,
    ranking: ranking.map((i) => names[i]!),
    winner: winner.name,
    sensitivity: sensitivity(names, criteria, matrix, weights.weights, kinds),
    consequences: winner.consequences,
    predictions: winner.predictions,
  };
}

/** matrix[option][criterion] from the inputs; every cell must be given exactly once. */
export function decisionMatrix(problem: DecisionProblem): number[][] {
  const issues: Issue[] = [];
  const matrix = problem.options.map((o) => problem.criteria.map((c) => {
    const found = problem.inputs.filter((i) => i.option === o.name && i.criterion === c.name);
    if (found.length !== 1) {
      issues.push({ where: `decision ${problem.number}`, path: `inputs.${o.name}.${c.name}`, message: found.length === 0 ? 'is missing' : `is given ${found.length} times` });
      return Number.NaN;
    }
    return found[0]!.value;
  }));
  if (issues.length > 0) throw new InvalidInputError(`decision ${problem.number} (${problem.title}) has ${issues.length} input problems`, issues, 'give each option one value per criterion, with its source');
  return matrix;
}
