// After a crash (kill -9) in the middle of a step, the journal names the step. A half-done replacement
// is undone, not guessed at: the new container goes unless it already runs and is healthy, and the old
// one is started again if it was stopped. The next plan then redoes the step cleanly, so no slot ends
// with two containers, none, or an unproven new one.
import type { Step } from '../domain/steps.js';
import type { ObservedContainer } from '../domain/types.js';
import type { ContainerRuntime } from '../runtime/types.js';
import type { Store } from '../store/index.js';

export async function recoverJournal(runtime: ContainerRuntime, site: string, project: string, store: Store): Promise<number> {
  const open = store.agent.unfinished(site);
  if (open.length === 0) return 0;
  const actual = await runtime.list(project);
  for (const entry of open) {
    const what = await undo(entry.step, actual, runtime);
    store.agent.finish(entry.id, 'recovered');
    store.events.append({ site, type: 'journal.recovered', message: `interrupted step recovered: ${what}`, data: { journal: entry.id } });
  }
  return open.length;
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
