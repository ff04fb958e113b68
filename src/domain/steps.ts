// The steps a plan is made of. Each kind has exactly one executor (converge/executors.ts).
import type { ContainerSpec, ObservedContainer, Resources } from './types.js';

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
  | { kind: 'update-resources'; container: ObservedContainer; spec: ContainerSpec; from: Resources; to: Resources };

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
  }
}

export function stepService(step: Step): string {
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
