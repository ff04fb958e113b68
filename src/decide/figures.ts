// Documented figures with their sources: the inputs `turtle decide` uses for what does not run here to be probed.
// Figures marked `measured here` were taken on the build machine (Debian 12, Docker 20.10, Podman 4.3; see
// shared/ENVIRONMENT.md) and are replaced by `turtle probe` results when the store has them.

export interface Figure {
  id: string;
  subject: string;
  what: string;
  low: number;
  high: number;
  unit: 'MB' | 'GB' | 'cores' | '% of a core' | 's' | '$/month';
  source: string;
}

export const FIGURES: readonly Figure[] = [
  { id: 'k3s-agent-rss', subject: 'K3s agent', what: 'resident memory', low: 268, high: 275, unit: 'MB', source: 'K3s documentation, Resource Profiling (docs.k3s.io/reference/resource-profiling)' },
  { id: 'k3s-agent-cpu', subject: 'K3s agent', what: 'CPU when idle', low: 3, high: 10, unit: '% of a core', source: 'K3s documentation, Resource Profiling (docs.k3s.io/reference/resource-profiling)' },
  { id: 'k3s-server-rss', subject: 'K3s server', what: 'resident memory when idle', low: 500, high: 500, unit: 'MB', source: 'K3s documentation, Resource Profiling (docs.k3s.io/reference/resource-profiling)' },
  { id: 'balena-supervisor-rss', subject: 'balena-supervisor', what: 'resident memory (start; 32-bit ARM)', low: 128, high: 200, unit: 'MB', source: 'balena-io/balena-supervisor#690' },
  { id: 'portainer-agent-rss', subject: 'Portainer agent', what: 'resident memory (start, then grown)', low: 30, high: 150, unit: 'MB', source: 'portainer/portainer#2254' },
  { id: 'nomad-server-cpu', subject: 'Nomad server', what: 'recommended cores', low: 4, high: 8, unit: 'cores', source: 'Nomad documentation, production requirements (developer.hashicorp.com/nomad/docs/install/production/requirements)' },
  { id: 'nomad-server-memory', subject: 'Nomad server', what: 'recommended memory', low: 16, high: 32, unit: 'GB', source: 'Nomad documentation, production requirements (developer.hashicorp.com/nomad/docs/install/production/requirements)' },
  { id: 'dockerd-rss', subject: 'dockerd', what: 'resident memory, idle', low: 100, high: 100, unit: 'MB', source: 'measured here: Docker Engine 20.10 on Debian 12 (ENVIRONMENT.md)' },
  { id: 'containerd-rss', subject: 'containerd', what: 'resident memory, idle', low: 42, high: 42, unit: 'MB', source: 'measured here: containerd beside Docker Engine 20.10 (ENVIRONMENT.md)' },
  { id: 'podman-service-rss', subject: 'podman system service', what: 'resident memory, idle', low: 38, high: 38, unit: 'MB', source: 'measured here: Podman 4.3 (ENVIRONMENT.md)' },
  { id: 'containerd-shim-rss', subject: 'containerd shim', what: 'resident memory per container', low: 13, high: 13, unit: 'MB', source: 'measured here: containerd-shim-runc-v2 (ENVIRONMENT.md)' },
  { id: 'container-start', subject: 'Docker and Podman', what: 'container start latency', low: 0.5, high: 0.7, unit: 's', source: 'measured here: busybox image, Docker 20.10 and Podman 4.3 (ENVIRONMENT.md)' },
  { id: 'process-start', subject: 'a plain process', what: 'start latency (fork + exec of busybox true, median of 21)', low: 0.002, high: 0.007, unit: 's', source: 'measured here: Node 20 spawnSync of /bin/busybox true on 2026-11-26, 2.1 / 3.6 / 6.5 ms (min / median / max), host loaded' },
  { id: 'fly-256mb', subject: 'Fly Machine shared-cpu-1x, 256 MB', what: 'price when always running', low: 1.94, high: 1.94, unit: '$/month', source: 'fly.io/docs/about/pricing (2024 list price; memory comes in multiples of 256 MB: fly.io/docs/machines/guides-examples/machine-sizing)' },
  { id: 'fly-512mb', subject: 'Fly Machine shared-cpu-1x, 512 MB', what: 'price when always running', low: 3.19, high: 3.19, unit: '$/month', source: 'fly.io/docs/about/pricing (2024 list price; check the current page)' },
  { id: 'node-idle-rss', subject: 'Node 20', what: 'resident memory of an idle process (turtle agent floor)', low: 41, high: 45, unit: 'MB', source: 'measured here: Node 20.20, idle and HTTP server (ENVIRONMENT.md)' },
];

export function figure(id: string): Figure {
  const found = FIGURES.find((f) => f.id === id);
  if (!found) throw new Error(`no documented figure ${id}; known: ${FIGURES.map((f) => f.id).join(', ')}`);
  return found;
}

/** `268–275 MB` or `38 MB` */
export function formatFigure(f: Figure): string {
  return f.low === f.high ? `${f.low} ${f.unit}` : `${f.low}–${f.high} ${f.unit}`;
}
