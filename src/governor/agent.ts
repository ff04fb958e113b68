// How a site agent runs the governor: its budget and floor, its containers by priority, its metrics.
import type { Registry } from 'prom-client';
import type { ContainerSpec } from '../domain/types.js';
import type { ContainerRuntime } from '../runtime/types.js';
import type { NewEvent } from '../store/events.js';
import { defaultSettings } from './controller.js';
import { Governor } from './governor.js';
import { sampleHost } from './host.js';
import { registerGovernorMetrics } from './metrics.js';

export interface AgentGovernorOptions {
  /** percent of the host's CPU and memory (the site's `budget`); default 10 and 10 */
  budget?: { cpu: number; memory: number };
  /** MemAvailable the host keeps (the site's `budget.floor`); default 10% of its memory */
  floorBytes?: number;
  intervalMs?: number;
  /** false: kernel weights only */
  enabled?: boolean;
}

export interface AgentParts {
  site: string;
  events: { append(e: NewEvent): unknown };
  registry: Registry;
  runtime: () => ContainerRuntime;
  desired: () => { project: string; containers: ContainerSpec[] } | undefined;
  /** the governor paused, resumed or stopped containers */
  changed: () => void;
}

export function startGovernor(agent: AgentParts, opts: AgentGovernorOptions = {}): Governor | undefined {
  // TURTLE_GOVERNOR=off: kernel weights only (a test bed running many agents on one shared host)
  if (opts.enabled === false || process.env.TURTLE_GOVERNOR === 'off') return undefined;
  const host = sampleHost();
  const governor = new Governor({
    site: agent.site,
    events: agent.events,
    settings: defaultSettings(host, opts.budget, opts.floorBytes),
    ...(opts.intervalMs ? { intervalMs: opts.intervalMs } : {}),
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
  governor.start();
  return governor;
}
