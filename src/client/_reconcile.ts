// A deployment's step records from the agent's reconcile event: `data.records` where the agent sends
// them, else its `data.steps` lines (`create web#1 (img) done`), which carry no timings.
import type { StepRecord } from '../store/deployments.js';
import type { TurtleEvent } from '../store/index.js';

const STATUSES = new Set(['done', 'failed', 'skipped']);

export interface ReconcileOutcome {
  records: StepRecord[];
  /** the reason, when the reconcile failed */
  failed?: string;
}

/** No event: the reconcile had nothing to do. */
export function reconcileRecords(event: TurtleEvent | undefined): ReconcileOutcome {
  if (!event) return { records: [] };
  const failed = event.type === 'reconcile.failed' ? event.message.replace(/^reconcile failed: /, '') : undefined;
  const data = event.data ?? {};
  const records = Array.isArray(data.records)
    ? (data.records as StepRecord[])
    : Array.isArray(data.steps)
      ? data.steps.map((line) => fromLine(String(line), failed))
      : [];
  return { records, ...(failed === undefined ? {} : { failed }) };
}

/** `replace web#1 (image a -> b, stop-first) failed` -> a record; the run's error goes on its failed steps. */
export function fromLine(line: string, error: string | undefined): StepRecord {
  const cut = line.lastIndexOf(' ');
  const status = line.slice(cut + 1);
  const step = cut > 0 && STATUSES.has(status) ? line.slice(0, cut) : line;
  const [kind = '', target = ''] = step.split(' ', 2);
  return {
    step,
    kind,
    service: target.split('#')[0] ?? '',
    status: STATUSES.has(status) ? (status as StepRecord['status']) : 'done',
    durationMs: 0,
    ...(status === 'failed' && error !== undefined ? { error } : {}),
  };
}
