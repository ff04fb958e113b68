// The health gate after a site converged: for `bake` its new containers must keep running, stay healthy
// and not restart (an agent's heal restarts them, an engine's restart policy too) before the next site
// gets the version. checkSlots is the pure rule; bake() polls the site with it.
import { setTimeout as sleep } from 'node:timers/promises';
import { ExitCode, TurtleError } from '../lib/errors.js';
import type { ContainerSpec, ObservedContainer } from '../domain/types.js';

export type Baseline = ReadonlyMap<string, { id: string; startedAt: string | undefined }>;

const slotOf = (c: { service: string; replica: number }) => `${c.service}#${c.replica}`;

/**
 * The container that stands for a slot: the one on the wanted config where there are several (a leftover of
 * an interrupted deployment is still listed beside it until removed), so the baseline and every later look
 * compare the same container.
 */
function inSlot(observed: readonly ObservedContainer[], spec: ContainerSpec): ObservedContainer | undefined {
  const slot = observed.filter((o) => o.service === spec.service && o.replica === spec.replica);
  return slot.find((o) => o.configHash === spec.configHash) ?? slot[0];
}

export function baselineOf(observed: readonly ObservedContainer[], want: readonly ContainerSpec[]): Baseline {
  return new Map(want.flatMap((spec) => {
    const c = inSlot(observed, spec);
    return c ? [[slotOf(c), { id: c.id, startedAt: c.startedAt }] as const] : [];
  }));
}

/** Why the site fails its gate now, or undefined while every running slot is as it converged. */
export function checkSlots(want: readonly ContainerSpec[], baseline: Baseline, now: readonly ObservedContainer[]): string | undefined {
  for (const spec of want) {
    if (!spec.running) continue;
    const slot = slotOf(spec);
    const c = inSlot(now, spec);
    if (c === undefined) return `${slot} disappeared`;
    if (c.configHash !== spec.configHash) return `${slot} was replaced by another version`;
    if (c.state !== 'running') return `${slot} is ${c.state}${c.exitCode === undefined ? '' : ` (exit code ${c.exitCode})`}`;
    if (c.health === 'unhealthy') return `${slot} became unhealthy`;
    const before = baseline.get(slot);
    if (before !== undefined && (before.id !== c.id || before.startedAt !== c.startedAt)) return `${slot} restarted`;
  }
  return undefined;
}

export interface BakeOptions {
  site: string;
  bakeMs: number;
  pollMs: number;
  list: () => Promise<ObservedContainer[]>;
}

/** Resolves once the site held for bakeMs; throws a TurtleError naming the slot that broke the gate. */
export async function bake(want: readonly ContainerSpec[], { site, bakeMs, pollMs, list }: BakeOptions): Promise<void> {
  const first = await list();
  const baseline = baselineOf(first, want);
  const until = Date.now() + bakeMs;
  for (let now = first; ; now = await list()) {
    const why = checkSlots(want, baseline, now);
    if (why !== undefined) {
      const service = why.split('#')[0];
      throw new TurtleError(`${site}: ${why} during the ${Math.round(bakeMs / 1000)} s bake`, {
        exitCode: ExitCode.failed,
        hint: `see \`turtle logs ${service} --site ${site}\` and the site's events`,
      });
    }
    const left = until - Date.now();
    if (left <= 0) return;
    await sleep(Math.min(pollMs, left));
  }
}
