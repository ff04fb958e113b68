// `turtle decide orchestration`: turtle's own agents, Docker Swarm, K3s or Nomad, for all three kinds of site.
// Memory is counted on the smallest edge site (it decides whether the orchestrator fits at all).
import type { SiteSpec } from '../../spec/types.js';
import type { Comparison } from '../ahp.js';
import { figure } from '../figures.js';
import type { Criterion, DecisionOption, DecisionProblem, Input } from '../types.js';
import { figureSource, inputs, latestProbe, probeSource, round, type ProbeRef } from './_measured.js';
import type { ProblemHeader } from './runtime.js';

const MB = 1e6;

/** An observation of turtle's own agent, when the agent has written any. */
export interface AgentRss {
  site: string;
  valueMb: number;
  at: string;
}

export const ORCHESTRATION_CRITERIA: Criterion[] = [
  { name: 'edge memory', kind: 'cost', unit: 'MB', description: 'what the orchestrator adds on the smallest edge site, beyond its container runtime' },
  { name: 'control plane', kind: 'cost', unit: 'MB', description: 'memory for the servers or managers it needs somewhere' },
  { name: 'every site', kind: 'benefit', unit: '1-5', description: 'runs on Docker, Podman/procd (OpenWrt) and beside a cloud observer' },
  { name: 'WAN', kind: 'benefit', unit: '1-5', description: 'keeps working when the links between sites are slow or cut' },
  { name: 'recovery', kind: 'benefit', unit: '1-5', description: 'restarts on unhealthy, all-site rollback without manual steps' },
];

const c = (a: string, b: string, value: number, why: string): Comparison => ({ a, b, value, why });

export const ORCHESTRATION_COMPARISONS: Comparison[] = [
  c('edge memory', 'control plane', 2, 'the edge routers are the constrained machines; a control plane can live where there is room (or cost money there)'),
  c('edge memory', 'every site', 1, 'an orchestrator that does not fit dc2, or cannot run there, fails the same way'),
  c('edge memory', 'WAN', 2, 'the sites are joined over home and cloud links: outages happen, but memory is paid all the time'),
  c('edge memory', 'recovery', 2, 'recovery can be added around an orchestrator; memory cannot be taken back'),
  c('every site', 'control plane', 2, 'same reason as edge memory vs control plane'),
  c('WAN', 'control plane', 1, 'both decide whether the system keeps running: a lost link and an unaffordable server'),
  c('every site', 'WAN', 2, 'a site the orchestrator cannot run on is lost for good; a cut link is lost for a while'),
  c('every site', 'recovery', 2, 'same reason as edge memory vs recovery'),
  c('WAN', 'recovery', 1, 'both are about staying up'),
  c('recovery', 'control plane', 1, 'both matter less than fitting the routers'),
];

function options(): DecisionOption[] {
  const rss = (site: string) => ({ id: `agent-rss-${site}`, metric: 'agent_rss_mb', site, op: '<=' as const, value: 60, text: `agent RSS ≤ 60 MB on ${site}` });
  return [
    {
      name: 'turtle agents', description: "turtle's own agent per site (Node), converging alone from the spec the CLI pushes; the observer on Fly reads only",
      consequences: ['no cluster membership: each site converges on its own and keeps running when links are cut', 'turtle must build and keep the agent, health checks and rollback itself', 'dc3 (Fly) runs only the read-only observer'],
      predictions: [rss('dc1'), rss('dc2')],
    },
    {
      name: 'Docker Swarm', description: 'Swarm mode built into dockerd: a manager (raft) and workers, services with rolling updates',
      consequences: ['every site runs Docker, dc2 included', 'managers need quorum over the WAN links'],
      predictions: [{ id: 'engine-rss-dc2', metric: 'engine_rss_mb.docker', site: 'dc2', op: '<=', value: 250, text: 'dockerd + containerd RSS ≤ 250 MB on dc2' }],
    },
    {
      name: 'K3s', description: 'K3s: a server (API, datastore) and an agent per node with its own containerd',
      consequences: ['every edge site runs a K3s agent; a K3s server runs somewhere'],
      predictions: [{ id: 'agent-rss-dc1', metric: 'agent_rss_mb', site: 'dc1', op: '<=', value: 300, text: 'K3s agent RSS ≤ 300 MB on dc1' }],
    },
    {
      name: 'Nomad', description: 'Nomad: servers (raft) and a client per site with docker, podman and exec drivers',
      consequences: ['every edge site runs a Nomad client as root; servers run somewhere'],
      predictions: [{ id: 'agent-rss-dc2', metric: 'agent_rss_mb', site: 'dc2', op: '<=', value: 100, text: 'Nomad client RSS ≤ 100 MB on dc2' }],
    },
  ];
}

export function orchestrationProblem(sites: readonly SiteSpec[], probes: readonly ProbeRef[], agent: readonly AgentRss[], header: ProblemHeader): DecisionProblem {
  const edges = sites.filter((s) => s.role === 'edge');
  const smallest = [...edges].sort((a, b) => a.capacity.memory - b.capacity.memory)[0];
  const docker = latestProbe(probes, 'docker', smallest?.name);
  const podman = latestProbe(probes, 'podman', smallest?.name);
  const node = figure('node-idle-rss');
  const worstAgent = [...agent].sort((a, b) => b.valueMb - a.valueMb)[0];
  const agentMemory: [number, string] = worstAgent
    ? [round(worstAgent.valueMb), `observed: the agent's own RSS on ${worstAgent.site} at ${worstAgent.at} (the largest of ${agent.length} samples)`]
    : [node.high, `no agent RSS observed yet; ${figureSource('node-idle-rss')} (the agent is a Node process)`];
  // Swarm needs dockerd on every site: on a Podman site that is dockerd + containerd instead of the Podman service
  const swarmEdge: [number, string] = docker && podman
    ? [round((docker.probe.daemonRssBytes.median - podman.probe.daemonRssBytes.median) / MB), `${probeSource(docker)} minus ${probeSource(podman)}: dockerd + containerd instead of the Podman service; Swarm's own raft and gossip state not measured, so a lower bound`]
    : [figure('dockerd-rss').high + figure('containerd-rss').high - figure('podman-service-rss').high, `${figureSource('dockerd-rss')} + ${figureSource('containerd-rss')} − ${figureSource('podman-service-rss')}; Swarm's own state not measured, so a lower bound`];
  const input: Input[] = [
    ...inputs('turtle agents', {
      'edge memory': agentMemory,
      'control plane': [0, 'none: the CLI pushes the spec; the observer on dc3 runs anyway and only reads'],
      'every site': [5, 'judgement: drives Docker and Podman through one adapter (contract suite), no systemd needed (procd)'],
      WAN: [5, 'judgement: each agent converges alone from the last spec it was given; no membership to lose'],
      recovery: [3, 'judgement: restarts on unhealthy and all-site rollback are turtle goals (FIELD.md), partly built'],
    }),
    ...inputs('Docker Swarm', {
      'edge memory': swarmEdge,
      'control plane': [0, 'managers live inside dockerd on the edge sites; counted under edge memory'],
      'every site': [2, 'judgement: Docker only; dc2 would trade Podman for dockerd, Fly Machines cannot join'],
      WAN: [2, 'judgement: raft quorum and gossip over WAN links break membership (docker/for-linux#909)'],
      recovery: [3, 'judgement: replaces unhealthy tasks and can roll back an update, but stop-first by default (FIELD.md)'],
    }),
    ...inputs('K3s', {
      'edge memory': [figure('k3s-agent-rss').high, figureSource('k3s-agent-rss')],
      'control plane': [figure('k3s-server-rss').high, figureSource('k3s-server-rss')],
      'every site': [2, 'judgement: brings its own containerd; OpenWrt kernels lack much of what kubelet expects'],
      WAN: [2, 'judgement: a node cut off is NotReady after 40–50 s and its pods evicted after 300 s more (FIELD.md)'],
      recovery: [4, 'judgement: liveness probes restart; rollback is `kubectl rollout undo`, per cluster'],
    }),
    ...inputs('Nomad', {
      'edge memory': [80, 'estimate, no documented figure found: a Go agent with drivers and fingerprinting, taken as about twice the turtle agent'],
      'control plane': [figure('nomad-server-memory').low * 1000, figureSource('nomad-server-memory')],
      'every site': [4, 'judgement: one binary with docker, podman and exec drivers; clients must run as root'],
      WAN: [4, 'judgement: multi-region by design; clients keep tasks running while servers are unreachable'],
      recovery: [3, 'judgement: auto_revert is off by default and gives up after a transient outage (nomad#12940)'],
    }),
  ];
  return {
    ...header,
    title: 'Orchestration across the sites',
    context: [
      `The sites: ${sites.map((s) => `${s.name} (${s.role}, ${s.runtime}${s.role === 'edge' ? `, ${s.capacity.cpus} cores, ${(s.capacity.memory / 2 ** 20).toFixed(0)} MiB` : ''})`).join(', ')}.`,
      `Edge memory is counted on the smallest edge site${smallest ? `, ${smallest.name}` : ''}, whose good-citizen budget decides whether an orchestrator fits at all.`,
      'The observer site (Fly.io) is paid per resource and only reads, so a control plane there costs money every month.',
    ].join(' '),
    criteria: ORCHESTRATION_CRITERIA,
    comparisons: ORCHESTRATION_COMPARISONS,
    options: options(),
    inputs: input,
  };
}
