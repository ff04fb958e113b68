// How a site agent runs the governor: its budget and floor, its containers by priority, its metrics.
import type { Registry } from 'prom-client';
import type { ContainerSpec, SiteBudget } from '../domain/types.js';
import type { ContainerRuntime } from '../runtime/types.js';
import type { NewEvent } from '../store/events.js';
import { budgetData, budgetSettings, describeBudget } from './budget.js';
import type { GovernorSettings } from './controller.js';
import { Governor } from './governor.js';
import { sampleHost } from './host.js';
import type { CgroupTree } from './_paths.js';
import { registerGovernorMetrics } from './metrics.js';

/** The budget and floor here apply until a desired state names the site's own (see budgetSettings). */
export interface AgentGovernorOptions {
  /** percent of the host's CPU and memory; default 10 and 10 */
  budget?: { cpu: number; memory: number };
  /** MemAvailable the host keeps; default 10% of its memory */
  floorBytes?: number;
  intervalMs?: number;
  /** false: kernel weights only */
  enabled?: boolean;
  /** turtle's cgroups on this host (default: cgroupfs layout under /sys/fs/cgroup) */
  tree?: CgroupTree;
}

export interface AgentParts {
  site: string;
  events: { append(e: NewEvent): unknown };
  registry: Registry;
  runtime: () => ContainerRuntime;
  desired: () => { project: string; containers: ContainerSpec[] } | undefined;
  /** the site's capacity and budget from the stored desired state, if the CLI pushed them */
  budget: () => SiteBudget | undefined;
  /** the governor paused, resumed or stopped containers */
  changed: () => void;
}

export function startGovernor(agent: AgentParts, opts: AgentGovernorOptions = {}): Governor | undefined {
  // TURTLE_GOVERNOR=off: kernel weights only (a test bed running many agents on one shared host)
  if (opts.enabled === false || process.env.TURTLE_GOVERNOR === 'off') return undefined;
  const site = agent.budget();
  const settings = budgetSettings(sampleHost(), site, opts);
  const governor = new Governor({
    site: agent.site,
    events: agent.events,
    settings,
    ...(opts.intervalMs ? { intervalMs: opts.intervalMs } : {}),
    ...(opts.tree ? { tree: opts.tree } : {}),
    runtime: agent.runtime,
    containers: async () => {
      const desired = agent.desired();
      if (!desired) return [];
      const priority = new Map(desired.containers.map((c) => [c.service, c.priority]));
      const mine = (await agent.runtime().list(desired.project)).filter((c) => c.site === agent.site);
      return mine.map((c) => ({ ...c, priority: priority.get(c.service) }));
    },
    onContainersChanged: agent.changed,
  });
  registerGovernorMetrics(agent.registry, () => governor.snapshot());
  if (site) announce(agent, settings, site);
  governor.start();
  return governor;
}

/** The desired state changed: its budget (or, without one, the agent's own) applies from the next tick. */
export function retuneGovernor(governor: Governor, agent: Pick<AgentParts, 'site' | 'events' | 'budget'>, opts: AgentGovernorOptions = {}): void {
  const site = agent.budget();
  const settings = budgetSettings(sampleHost(), site, opts);
  if (governor.setSettings(settings)) announce(agent, settings, site);
}

function announce(agent: Pick<AgentParts, 'site' | 'events'>, settings: GovernorSettings, site: SiteBudget | undefined): void {
  agent.events.append({ site: agent.site, type: 'governor.settings', message: describeBudget(settings, site), data: budgetData(settings, site) });
}
