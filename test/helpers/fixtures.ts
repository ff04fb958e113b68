// Plain-object builders for unit tests of the pure domain.
import type { ContainerSpec, ObservedContainer } from '../../src/domain/types.js';
import type { SiteProbe } from '../../src/probe/index.js';
import { parseSpec } from '../../src/spec/index.js';
import { formatIssue, InvalidInputError } from '../../src/lib/errors.js';

/** Every problem validation reports for a turtle.yaml text, formatted as the CLI prints them; [] when it is valid. */
export function specProblems(text: string, env: Record<string, string> = {}): string[] {
  try {
    parseSpec(text, 'turtle.yaml', env);
    return [];
  } catch (err) {
    if (!(err instanceof InvalidInputError)) throw err;
    return err.issues.map(formatIssue);
  }
}

export function desired(service: string, over: Partial<ContainerSpec> = {}): ContainerSpec {
  const replica = over.replica ?? 1;
  return {
    name: `p-${service}-${replica}-00000000`,
    project: 'p',
    site: 'dc1',
    service,
    replica,
    image: `${service}:1`,
    env: {},
    ports: [],
    mounts: [],
    restart: 'unless-stopped',
    labels: {},
    readOnly: false,
    capDrop: [],
    resources: {},
    priority: 'normal',
    dependsOn: {},
    running: true,
    cgroupParent: '/turtle/normal',
    configHash: `${service}-h1`,
    ...over,
  };
}

let ids = 0;
export function observed(service: string, over: Partial<ObservedContainer> = {}): ObservedContainer {
  const replica = over.replica ?? 1;
  return {
    id: `id-${service}-${replica}-${++ids}`,
    name: `p-${service}-${replica}-00000000`,
    project: 'p',
    site: 'dc1',
    service,
    replica,
    image: `${service}:1`,
    configHash: `${service}-h1`,
    resources: {},
    state: 'running',
    health: 'none',
    createdAt: '2026-01-01T00:00:00Z',
    ...over,
  };
}

const spread = (median: number) => ({ n: 3, min: median * 0.9, median, max: median * 1.1 });

/** A Docker site's probe whose engine holds `engineRssMb` MB: three samples, 10% either side of each median. */
export function sampleProbe(site: string, at: string, engineRssMb: number): SiteProbe {
  return {
    site, at,
    engine: { kind: 'docker', version: '20.10.24', apiVersion: '1.41', os: 'linux', arch: 'x86_64', endpoint: 'unix:///run/x.sock' },
    host: { cpus: 2, memoryBytes: 4e9 },
    daemons: [{ name: 'dockerd', pid: 10, rssBytes: engineRssMb * 1e6 }],
    daemonRssBytes: spread(engineRssMb * 1e6), startLatencyMs: spread(600), perContainerBytes: spread(13e6),
    nativeLoopCpuMs: spread(1000), containerLoopCpuMs: spread(1020), cpuOverheadPercent: 2,
    free: { cpus: 1.5, memoryBytes: 2e9 },
  };
}
