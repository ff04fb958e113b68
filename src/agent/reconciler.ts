// The agent's reconcile loop: observe -> plan -> execute (convergeSite), one run at a time. Triggers
// that arrive during a run coalesce into one more run; failures retry after capped exponential backoff.
import { setTimeout as sleep } from 'node:timers/promises';
import { backoffMs } from '../lib/backoff.js';
import { errorMessage } from '../lib/errors.js';
import { convergeSite } from '../converge/index.js';
import { describeStep, type Step } from '../domain/steps.js';
import { driftOf, type DriftItem } from '../domain/drift.js';
import type { ContainerSpec, ObservedContainer } from '../domain/types.js';
import type { ContainerRuntime } from '../runtime/types.js';
import type { Store } from '../store/index.js';
import { recoverJournal } from '../converge/recover.js';

export interface ReconcilerOptions {
  site: string;
  store: Store;
  runtime: () => ContainerRuntime;
  /** first retry after a failure (default 1 s), doubling up to `backoffCapMs` (default 60 s) */
  backoffBaseMs?: number;
  backoffCapMs?: number;
  /** `observed`: the site's containers as the reconcile saw them, when it changed nothing */
  onReconciled?: (outcome: { steps: number; failed: boolean; durationMs: number; observed?: ObservedContainer[] }) => void;
  /** the stored desired state changed (a push, an operator's stop or start) */
  onDesiredChanged?: () => void;
}

export class Reconciler {
  private pending = false;
  private looping: Promise<void> | undefined;
  /** every engine-changing job (a reconcile, a heal, an operator action) queues here: one at a time */
  private tail: Promise<void> = Promise.resolve();
  private held = 0;
  private readonly abort = new AbortController();
  private failures = 0;
  private recovered = false;
  /** ends the wait after a failure early: a new desired state is worth trying at once */
  private retryNow = new AbortController();
  /** desired() is read several times a second (every health tick): kept until `desiredChanged` */
  private cached: { project: string; containers: ContainerSpec[] } | null | undefined;
  /** bumped by every change of the desired state; `settled` is the one the last reconcile reached, if it succeeded */
  private version = 0;
  private settled: number | undefined;

  constructor(private readonly opts: ReconcilerOptions) {}

  get busy(): boolean {
    return this.held > 0;
  }

  get consecutiveFailures(): number {
    return this.failures;
  }

  /** Asks for a reconcile; returns when the run that covers this request has finished. */
  trigger(): Promise<void> {
    this.pending = true;
    this.looping ??= this.loop().finally(() => (this.looping = undefined));
    return this.looping;
  }

  /** Runs `fn` when nothing else changes the engine (service actions and heals use this, so nothing overlaps). */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.tail.then(async () => {
      this.held++;
      try {
        return await fn();
      } finally {
        this.held--;
      }
    });
    this.tail = run.then(() => undefined, () => undefined);
    return run;
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.looping?.catch(() => undefined);
  }

  /** The desired containers with the operator's stops applied. */
  desired(): { project: string; containers: ContainerSpec[] } | undefined {
    if (this.cached === undefined) {
      const state = this.opts.store.agent.desired(this.opts.site);
      const stopped = this.opts.store.stoppedServices(this.opts.site);
      this.cached = state ? { project: state.project, containers: state.containers.map((c) => ({ ...c, running: c.running && !stopped.has(c.service) })) } : null;
    }
    return this.cached ?? undefined;
  }

  /** Call after the desired state or a service's stop changed in the store. */
  desiredChanged(): void {
    this.cached = undefined;
    this.version++;
    this.retryNow.abort();
    this.retryNow = new AbortController();
    this.opts.onDesiredChanged?.();
  }

  private async loop(): Promise<void> {
    while (this.pending && !this.abort.signal.aborted) {
      this.pending = false;
      const ok = await this.exclusive(() => this.once());
      this.failures = ok ? 0 : this.failures + 1;
      if (!ok) {
        this.pending = true;
        const wait = backoffMs(this.failures, this.opts.backoffBaseMs ?? 1_000, this.opts.backoffCapMs ?? 60_000);
        await sleep(wait, undefined, { signal: AbortSignal.any([this.abort.signal, this.retryNow.signal]) }).catch(() => undefined);
      }
    }
  }

  private async once(): Promise<boolean> {
    const { site, store } = this.opts;
    const desired = this.desired();
    if (!desired) return true; // nothing pushed yet: touch nothing
    const version = this.version;
    let drift: DriftItem[] = [];
    const started = Date.now();
    try {
      const runtime = this.opts.runtime();
      if (!this.recovered) {
        await recoverJournal(runtime, site, desired.project, store);
        this.recovered = true;
      }
      const journal = new Map<string, number>();
      const result = await convergeSite(runtime, site, desired.project, desired.containers, {
        signal: this.abort.signal,
        onPlan: (steps) => (drift = this.settled === version ? this.outsideChanges(steps) : []),
        onStepStart: (step) => journal.set(describeStep(step), store.agent.begin(site, step)),
        onStepDone: (step, record) => {
          const id = journal.get(describeStep(step));
          if (id !== undefined) store.agent.finish(id, record.status === 'done' ? 'done' : 'failed');
        },
      });
      const failed = result.error !== undefined;
      if (result.steps.length > 0 || failed) {
        const done = result.records.filter((r) => r.status === 'done').length;
        store.events.append({
          site,
          type: failed ? 'reconcile.failed' : 'reconcile.succeeded',
          message: failed ? `reconcile failed: ${result.error?.message}` : `reconciled: ${done} steps in ${Date.now() - started} ms`,
          // steps as text for people, records (with timings) for the CLI's deployment report
          data: { steps: result.records.map((r) => `${r.step} ${r.status}`), records: result.records },
        });
        store.agent.prune();
      }
      if (drift.length > 0 && !failed) {
        store.events.append({ site, type: 'drift.resolved', message: `drift undone: ${drift.length} difference${drift.length === 1 ? '' : 's'} put back in ${Date.now() - started} ms`, data: { items: drift } });
      }
      this.settled = failed ? undefined : version;
      this.opts.onReconciled?.({ steps: result.steps.length, failed, durationMs: Date.now() - started, ...(result.observed ? { observed: result.observed } : {}) });
      return !failed;
    } catch (err) {
      if (this.abort.signal.aborted) return true;
      this.settled = undefined;
      store.events.append({ site, type: 'reconcile.failed', message: `reconcile failed: ${errorMessage(err)}` });
      this.opts.onReconciled?.({ steps: 0, failed: true, durationMs: Date.now() - started });
      return false;
    }
  }

  /**
   * Steps although the desired state is the one the last successful reconcile reached: something outside
   * turtle changed the site (a container removed, replaced or changed by hand). Recorded before it is undone.
   * Starts are left out: an exited container is the health monitor's (a crash, or the governor's stop of a
   * memory hog), and its events say so; heals themselves never show here, as they hold the engine exclusively.
   */
  private outsideChanges(steps: readonly Step[]): DriftItem[] {
    const drift = driftOf(steps.filter((s) => s.kind !== 'start'));
    if (drift.length > 0) {
      const site = this.opts.site;
      this.opts.store.events.append({ site, type: 'drift.detected', message: `drift on ${site}: ${drift.map((d) => d.message).join('; ')}`, data: { items: drift } });
    }
    return drift;
  }
}
