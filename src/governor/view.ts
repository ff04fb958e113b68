// The governor's state for `turtle top`: as this host's kernel holds it (the /turtle cgroup's caps), or as a site's agent reports it.
import { existsSync } from 'node:fs';
import { CgroupActuator } from './actuators.js';
import { files, localTree } from './_paths.js';
import { gib } from './_words.js';
import type { GovernorSnapshot } from './governor.js';

export interface LocalGovernor {
  /** cores, or null: no cap, turtle uses whatever CPU is idle */
  cpuCapCores: number | null;
  memoryLimitBytes: number | null;
}

/** undefined when this host has no /turtle cgroup (turtle's containers run elsewhere). */
export function readLocalGovernor(root = '/sys/fs/cgroup'): LocalGovernor | undefined {
  const tree = localTree(root);
  if (!existsSync(files.cpuDir(tree))) return undefined;
  const { cpuQuota, memoryLimitBytes } = new CgroupActuator(tree).read();
  const [quota, period] = tree.version === 1 ? [cpuQuota, '100000'] : cpuQuota.split(' ');
  const cores = quota === undefined || quota === '-1' || quota === 'max' || quota === '' ? null : Number(quota) / Number(period ?? 100000);
  return { cpuCapCores: cores, memoryLimitBytes };
}

export function describeLocalGovernor(g: LocalGovernor): string {
  const cpu = g.cpuCapCores === null ? 'no CPU cap (turtle uses idle CPU; the host wins by weight)' : `capped at ${Math.round(g.cpuCapCores * 100) / 100} CPUs (the host is busy)`;
  return `${cpu}, memory ${g.memoryLimitBytes === null ? 'unlimited' : `limited to ${gib(g.memoryLimitBytes)}`}`;
}

/** An agent's governor (GET /v1/governor): its mode and caps as above, then the budget it keeps to. */
export function describeAgentGovernor(g: GovernorSnapshot | undefined): string {
  if (!g) return 'off: kernel weights only';
  const cores = Math.round(g.budget.cpuCores * 100) / 100;
  const budget = `budget ${cores} CPU${cores === 1 ? '' : 's'} and ${gib(g.budget.memoryBytes)}, floor ${gib(g.floorBytes)}`;
  const observing = g.acting ? '' : " (observing: another agent's governor acts on this host)";
  return `${g.mode}: ${describeLocalGovernor(g)}; ${budget}${observing}`;
}
