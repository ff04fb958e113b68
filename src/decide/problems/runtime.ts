// `turtle decide runtime --site NAME`: Docker, Podman, containerd or plain processes for one edge site.
// Engines that run here are measured (the newest probe of each kind); the rest come from documented figures.
import type { SiteSpec } from '../../spec/types.js';
import type { Comparison } from '../ahp.js';
import type { Criterion, DecisionOption, DecisionProblem, Input, Prediction } from '../types.js';
import { figure } from '../figures.js';
import { figureSource, inputs, latestProbe, loadNote, mbRange, probeSource, round, type ProbeRef } from './_measured.js';

const MB = 1e6;

export interface ProblemHeader {
  number: number;
  /** ISO date */
  date: string;
}

export const RUNTIME_CRITERIA: Criterion[] = [
  { name: 'memory', kind: 'cost', unit: 'MB', description: 'resident memory of the engine plus its per-container helpers for the containers the site runs' },
  { name: 'start', kind: 'cost', unit: 's', description: 'create + start latency of one container' },
  { name: 'cpu', kind: 'cost', unit: '% of native', description: 'CPU time of the same busy loop, native = 100' },
  { name: 'limits', kind: 'benefit', unit: '1-5', description: 'CPU and memory limits turtle can set and change, so the site stays a good citizen' },
  { name: 'support', kind: 'benefit', unit: '1-5', description: 'what turtle already drives and tests' },
  { name: 'availability', kind: 'benefit', unit: '1-5', description: 'how readily the site gets it (package, flash, upkeep)' },
];

/** A small router (good-citizen memory budget under 200 MB) weighs memory far above everything else. */
export function isSmall(site: SiteSpec): boolean {
  return (site.capacity.memory * site.budget.memory) / 100 < 200 * MB;
}

const c = (a: string, b: string, value: number, why: string): Comparison => ({ a, b, value, why });

/** The judgements behind the weights, each with its reason. Checked by AHP (consistency ratio ≤ 0.1). */
export function runtimeComparisons(small: boolean): Comparison[] {
  const memory = small ? 'the engine must fit a budget of about 100 MB (1 GB router, 10%)' : 'the budget is about 400 MB (4 GB router, 10%), so memory matters but is not scarce';
  return [
    c('memory', 'start', small ? 7 : 4, `${memory}; a start is paid once per deploy`),
    c('memory', 'cpu', small ? 5 : 3, `${memory}; measured CPU differences are within a few percent`),
    c('memory', 'limits', small ? 2 : 1 / 2, small ? 'on a small router an engine that does not fit is worse than weaker limits' : 'limits are how turtle keeps to the budget at all'),
    c('memory', 'support', small ? 2 : 1 / 2, small ? 'an adapter can be written once; memory is paid forever' : 'an engine turtle cannot drive must first be built and tested'),
    c('memory', 'availability', small ? 3 : 1, small ? 'a package can be installed; memory cannot be added to a router' : 'equally important on a router that ships with Docker'),
    c('limits', 'start', small ? 4 : 5, 'a slow start delays a deploy; a missing limit lets a service starve the router'),
    c('limits', 'cpu', small ? 3 : 4, 'limits protect the host; a few percent of CPU overhead does not threaten it'),
    c('support', 'limits', 1, 'both are needed before turtle can run anything there'),
    c('support', 'availability', small ? 2 : 2, 'turtle must drive it; installing a package is a one-off'),
    c('limits', 'availability', 2, 'limits are needed on every deploy; installing is a one-off'),
    c('support', 'start', small ? 4 : 5, 'same reason as limits vs start'),
    c('support', 'cpu', small ? 3 : 4, 'same reason as limits vs cpu'),
    c('availability', 'start', small ? 2 : 3, 'a runtime that is hard to get costs more than a slow start'),
    c('availability', 'cpu', small ? 1 : 2, 'both are modest differences between the options'),
    c('cpu', 'start', 1, 'both are small next to the rest'),
  ];
}

const prediction = (site: string, id: string, metric: string, op: '<=' | '>=', value: number, text: string): Prediction => ({ id, metric, site, op, value, text });

function options(site: SiteSpec): DecisionOption[] {
  const n = site.name;
  return [
    {
      name: 'docker', description: 'Docker Engine: dockerd and containerd resident, one containerd shim per container',
      consequences: [`${n} keeps dockerd and containerd resident, inside the good-citizen budget`, 'limits change in place (docker update); turtle drives it through the Docker API it already tests'],
      predictions: [
        prediction(n, 'engine-rss', 'engine_rss_mb.docker', '<=', 250, `dockerd + containerd RSS ≤ 250 MB on ${n}`),
        prediction(n, 'per-container', 'per_container_mb.docker', '<=', 20, `each container costs ≤ 20 MB outside itself (shim) on ${n}`),
        prediction(n, 'cpu-overhead', 'cpu_overhead_percent.docker', '<=', 5, `a container's CPU time is within 5% of native on ${n}`),
      ],
    },
    {
      name: 'podman', description: "Podman: turtle talks to `podman system service`; one conmon per container, no other daemon",
      consequences: [`${n} runs podman system service and one conmon per container`, 'limits cannot change in place on Podman 4.3 (podman#22322): turtle replaces the container instead', 'health checks run by turtle, since Podman schedules them as systemd timers'],
      predictions: [
        prediction(n, 'engine-rss', 'engine_rss_mb.podman', '<=', 80, `podman system service RSS ≤ 80 MB on ${n}`),
        prediction(n, 'per-container', 'per_container_mb.podman', '<=', 5, `each container costs ≤ 5 MB outside itself (conmon) on ${n}`),
        prediction(n, 'cpu-overhead', 'cpu_overhead_percent.podman', '<=', 5, `a container's CPU time is within 5% of native on ${n}`),
      ],
    },
    {
      name: 'containerd', description: 'containerd alone (as under Docker), driven through its gRPC API',
      consequences: ['turtle needs a new runtime adapter for containerd (gRPC), with its own contract suite'],
      predictions: [prediction(n, 'engine-rss', 'engine_rss_mb.containerd', '<=', 80, `containerd RSS ≤ 80 MB on ${n}`)],
    },
    {
      name: 'none', description: "plain processes under the site's init (procd on OpenWrt), no container engine",
      consequences: ['turtle needs a process runtime (procd services), and images become plain binaries', 'only rlimits, unless cgroups are set up by hand'],
      predictions: [prediction(n, 'per-container', 'per_container_mb.none', '<=', 1, `a service costs ≤ 1 MB outside itself on ${n}`)],
    },
  ];
}

/** Judgements of limits, support and availability, with reasons; availability depends on the kind of site. */
function judgements(site: SiteSpec): Input[] {
  const openwrt = isSmall(site) || site.runtime === 'podman';
  const j = (option: string, limits: [number, string], support: [number, string], availability: [number, string]) =>
    inputs(option, { limits: [limits[0], `judgement: ${limits[1]}`], support: [support[0], `judgement: ${support[1]}`], availability: [availability[0], `judgement: ${availability[1]}`] });
  return [
    ...j('docker', [5, 'cgroup CPU and memory limits, changed in place with docker update (tested in turtle)'], [5, 'turtle drives it and runs its contract suite on it'],
      openwrt ? [2, 'OpenWrt packages dockerd, but with containerd and runc it is tens of MB of flash a small router lacks'] : [5, 'the site already runs Docker']),
    ...j('podman', [4, 'the same cgroup limits, but a change needs a new container on 4.3 (podman#22322)'], [5, 'turtle drives it and runs its contract suite on it'],
      openwrt ? [4, 'OpenWrt packages podman, conmon and crun'] : [3, 'installable, but not what the router ships with']),
    ...j('containerd', [4, 'cgroup limits through runc'], [1, 'no adapter: containerd speaks gRPC, not the Docker API'],
      openwrt ? [2, 'packaged only as part of Docker on OpenWrt'] : [4, 'present, as part of Docker']),
    ...j('none', [2, 'rlimits through procd; cgroup limits need ujail or hand-made cgroups'], [2, '`native` is reserved in the schema, not built'],
      [5, 'every site can run a process']),
  ];
}

export function runtimeProblem(site: SiteSpec, probes: readonly ProbeRef[], header: ProblemHeader): DecisionProblem {
  const small = isSmall(site);
  const containers = small ? 4 : 10;
  const docker = latestProbe(probes, 'docker', site.name);
  const podman = latestProbe(probes, 'podman', site.name);
  const measured: Input[] = [];
  // memory for the engine and `containers` containers; CPU as % of native; start in seconds
  const memory = (daemonMb: number, perMb: number) => round(daemonMb + containers * perMb);
  if (docker) {
    const p = docker.probe;
    const containerd = p.daemons.find((d) => d.name === 'containerd');
    measured.push(...inputs('docker', {
      memory: [memory(p.daemonRssBytes.median / MB, p.perContainerBytes.median / MB), `${probeSource(docker)}: daemons ${mbRange(p.daemonRssBytes)} + ${containers} × shim ${(p.perContainerBytes.median / MB).toFixed(1)} MB`],
      start: [round(p.startLatencyMs.median / 1000, 3), `${probeSource(docker)}, ${p.startLatencyMs.min.toFixed(0)}–${p.startLatencyMs.max.toFixed(0)} ms`],
      cpu: [round(100 + Math.max(0, p.cpuOverheadPercent)), `${probeSource(docker)}: ${p.cpuOverheadPercent.toFixed(1)}% over native (CPU time; a negative overhead counts as 0)`],
    }));
    if (containerd) {
      measured.push(...inputs('containerd', {
        memory: [memory(containerd.rssBytes / MB, p.perContainerBytes.median / MB), `${probeSource(docker)}: the containerd process under dockerd ${(containerd.rssBytes / MB).toFixed(1)} MB + ${containers} × shim`],
        start: [round(p.startLatencyMs.median / 1000, 3), `${probeSource(docker)}: Docker's start, an upper bound for containerd alone`],
        cpu: [round(100 + Math.max(0, p.cpuOverheadPercent)), `${probeSource(docker)}: the same runc containers as Docker`],
      }));
    }
  }
  if (podman) {
    const p = podman.probe;
    measured.push(...inputs('podman', {
      memory: [memory(p.daemonRssBytes.median / MB, p.perContainerBytes.median / MB), `${probeSource(podman)}: service ${mbRange(p.daemonRssBytes)} + ${containers} × conmon ${(p.perContainerBytes.median / MB).toFixed(1)} MB`],
      start: [round(p.startLatencyMs.median / 1000, 3), `${probeSource(podman)}, ${p.startLatencyMs.min.toFixed(0)}–${p.startLatencyMs.max.toFixed(0)} ms`],
      cpu: [round(100 + Math.max(0, p.cpuOverheadPercent)), `${probeSource(podman)}: ${p.cpuOverheadPercent.toFixed(1)}% over native (CPU time; a negative overhead counts as 0)`],
    }));
  }
  const has = (option: string) => measured.some((i) => i.option === option);
  const start = figure('container-start');
  const fromFigures: Input[] = [
    ...(has('docker') ? [] : inputs('docker', {
      memory: [memory(figure('dockerd-rss').high + figure('containerd-rss').high, figure('containerd-shim-rss').high), `${figureSource('dockerd-rss')}; ${figureSource('containerd-rss')}; ${containers} × ${figureSource('containerd-shim-rss')}`],
      start: [start.high, figureSource('container-start')],
      cpu: [100, 'ENVIRONMENT.md: a CPU-bound loop in a container ran as fast as natively (within noise)'],
    })),
    ...(has('podman') ? [] : inputs('podman', {
      memory: [memory(figure('podman-service-rss').high, figure('containerd-shim-rss').high), `${figureSource('podman-service-rss')}; ${containers} × conmon, taken as a shim (${figureSource('containerd-shim-rss')})`],
      start: [start.high, figureSource('container-start')],
      cpu: [100, 'ENVIRONMENT.md: a CPU-bound loop in a container ran as fast as natively (within noise)'],
    })),
    ...(has('containerd') ? [] : inputs('containerd', {
      memory: [memory(figure('containerd-rss').high, figure('containerd-shim-rss').high), `${figureSource('containerd-rss')}; ${containers} × ${figureSource('containerd-shim-rss')}`],
      start: [start.high, figureSource('container-start')],
      cpu: [100, 'the same runc containers as Docker (ENVIRONMENT.md)'],
    })),
    ...inputs('none', {
      memory: [0, 'no engine: procd (or systemd) is the init and runs anyway'],
      start: [figure('process-start').high, figureSource('process-start')],
      cpu: [100, 'native by definition'],
    }),
  ];
  const engine = site.runtime;
  return {
    ...header,
    title: `Container runtime for ${site.name}`,
    context: [
      `${site.name} is an edge site with ${site.capacity.cpus} cores and ${(site.capacity.memory / 2 ** 20).toFixed(0)} MiB; turtle's services may use ${site.budget.cpu}% of its CPU and ${site.budget.memory}% of its memory (${((site.capacity.memory * site.budget.memory) / 100 / 2 ** 20).toFixed(0)} MiB), and the engine is paid from the same host.`,
      `turtle.yaml declares runtime \`${engine}\` for it today. Memory is counted for the engine plus ${containers} containers (${small ? 'a small router' : 'a router with room for a few services'}).`,
      small ? 'The weights treat it as a small router: memory first.' : 'The weights treat it as a router with room: limits and support first, memory next.',
      'Measured figures come from `turtle probe` on the engines this machine runs; where a probe ran on another site than this one, its site is named in the source.',
      loadNote([docker, podman]),
    ].filter(Boolean).join(' '),
    criteria: RUNTIME_CRITERIA,
    comparisons: runtimeComparisons(small),
    options: options(site),
    inputs: [...measured, ...fromFigures, ...judgements(site)],
  };
}
