// After a crash (kill -9 of an agent, or of a CLI driving an engine) in the middle of a step, the journal names the step. A half-done replacement
// is undone, not guessed at: the new container goes unless it already runs and is healthy, and the old
// one is started again if it was stopped. The next plan then redoes the step cleanly, so no slot ends
// with two containers, none, or an unproven new one.
import { ExitCode, TurtleError } from '../lib/errors.js';
import type { Step } from '../domain/steps.js';
import type { ObservedContainer } from '../domain/types.js';
import type { ContainerRuntime } from '../runtime/types.js';
import type { Store } from '../store/index.js';

/** Undoes each unfinished step and says what it did, one line a step (none: nothing was left). */
export async function recoverJournal(runtime: ContainerRuntime, site: string, project: string, store: Store): Promise<string[]> {
  const open = store.agent.unfinished(site);
  if (open.length === 0) return [];
  const done: string[] = [];
  assertReadable(open);
  const actual = await runtime.list(project);
  for (const entry of open) {
    const what = await undo(entry.step, actual, runtime);
    store.agent.finish(entry.id, 'recovered');
    store.events.append({ site, type: 'journal.recovered', message: `interrupted step recovered: ${what}`, data: { journal: entry.id } });
    done.push(what);
  }
  return done;
}

async function undo(step: Step, actual: readonly ObservedContainer[], runtime: ContainerRuntime): Promise<string> {
  if (step.kind !== 'replace' && step.kind !== 'create') return `${step.kind}: the next plan finishes it`;
  const spec = step.spec;
  const oldId = step.kind === 'replace' ? step.old.id : undefined;
  const fresh = actual.filter((c) => c.name === spec.name && c.id !== oldId);
  const old = oldId === undefined ? undefined : actual.find((c) => c.id === oldId);
  const proven = (c: ObservedContainer) => c.state === 'running' && (c.health === 'healthy' || c.health === 'none');
  if (step.kind === 'create') {
    for (const c of fresh) if (c.state !== 'running') await runtime.remove(c.id);
    return `create ${spec.service}#${spec.replica}: ${fresh.length === 0 ? 'nothing was made' : 'unstarted container removed'}`;
  }
  if (!old) return `replace ${spec.service}#${spec.replica}: the old container was already gone`;
  if (fresh.some(proven) && spec.running) {
    await runtime.remove(old.id);
    return `replace ${spec.service}#${spec.replica}: the new container was healthy, the old one removed`;
  }
  for (const c of fresh) await runtime.remove(c.id);
  if (spec.running && old.state !== 'running') await runtime.start(old.id);
  return `replace ${spec.service}#${spec.replica}: the new container was removed and the old one kept running`;
}

/** A journal entry this turtle cannot read (written by another version) stops the repair before it changes anything. */
export function assertReadable(entries: readonly { id: number; step: Step }[]): void {
  for (const { id, step } of entries) readable(step, id);
}

function readable(step: Step, id: number): void {
  const ok = typeof step === 'object' && step !== null && typeof step.kind === 'string'
    && (step.kind !== 'replace' || (typeof step.old?.id === 'string' && typeof step.spec?.name === 'string'))
    && (step.kind !== 'create' || typeof step.spec?.name === 'string');
  if (ok) return;
  throw new TurtleError(`the step journal holds an interrupted step (entry ${id}) this turtle cannot read: ${JSON.stringify(step).slice(0, 120)}`, {
    exitCode: ExitCode.invalid,
    hint: 'finish it with the turtle version that wrote it (run the same deploy with it), or check the site with `turtle ps` and mark the entry done in the store',
  });
}
