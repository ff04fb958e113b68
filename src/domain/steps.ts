// The steps a plan is made of. Each kind has exactly one executor (converge/executors.ts).
import type { ContainerSpec, ObservedContainer, Resources } from './types.js';
import type { ContainerNetwork, NetworkSpec, ObservedNetwork } from './network.js';

/**
 * How a container is replaced. start-first: the new one runs (and is healthy) before the old one goes,
 * so there is no gap. stop-first: needed when both would bind the same host port; the old one is
 * restarted if the new one fails.
 */
export type ReplaceOrder = 'start-first' | 'stop-first';

export type Step =
  | { kind: 'create'; spec: ContainerSpec }
  | { kind: 'replace'; old: ObservedContainer; spec: ContainerSpec; order: ReplaceOrder; reason: string }
  | { kind: 'remove'; container: ObservedContainer; reason: string }
  | { kind: 'start'; container: ObservedContainer; spec: ContainerSpec }
  | { kind: 'stop'; container: ObservedContainer }
  | { kind: 'update-resources'; container: ObservedContainer; spec: ContainerSpec; from: Resources; to: Resources }
  | { kind: 'create-network'; network: NetworkSpec }
  /** the container is fine but not on one of its networks (cut off by hand, or the network was made anew): join it again */
  | { kind: 'connect'; container: ObservedContainer; spec: ContainerSpec; network: ContainerNetwork }
  /** its configuration changed: the containers on it are cut off, it is made anew, and they are replaced onto it */
  | { kind: 'recreate-network'; old: ObservedNetwork; network: NetworkSpec }
  /** runs after every other step of the plan, once nothing turtle runs is on it */
  | { kind: 'remove-network'; network: ObservedNetwork; reason: string };

export type NetworkStep = Extract<Step, { kind: 'create-network' | 'recreate-network' | 'remove-network' }>;

export function isNetworkStep(step: Step): step is NetworkStep {
  return step.kind === 'create-network' || step.kind === 'recreate-network' || step.kind === 'remove-network';
}

export type StepKind = Step['kind'];

/** One line a human can read: `replace web#1 (image turtle-test/web:1 -> turtle-test/web:2)`. */
export function describeStep(step: Step): string {
  switch (step.kind) {
    case 'create':
      return `create ${label(step.spec)} (${step.spec.image})`;
    case 'replace':
      return `replace ${label(step.spec)} (${step.reason}, ${step.order}${step.spec.routes?.length ? ', behind the proxy' : ''})`;
    case 'remove':
      return `remove ${label(step.container)} (${step.reason})`;
    case 'start':
      return `start ${label(step.container)}`;
    case 'stop':
      return `stop ${label(step.container)}`;
    case 'update-resources':
      return `update-resources ${label(step.container)} (${formatResources(step.from)} -> ${formatResources(step.to)})`;
    case 'connect':
      return `connect ${label(step.container)} to network ${step.network.name}`;
    case 'create-network':
      return `create network ${step.network.name}${step.network.internal ? ' (internal)' : ''}`;
    case 'recreate-network':
      return `recreate network ${step.network.name} (config changed)`;
    case 'remove-network':
      return `remove network ${step.network.name} (${step.reason})`;
  }
}

/** The service a step is about; '' for a network's steps. */
export function stepService(step: Step): string {
  if (isNetworkStep(step)) return '';
  return 'spec' in step ? step.spec.service : step.container.service;
}

function label(c: { service: string; replica: number }): string {
  return `${c.service}#${c.replica}`;
}

export function formatResources(r: Resources): string {
  const parts = [
    `cpus=${r.cpus ?? 'unlimited'}`,
    `memory=${r.memory === undefined ? 'unlimited' : formatBytes(r.memory)}`,
  ];
  if (r.memoryReservation !== undefined) parts.push(`reservation=${formatBytes(r.memoryReservation)}`);
  return parts.join(' ');
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  const shown = Number.isInteger(value) ? String(value) : value.toFixed(1);
  return `${shown}${units[unit]}`;
}
