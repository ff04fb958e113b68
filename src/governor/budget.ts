// The site's budget for its governor: turtle.yaml's capacity and budget, as the CLI pushes them, on this host.
import type { SiteBudget } from '../domain/types.js';
import { defaultSettings, type GovernorSettings } from './controller.js';
import { gib } from './_words.js';

export interface BudgetDefaults {
  /** percent of the host's CPU and memory; default 10 and 10 */
  budget?: { cpu: number; memory: number };
  /** MemAvailable the host keeps; default 10% of its memory */
  floorBytes?: number;
}

type Host = { cpus: number; memTotalBytes: number };

/**
 * The governor's settings on this host: the site's budget from the desired state, else the agent's own.
 *
 * The percentages apply to the real host the governor acts on, not to the declared `capacity`: a
 * turtle.yaml that overstates the host (8 CPUs declared, 4 real) would otherwise let turtle take 20% of
 * it under a 10% budget, and "turtle never takes more than its budget of this host" must hold whatever
 * the file says. (A host larger than declared gets the same share, which still holds the services'
 * limits: validation checked them against the smaller declaration.) The floor is absolute as written
 * (bytes the host keeps available); unwritten, it is 10% of the real host's memory.
 */
export function budgetSettings(host: Host, site: SiteBudget | undefined, defaults: BudgetDefaults = {}): GovernorSettings {
  if (!site) return defaultSettings(host, defaults.budget, defaults.floorBytes);
  return defaultSettings(host, { cpu: site.budget.cpu, memory: site.budget.memory }, site.budget.floor);
}

/** The `governor.settings` event's message: the budget with its numbers, and where it comes from. */
export function describeBudget(s: GovernorSettings, site: SiteBudget | undefined): string {
  const cpuPct = round((s.budgetCores / s.cpus) * 100);
  const memPct = round((s.budgetMemoryBytes / s.memTotalBytes) * 100);
  const text = `governor budget ${cpuPct}% of CPU (${round(s.budgetCores)} of ${s.cpus} CPUs) and ${memPct}% of memory (${gib(s.budgetMemoryBytes)} of ${gib(s.memTotalBytes)}), floor ${gib(s.floorBytes)}`;
  if (!site) return `${text}: the agent's defaults (the desired state names no budget)`;
  const { cpus, memory } = site.capacity;
  const differs = cpus !== s.cpus || Math.abs(memory - s.memTotalBytes) > s.memTotalBytes * 0.1;
  return `${text}: from the desired state${differs ? `; turtle.yaml declares ${cpus} CPUs and ${gib(memory)}, and the percentages apply to this host` : ''}`;
}

/** The event's data: the same numbers, for machines. */
export function budgetData(s: GovernorSettings, site: SiteBudget | undefined): Record<string, unknown> {
  return { source: site ? 'desired' : 'defaults', budgetCores: s.budgetCores, budgetMemoryBytes: s.budgetMemoryBytes, floorBytes: s.floorBytes, cpus: s.cpus, memTotalBytes: s.memTotalBytes };
}

const round = (n: number) => Math.round(n * 100) / 100;
