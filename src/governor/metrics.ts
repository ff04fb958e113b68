// The governor's state as Prometheus gauges, read at scrape time from its snapshot.
import { Gauge, type Registry } from 'prom-client';
import type { GovernorSnapshot } from './governor.js';

const MODES = ['relaxed', 'capped', 'paused'] as const;

export function registerGovernorMetrics(registry: Registry, snapshot: () => GovernorSnapshot | undefined): void {
  const gauge = (name: string, help: string, read: (s: GovernorSnapshot) => number | null) =>
    new Gauge({
      name, help, registers: [registry],
      collect() {
        const s = snapshot();
        const v = s ? read(s) : null;
        if (v !== null) this.set(v);
      },
    });
  new Gauge({
    name: 'turtle_governor_mode', help: 'The governor\'s mode: 1 for the current one (relaxed, capped, paused).', labelNames: ['mode'] as const, registers: [registry],
    collect() {
      const s = snapshot();
      if (s) for (const m of MODES) this.set({ mode: m }, s.mode === m ? 1 : 0);
    },
  });
  gauge('turtle_governor_host_cpu_cores', 'Busy cores of the whole host over the last sample.', (s) => s.host.cpuCores);
  gauge('turtle_governor_turtle_cpu_cores', 'Cores used by turtle\'s containers (the /turtle cgroup) over the last sample.', (s) => s.turtle.cpuCores);
  gauge('turtle_governor_host_memory_available_bytes', 'MemAvailable of the host.', (s) => s.host.memAvailableBytes);
  gauge('turtle_governor_turtle_memory_bytes', 'Working set of turtle\'s containers (the /turtle cgroup).', (s) => s.turtle.memoryBytes);
  gauge('turtle_governor_memory_floor_bytes', 'MemAvailable the host always keeps.', (s) => s.floorBytes);
  gauge('turtle_governor_cpu_cap_cores', 'CPU cap on /turtle in cores; -1 when none.', (s) => s.cpuCapCores ?? -1);
  gauge('turtle_governor_memory_limit_bytes', 'Memory limit on /turtle; -1 when none.', (s) => s.memoryLimitBytes ?? -1);
  gauge('turtle_governor_sample_seconds', 'Wall time one governor sample takes, averaged.', (s) => s.sampleCost.wallMs / 1000);
  gauge('turtle_governor_sample_cpu_seconds', 'CPU time one governor sample takes, averaged.', (s) => s.sampleCost.cpuMs / 1000);
}
