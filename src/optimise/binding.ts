// Which budgets bind in a solved plan and what relaxing each buys: the shadow price from the LP with placement
// fixed (the marginal value, for the limits only) and a measured re-solve of the whole MIP with the budget 10% larger
// (which may also move services, so it can buy more than the shadow price suggests).
import { buildModel, MIB, siteBudget, type OptimiseModel } from './build.js';
import { toLp } from './lp-format.js';
import { solveLp, type LpSolution } from './solve.js';
import type { Binding, SolveOptions } from './types.js';

const RELAX_FRACTION = 0.1;

export async function findBinding(model: OptimiseModel, solved: LpSolution, options: SolveOptions = {}): Promise<Binding[]> {
  const value = (v: number): number => solved.values.get(model.vars[v]!.name) ?? 0;
  const binding = model.rows.filter((row) => row.group.startsWith('budget-')).filter((row) => {
    const activity = row.terms.reduce((a, [v, c]) => a + c * value(v), 0);
    return row.rhs - activity <= 1e-6 * Math.max(1, row.rhs);
  });
  if (binding.length === 0) return [];
  const duals = await fixedPlacementDuals(model, value);
  const out: Binding[] = [];
  for (const row of binding) {
    const [kind, siteName] = row.group.split(':') as [string, string];
    const site = model.input.sites.find((s) => s.name === siteName)!;
    const resource = kind === 'budget-cpu' ? 'cpu' : 'memory';
    const budget = siteBudget(site);
    const step = (resource === 'cpu' ? budget.cpus : budget.memoryMiB) * RELAX_FRACTION;
    const relaxed = buildModel(model.input, { relax: new Map([[row.group, step]]) });
    const again = await solveLp(toLp(relaxed), options);
    out.push({
      constraint: row.group,
      site: site.name,
      resource,
      budget: resource === 'cpu' ? budget.cpus : budget.memoryMiB * MIB,
      shadowPrice: duals.get(row.name) ?? 0,
      relaxBy: resource === 'cpu' ? step : step * MIB,
      gain: again.status === 'infeasible' ? 0 : again.objective - solved.objective,
    });
  }
  return out;
}

async function fixedPlacementDuals(model: OptimiseModel, value: (v: number) => number): Promise<Map<string, number>> {
  const fix = new Map<number, number>();
  model.vars.forEach((v, i) => {
    if (v.integer) fix.set(i, Math.round(value(i)));
  });
  const lp = await solveLp(toLp(model, { fix, relaxIntegrality: true }));
  return lp.duals;
}
