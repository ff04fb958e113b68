// Waiting for a container to be running (and healthy when it has a health check), with a deadline.
import { setTimeout as sleep } from 'node:timers/promises';
import { TurtleError } from '../lib/errors.js';
import type { ContainerSpec, ObservedContainer } from '../domain/types.js';
import type { ContainerRuntime } from '../runtime/types.js';

const POLL_MS = 100;

export function hasHealthcheck(spec: ContainerSpec): boolean {
  return spec.healthcheck !== undefined && spec.healthcheck.test[0] !== 'NONE';
}

/** How long a new container may take to become healthy: its start period plus enough probes to pass. */
export function healthDeadlineMs(spec: ContainerSpec): number {
  const h = spec.healthcheck;
  if (h === undefined || !hasHealthcheck(spec)) return 30_000;
  return h.startPeriodMs + (h.intervalMs + h.timeoutMs) * (h.retries + 1) + 10_000;
}

export interface WaitOptions {
  healthy: boolean;
  deadlineMs: number;
  signal?: AbortSignal;
  onWaiting?: (message: string) => void;
}

/** Resolves with the container once it runs (and is healthy if asked); throws once it exits or the deadline passes. */
export async function waitReady(
  runtime: ContainerRuntime,
  id: string,
  spec: ContainerSpec,
  { healthy, deadlineMs, signal, onWaiting }: WaitOptions,
): Promise<ObservedContainer> {
  const who = `${spec.site}/${spec.service}#${spec.replica}`;
  const until = Date.now() + deadlineMs;
  const wantHealth = healthy && hasHealthcheck(spec);
  onWaiting?.(wantHealth ? `waiting for ${who} to be healthy` : `waiting for ${who} to run`);
  for (;;) {
    signal?.throwIfAborted();
    const c = await runtime.inspect(id);
    if (c === undefined) throw new TurtleError(`${who}: the new container ${id.slice(0, 12)} disappeared while starting`);
    if (c.state === 'exited' || c.state === 'dead') {
      throw new TurtleError(`${who} exited with code ${c.exitCode ?? '?'} right after it started`, {
        hint: `see its output with \`turtle logs ${spec.service} --site ${spec.site}\``,
      });
    }
    if (c.state === 'running' && (!wantHealth || c.health === 'healthy')) return c;
    // The engine says unhealthy only after `retries` consecutive failed probes past the start period.
    if (wantHealth && c.health === 'unhealthy') {
      throw new TurtleError(`${who} became unhealthy (${spec.healthcheck?.retries} failed health checks in a row)`, {
        hint: `check its healthcheck and \`turtle logs ${spec.service} --site ${spec.site}\``,
      });
    }
    if (Date.now() > until) {
      const what = wantHealth ? `healthy (health: ${c.health})` : `running (state: ${c.state})`;
      throw new TurtleError(`${who} was not ${what} within ${Math.round(deadlineMs / 1000)} s`, {
        hint: wantHealth
          ? `check its healthcheck and \`turtle logs ${spec.service} --site ${spec.site}\``
          : 'check the engine and the container',
      });
    }
    await sleep(POLL_MS, undefined, { signal });
  }
}
