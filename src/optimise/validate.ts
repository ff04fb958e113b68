// Checks an OptimiseInput before it reaches the solver, reporting every problem with the site or service it is on.
import { InvalidInputError, type Issue } from '../lib/errors.js';
import type { OptimiseInput } from './types.js';

export function validateInput(input: OptimiseInput): void {
  const issues: Issue[] = [];
  const bad = (where: string, path: string, message: string, hint?: string): void => {
    issues.push({ where, path, message, ...(hint ? { hint } : {}) });
  };
  const siteNames = new Set<string>();
  for (const site of input.sites) {
    const where = `site ${site.name}`;
    if (siteNames.has(site.name)) bad(where, 'name', 'appears twice');
    siteNames.add(site.name);
    if (!(site.capacity.cpus > 0)) bad(where, 'capacity.cpus', `must be > 0, got ${site.capacity.cpus}`);
    if (!(site.capacity.memory > 0)) bad(where, 'capacity.memory', `must be > 0, got ${site.capacity.memory}`);
    for (const key of ['cpu', 'memory'] as const) {
      const pct = site.budgetPercent[key];
      if (!(pct > 0 && pct <= 100)) bad(where, `budget.${key}`, `must be a percent in (0, 100], got ${pct}`);
    }
    if (site.cost && (site.cost.perCpu < 0 || site.cost.perGB < 0)) bad(where, 'cost', 'prices must be >= 0');
  }
  if (input.sites.length === 0) bad('spec', 'sites', 'no sites to place services on');
  const serviceNames = new Set<string>();
  for (const svc of input.services) {
    const where = `service ${svc.name}`;
    if (serviceNames.has(svc.name)) bad(where, 'name', 'appears twice');
    serviceNames.add(svc.name);
    if (!Number.isInteger(svc.replicas) || svc.replicas < 1) bad(where, 'replicas', `must be a whole number >= 1, got ${svc.replicas}`);
    for (const key of ['cpus', 'memory'] as const) {
      if (!(svc.max[key] > 0)) bad(where, `max.${key}`, `must be > 0, got ${svc.max[key]}`);
      if (!(svc.min[key] >= 0)) bad(where, `min.${key}`, `must be >= 0, got ${svc.min[key]}`);
      if (svc.min[key] > svc.max[key]) bad(where, `min.${key}`, `is above max.${key} (${svc.min[key]} > ${svc.max[key]})`, `lower min.${key} or raise max.${key}`);
    }
    for (const name of svc.sites ?? []) {
      if (!siteNames.has(name)) bad(where, 'sites', `names unknown site ${name}`, `known sites: ${[...siteNames].join(', ')}`);
    }
  }
  if (issues.length > 0) throw new InvalidInputError(`the optimiser's input has ${issues.length} ${issues.length === 1 ? 'problem' : 'problems'}`, issues);
}
