// optimise(input): build -> solve -> explain. The one entry point the CLI needs, plus the LP text for cross-checks.
import { TurtleError } from '../lib/errors.js';
import { findBinding } from './binding.js';
import { buildModel } from './build.js';
import { findConflict } from './conflict.js';
import { toLp } from './lp-format.js';
import { diffPlacements, extractPlacements, siteUsage } from './plan.js';
import { solveLp } from './solve.js';
import type { OptimiseInput, OptimiseResult, SolveOptions } from './types.js';
import { validateInput } from './validate.js';

export interface OptimiseOptions extends SolveOptions {
  /** find binding budgets and what relaxing them buys (one extra solve per binding budget); default true */
  explain?: boolean;
}

/** The model as CPLEX LP text, for `glpsol --lp` or any other solver. */
export function exportLp(input: OptimiseInput): string {
  validateInput(input);
  return toLp(buildModel(input), { comment: `turtle optimise: ${input.services.length} services x ${input.sites.length} sites` });
}

export async function optimise(input: OptimiseInput, options: OptimiseOptions = {}): Promise<OptimiseResult> {
  validateInput(input);
  const model = buildModel(input);
  const solved = await solveLp(toLp(model), options);
  if (solved.status === 'infeasible') {
    const conflict = await findConflict(input);
    return {
      status: 'infeasible', objective: Number.NaN, mipGap: Number.NaN, solveMs: solved.ms,
      placements: [], sites: [], changes: [], binding: [], ...(conflict ? { conflict } : {}),
    };
  }
  if (solved.values.size === 0) {
    throw new TurtleError(`HiGHS found no placement for ${input.services.length} services within ${options.timeLimit ?? 60} s`, {
      hint: 'raise the time limit, or export the model with exportLp() and try another solver',
    });
  }
  const placements = extractPlacements(model, solved.values);
  return {
    status: solved.status,
    objective: solved.objective,
    mipGap: solved.mipGap,
    solveMs: solved.ms,
    placements,
    sites: siteUsage(input, placements),
    changes: diffPlacements(input, placements),
    binding: options.explain === false ? [] : await findBinding(model, solved, options),
  };
}
