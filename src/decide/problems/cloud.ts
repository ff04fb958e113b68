// `turtle decide runtime --site dc3`: on Fly.io the machine is the runtime. Fly runs the image as a Firecracker
// microVM (a Fly Machine); the question is whether to run the observer directly or an engine inside it.
import type { SiteSpec } from '../../spec/types.js';
import type { Comparison } from '../ahp.js';
import { figure } from '../figures.js';
import type { Criterion, DecisionOption, DecisionProblem } from '../types.js';
import { figureSource, inputs, latestProbe, probeSource, round, type ProbeRef } from './_measured.js';
import type { ProblemHeader } from './runtime.js';

const MB = 1e6;

export const CLOUD_CRITERIA: Criterion[] = [
  { name: 'cost', kind: 'cost', unit: '$/month', description: 'the smallest Fly Machine the observer fits in, running all month' },
  { name: 'memory', kind: 'cost', unit: 'MB', description: 'what runs beside the observer inside the machine' },
  { name: 'operations', kind: 'benefit', unit: '1-5', description: 'deploys, restarts and health checks Fly does without extra parts' },
];

export const CLOUD_COMPARISONS: Comparison[] = [
  { a: 'cost', b: 'memory', value: 3, why: 'dc3 is paid per resource: memory matters through what it costs' },
  { a: 'cost', b: 'operations', value: 2, why: 'a read-only observer needs little operating, and is paid every month' },
  { a: 'operations', b: 'memory', value: 2, why: 'an engine inside a microVM is one more thing to keep running' },
];

function options(site: string): DecisionOption[] {
  return [
    {
      name: 'Fly Machine', description: 'the observer image runs as the Fly Machine itself: Fly\'s init is PID 1, no container engine inside',
      consequences: [`${site} has no container runtime to choose: Fly builds the image and runs it as a microVM`, 'turtle deploys the observer with Fly\'s API (or flyctl), not through ContainerRuntime', 'the observer fits the smallest machine (shared-cpu-1x, 256 MB)'],
      predictions: [{ id: 'observer-rss', metric: 'agent_rss_mb', site, op: '<=', value: 120, text: `observer RSS ≤ 120 MB on ${site} (fits a 256 MB machine)` }],
    },
    {
      name: 'Docker in a Machine', description: 'dockerd inside a Fly Machine, the observer as a container in it',
      consequences: ['needs a 512 MB machine and a privileged setup inside Firecracker'],
      predictions: [{ id: 'engine-rss', metric: 'engine_rss_mb.docker', site, op: '<=', value: 250, text: `dockerd + containerd RSS ≤ 250 MB on ${site}` }],
    },
    {
      name: 'Podman in a Machine', description: 'podman system service inside a Fly Machine, the observer as a container in it',
      consequences: ['a second layer of isolation with nothing to isolate from'],
      predictions: [{ id: 'engine-rss', metric: 'engine_rss_mb.podman', site, op: '<=', value: 80, text: `podman system service RSS ≤ 80 MB on ${site}` }],
    },
  ];
}

export function cloudRuntimeProblem(site: SiteSpec, probes: readonly ProbeRef[], header: ProblemHeader): DecisionProblem {
  const docker = latestProbe(probes, 'docker');
  const podman = latestProbe(probes, 'podman');
  const node = figure('node-idle-rss');
  const small = figure('fly-256mb');
  const large = figure('fly-512mb');
  const dockerMb = docker ? round(docker.probe.daemonRssBytes.median / MB) : figure('dockerd-rss').high + figure('containerd-rss').high;
  const podmanMb = podman ? round(podman.probe.daemonRssBytes.median / MB) : figure('podman-service-rss').high;
  const dockerSrc = docker ? probeSource(docker) : `${figureSource('dockerd-rss')}; ${figureSource('containerd-rss')}`;
  const podmanSrc = podman ? probeSource(podman) : figureSource('podman-service-rss');
  // a 256 MB machine keeps room for the kernel and the observer (Node, ~45 MB) only if nothing else is resident
  const fits = (mb: number) => (mb + node.high < 128 ? small : large);
  return {
    ...header,
    title: `Container runtime for ${site.name}`,
    context: [
      `${site.name} is the ${site.role} site on Fly.io. It runs only turtle's read-only observer and dashboard, and is paid per resource, so what runs beside the observer is paid for every month.`,
      'Fly runs every image as a Firecracker microVM (a Fly Machine); the choice is whether the observer is that image, or an engine inside it runs the observer.',
    ].join(' '),
    criteria: CLOUD_CRITERIA,
    comparisons: CLOUD_COMPARISONS,
    options: options(site.name),
    inputs: [
      ...inputs('Fly Machine', {
        cost: [small.high, `${figureSource('fly-256mb')}; the observer is a Node process (${figureSource('node-idle-rss')})`],
        memory: [0, 'nothing but the observer'],
        operations: [5, 'judgement: fly deploy builds, rolls and restarts the machine; Fly checks its health'],
      }),
      ...inputs('Docker in a Machine', {
        cost: [fits(dockerMb).high, `${dockerMb} MB of engine + the observer does not fit 256 MB with room: ${figureSource('fly-512mb')}`],
        memory: [dockerMb, dockerSrc],
        operations: [2, 'judgement: an engine to start, watch and upgrade inside the VM, and no Fly health checks on the container'],
      }),
      ...inputs('Podman in a Machine', {
        cost: [fits(podmanMb).high, `${podmanMb} MB of engine + the observer: ${fits(podmanMb) === small ? figureSource('fly-256mb') : figureSource('fly-512mb')}`],
        memory: [podmanMb, podmanSrc],
        operations: [2, 'judgement: same as Docker in a Machine'],
      }),
    ],
  };
}
