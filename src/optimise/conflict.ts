// For a spec that cannot be satisfied: an irreducible set of conflicting constraint groups (a deletion filter, as
// for an IIS, but over the groups a user edits rather than single rows), then the set in plain words.
import { buildModel, spreadCap } from './build.js';
import { formatBytes, formatCpus, orList, trim } from './_format.js';
import { toLp } from './lp-format.js';
import { solveLp } from './solve.js';
import type { Conflict, OptimiseInput, OptimiseService, OptimiseSite } from './types.js';

// Groups tried first are dropped first when several conflicts overlap; budgets and replica counts go last so the
// explanation keeps what users most often change.
const DROP_ORDER = ['spread', 'role', 'allowed', 'min', 'budget-cpu', 'budget-memory', 'place'];

export async function feasible(input: OptimiseInput, omit: ReadonlySet<string>): Promise<boolean> {
  const lp = toLp(buildModel(input, { omit }), { feasibilityOnly: true });
  // a check that runs out of time counts as feasible: the group stays in the conflict rather than being dropped wrongly
  return (await solveLp(lp, { timeLimit: 10 })).status !== 'infeasible';
}

/**
 * undefined when the input is feasible. A deletion filter over groups, in chunks that halve each pass (as in
 * QuickXplain), so a conflict of k groups among n costs about 2k log2(n) feasibility solves rather than n.
 * The last pass tries every remaining group alone, which makes the result irreducible.
 */
export async function findConflict(input: OptimiseInput): Promise<Conflict | undefined> {
  if (await feasible(input, new Set())) return undefined;
  const kind = (g: string): number => DROP_ORDER.indexOf(g.split(':')[0]!);
  const groups = buildModel(input).groups.sort((a, b) => kind(a) - kind(b));
  const omit = new Set<string>();
  for (let size = 2 ** Math.floor(Math.log2(Math.max(1, groups.length / 2))); size >= 1; size = size / 2) {
    const left = groups.filter((g) => !omit.has(g));
    for (let i = 0; i < left.length; i += size) {
      const chunk = left.slice(i, i + size);
      chunk.forEach((g) => omit.add(g));
      if (await feasible(input, omit)) chunk.forEach((g) => omit.delete(g));
    }
  }
  const constraints = groups.filter((g) => !omit.has(g));
  const headline = headlineFor(input, constraints);
  return { constraints, ...(headline ? { headline } : {}), lines: constraints.map((g) => describe(input, g, constraints)) };
}

export function describe(input: OptimiseInput, group: string, conflict: readonly string[]): string {
  const [kind, name] = group.split(':') as [string, string];
  const svc = input.services.find((s) => s.name === name);
  const site = input.sites.find((s) => s.name === name);
  switch (kind) {
    case 'place':
      return `${name} must run ${svc!.replicas} ${svc!.replicas === 1 ? 'replica' : 'replicas'} (replicas: ${svc!.replicas})`;
    case 'allowed':
      return `${name} may run only on ${orList(svc!.sites ?? [])} (sites: [${(svc!.sites ?? []).join(', ')}])`;
    case 'min':
      return `${name} needs at least ${formatCpus(svc!.min.cpus)} and ${formatBytes(svc!.min.memory)} per replica`;
    case 'spread':
      return `${name}'s ${svc!.replicas} replicas must be spread out: at most ${spreadCap(input, svc!)} per site`;
    case 'role': {
      const others = placed(input, conflict).filter((s) => !s.observerClass).map((s) => s.name);
      const which = others.length === 0 ? '' : ` (${orList(others).replace(' or ', ' and ')} ${others.length === 1 ? 'is' : 'are'} not)`;
      return `${name} is an observer site and runs only observer-class services${which}`;
    }
    default:
      return describeBudget(site!, kind === 'budget-cpu' ? 'cpu' : 'memory');
  }
}

function describeBudget(site: OptimiseSite, resource: 'cpu' | 'memory'): string {
  const fmt = resource === 'cpu' ? formatCpus : formatBytes;
  const total = resource === 'cpu' ? site.capacity.cpus : site.capacity.memory;
  const pct = resource === 'cpu' ? site.budgetPercent.cpu : site.budgetPercent.memory;
  const pick = (a: { cpus: number; memory: number }): number => (resource === 'cpu' ? a.cpus : a.memory);
  const parts: string[] = [];
  if (pick(site.overhead.perContainer) > 0) parts.push(`${fmt(pick(site.overhead.perContainer))} per container`);
  if (pick(site.overhead.perSite) > 0) parts.push(`${fmt(pick(site.overhead.perSite))} once for the site`);
  const overhead = parts.length === 0 ? '' : `; ${site.runtime} takes ${parts.join(' and ')}`;
  return `${site.name}'s ${resource} budget is ${fmt((total * pct) / 100)} (${trim(pct, 2)}% of ${fmt(total)})${overhead}`;
}

/** "dc2's memory budget (51.2 MiB) cannot hold db's minimum 64 MiB plus podman's 13 MiB per-container overhead" */
function headlineFor(input: OptimiseInput, conflict: readonly string[]): string | undefined {
  const budgets = conflict.filter((g) => g.startsWith('budget-'));
  if (budgets.length !== 1 || conflict.some((g) => g.startsWith('spread:'))) return undefined;
  const [kind, siteName] = budgets[0]!.split(':') as [string, string];
  const site = input.sites.find((s) => s.name === siteName)!;
  const services = placed(input, conflict);
  if (services.length === 0 || !services.every((s) => pinnedTo(input, s, conflict) === siteName)) return undefined;
  const resource = kind === 'budget-cpu' ? 'cpu' : 'memory';
  const fmt = resource === 'cpu' ? formatCpus : formatBytes;
  const pick = (a: { cpus: number; memory: number }): number => (resource === 'cpu' ? a.cpus : a.memory);
  const times = (n: number, text: string): string => (n === 1 ? text : `${n} × ${text}`);
  const parts = services
    .filter((s) => conflict.includes(`min:${s.name}`) && pick(s.min) > 0)
    .map((s) => `${s.name}'s minimum ${times(s.replicas, fmt(pick(s.min)))}`);
  const containers = services.reduce((a, s) => a + s.replicas, 0);
  const per = pick(site.overhead.perContainer);
  if (per > 0) parts.push(`${site.runtime}'s ${times(containers, fmt(per))} per-container overhead`);
  if (pick(site.overhead.perSite) > 0) parts.push(`${site.runtime}'s ${fmt(pick(site.overhead.perSite))} for the site`);
  if (parts.length === 0) return undefined;
  const budget = (pick(site.capacity) * (resource === 'cpu' ? site.budgetPercent.cpu : site.budgetPercent.memory)) / 100;
  return `${site.name}'s ${resource} budget (${fmt(budget)}) cannot hold ${parts.join(' plus ')}`;
}

/** Services whose replica count is part of the conflict. */
function placed(input: OptimiseInput, conflict: readonly string[]): OptimiseService[] {
  return input.services.filter((s) => conflict.includes(`place:${s.name}`));
}

/** The one site a service can use under the conflict's own rules, or undefined when it has a choice. */
function pinnedTo(input: OptimiseInput, svc: OptimiseService, conflict: readonly string[]): string | undefined {
  const open = input.sites.filter((site) => {
    if (conflict.includes(`allowed:${svc.name}`) && !(svc.sites ?? []).includes(site.name)) return false;
    return !(conflict.includes(`role:${site.name}`) && !svc.observerClass);
  });
  return open.length === 1 ? open[0]!.name : undefined;
}
