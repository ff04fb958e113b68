// A deployment across sites, one site at a time in the policy's order (the canary first). Each site must
// converge and then hold healthy for the bake before the next one starts. When a site fails, it and
// every site this rollout changed go back to the version they had (on_failure: rollback), and the sites
// after it never receive the version: no mixed versions remain. A site that cannot be reached is waited
// for (unreachable: wait, up to wait_timeout) or skipped and left pending (skip). Every site's outcome,
// steps, timings and the version it ended on are recorded in the store.
import { assertSecretsReady } from '../secrets/check.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { ExitCode, TurtleError, errorMessage } from '../lib/errors.js';
import type { ObservedContainer } from '../domain/types.js';
import { desiredContainers, specHash, type DeployTarget, type TargetConvergence, type TargetHooks } from '../converge/deploy.js';
import { rolloutPolicy, type RolloutPolicy, type SiteSpec, type Spec } from '../spec/index.js';
import type { Outcome, Store } from '../store/index.js';
import { bake } from './_bake.js';
import { previousOf, type CurrentState, type Previous } from './_previous.js';
import { SiteLocks, isLockable, pidAlive, thisHolder, type Holder, type Lockable } from '../converge/lock.js';
import { assertReadable } from '../converge/recover.js';
import type { ContainerSpec } from '../domain/types.js';
import type { Step } from '../domain/steps.js';

/** A site as the rollout needs it: converge it, read what runs there, and (an agent) what it keeps as desired. */
export interface RolloutTarget extends DeployTarget, CurrentState, Partial<Lockable> {
  list(): Promise<ObservedContainer[]>;
  /** how many steps converging to `desired` would take now, read-only (an engine plans; an agent compares versions) */
  pending?(desired: readonly ContainerSpec[], version: string): Promise<number>;
  /** finishes or undoes the steps an interrupted deployment left in this store's journal (an engine driven from here) */
  repair?(store: Store): Promise<string[]>;
}

export interface RolloutOptions {
  spec: Spec;
  sites: readonly SiteSpec[];
  store: Store;
  /** returns a target that answers, or throws TurtleError (exit code unreachable when it cannot be reached) */
  connect: (site: SiteSpec) => Promise<RolloutTarget>;
  command?: string;
  /** who started it, for the history: `operator alice`, else `user@host` */
  by?: string;
  hooks?: (site: string) => TargetHooks;
  /** readies the site's host before anything is created there (turtle's cgroup hierarchy); its message is an event */
  prepareHost?: (site: SiteSpec) => Promise<{ ok: boolean; message: string } | undefined>;
  /** the rollout's decisions, for a human: `dc2: healthy for 10 s`, `dc1: rolling back to 3f2a…`; transient: a wait's countdown, replaced by the next */
  onLine?: (line: string, transient?: boolean) => void;
  /** default: the spec's `rollout` */
  policy?: RolloutPolicy;
  /** how often the bake looks and an unreachable site is retried (tests shorten them) */
  pollMs?: number;
  retryMs?: number;
  /** one deployment at a time per site: the sites are locked when anything is to change (absent: no locking) */
  lock?: { wait: boolean; ttlMs?: number; pollMs?: number; onWaiting?: (site: string, heldBy: Holder, first: boolean) => void };
  /** Ctrl-C: the step in flight is finished or undone, later steps and sites are not started */
  signal?: AbortSignal;
}

export interface SiteOutcome {
  site: string;
  outcome: Exclude<Outcome, 'running'>;
  result?: TargetConvergence;
  error?: TurtleError;
  startedAt: string;
  durationMs: number;
  /** requests sent to the engine during this deployment, where the adapter counts them */
  engineCalls?: { mutating: number; read: number };
  /** the version the site ended on, when known */
  version?: string;
  /** the steps that put the site back, after a failure */
  rollback?: { records: TargetConvergence['records']; durationMs: number; error?: TurtleError };
}

export interface DeployResult {
  id: number;
  version: string;
  outcome: Exclude<Outcome, 'running'>;
  sites: SiteOutcome[];
}

/** Sites in the policy's order; sites the policy does not name keep their given order, after. */
export function orderSites(sites: readonly SiteSpec[], order: readonly string[]): SiteSpec[] {
  const rank = (s: SiteSpec) => (order.includes(s.name) ? order.indexOf(s.name) : order.length);
  return [...sites].sort((a, b) => rank(a) - rank(b));
}

interface Changed {
  site: SiteSpec;
  previous: Previous | undefined;
}

export async function rollout(opts: RolloutOptions): Promise<DeployResult> {
  const { spec, store } = opts;
  const policy = opts.policy ?? rolloutPolicy(spec);
  // a secret a site cannot have fails the deployment before anything is recorded or touched
  assertSecretsReady(spec, opts.sites);
  const version = specHash(spec);
  const { file: _file, ...content } = spec;
  store.releases.save(version, content);
  store.deployments.markAbandoned(pidAlive);
  // a journal this turtle cannot repair stops the deployment before any site is touched
  for (const site of opts.sites) assertReadable(store.agent.unfinished(site.name));
  const id = store.deployments.begin(version, opts.command ?? 'deploy', opts.by ? { who: opts.by } : {});
  const ordered = orderSites(opts.sites, policy.order);
  // Nothing changes unless every site answers now: a site that is down (or refuses us) before the
  // rollout starts fails it at once, untouched; with unreachable: skip it is left pending instead.
  const { down, changes, targets } = await preflight(ordered, opts, version);
  let locks: SiteLocks | undefined;
  if (opts.lock && changes) {
    const lockable = ordered.flatMap((s) => {
      const t = targets.get(s);
      return t && isLockable(t) ? [t] : [];
    });
    try {
      locks = await SiteLocks.take(lockable, { ...opts.lock, holder: thisHolder(opts.command ?? 'deploy', id), ...(opts.signal ? { signal: opts.signal } : {}) });
    } catch (err) {
      store.deployments.discard(id);
      throw opts.signal?.aborted ? interruptedError() : err;
    }
  }
  try {
    return await underLocks(opts, policy, version, id, ordered, down, locks);
  } finally {
    await locks?.release();
  }
}

async function underLocks(
  opts: RolloutOptions, policy: RolloutPolicy, version: string, id: number, ordered: SiteSpec[], down: Map<SiteSpec, TurtleError>, locks: SiteLocks | undefined,
): Promise<DeployResult> {
  const { store } = opts;
  const outcomes: SiteOutcome[] = [];
  const changed: Changed[] = [];
  let failure: SiteOutcome | undefined;
  let interrupted = false;
  for (const [site, error] of down) {
    if (policy.unreachable === 'skip' && unreachable(error)) continue;
    failure ??= record(store, id, { site: site.name, outcome: 'failed', error, startedAt: new Date().toISOString(), durationMs: 0 });
  }
  for (const [i, site] of ordered.entries()) {
    const error = down.get(site);
    if (error && failure?.site === site.name) {
      outcomes.push(failure);
      continue;
    }
    if (error && !failure) {
      outcomes.push(record(store, id, { site: site.name, outcome: 'pending', error, startedAt: new Date().toISOString(), durationMs: 0 }));
      opts.onLine?.(`${site.name}: unreachable (${error.message}); skipped, pending until the next deploy`);
      continue;
    }
    if (failure || interrupted) {
      const why = interrupted ? 'the deployment was interrupted first' : `${failure?.site} failed first`;
      const skipped: SiteOutcome = { site: site.name, outcome: 'skipped', startedAt: new Date().toISOString(), durationMs: 0, error: new TurtleError(`not updated: ${why}`) };
      outcomes.push(record(store, id, skipped));
      continue;
    }
    if (locks?.lost) {
      failure = record(store, id, { site: site.name, outcome: 'failed', startedAt: new Date().toISOString(), durationMs: 0, error: new TurtleError(`lost the deployment lock (${locks.lost}); not updated`) });
      outcomes.push(failure);
      continue;
    }
    const { outcome, touched } = await updateSite(site, i === ordered.length - 1, opts, policy, version);
    if (touched) changed.push(touched);
    outcomes.push(record(store, id, outcome));
    if (outcome.outcome === 'failed') failure = outcome;
    if (outcome.outcome === 'interrupted') interrupted = true;
  }
  // Interrupted: what ran is left as it is (the step in flight was finished or undone); the next deploy converges.
  if (!interrupted && failure && policy.onFailure === 'rollback') {
    for (const c of changed.reverse()) {
      const at = outcomes.findIndex((o) => o.site === c.site.name);
      outcomes[at] = record(store, id, await restore(c, outcomes[at]!, opts, policy));
    }
  }
  const outcome = interrupted ? 'interrupted' : overall(outcomes, failure !== undefined);
  store.deployments.finish(id, outcome);
  return { id, version, outcome, sites: outcomes };
}

interface Preflight {
  down: Map<SiteSpec, TurtleError>;
  /** whether any answering site has something to change (or cannot say) */
  changes: boolean;
  targets: Map<SiteSpec, RolloutTarget>;
}

/** Every site asked, read-only, whether it answers and what converging it would take. */
async function preflight(sites: readonly SiteSpec[], opts: RolloutOptions, version: string): Promise<Preflight> {
  const down = new Map<SiteSpec, TurtleError>();
  const targets = new Map<SiteSpec, RolloutTarget>();
  // an interrupted deployment's unfinished steps are something to change (repair) even when the plan is empty
  let changes = sites.some((s) => opts.store.agent.unfinished(s.name).length > 0);
  await Promise.all(sites.map(async (site) => {
    try {
      const target = await opts.connect(site);
      const steps = target.pending ? await target.pending(desiredContainers(opts.spec, site.name, opts.store), version) : (await target.list(), 1);
      targets.set(site, target);
      if (steps > 0) changes = true;
    } catch (err) {
      down.set(site, asTurtleError(err));
    }
  }));
  return { down, changes, targets };
}

function interruptedError(): TurtleError {
  return new TurtleError('interrupted before any site was changed', { exitCode: ExitCode.interrupted });
}

function overall(sites: readonly SiteOutcome[], failed: boolean): DeployResult['outcome'] {
  // every site back where it was (or never changed: skipped, pending, no-op) is a clean rollback
  if (failed) return sites.every((s) => ['rolled-back', 'skipped', 'pending', 'no-op'].includes(s.outcome)) ? 'rolled-back' : 'failed';
  if (sites.some((s) => s.outcome === 'pending')) return 'pending';
  return sites.every((s) => s.outcome === 'no-op') ? 'no-op' : 'succeeded';
}

/** How long a rollback keeps trying a site that answers but fails to converge (an engine restarting). */
const RESTORE_RETRY_MS = 60_000;

const unreachable = (e: TurtleError) => e.exitCode === ExitCode.unreachable;
const asTurtleError = (err: unknown) => (err instanceof TurtleError ? err : new TurtleError(errorMessage(err), { cause: err }));

/** Converges one site and holds it through the bake, waiting out (or skipping) an unreachable site per policy. */
async function updateSite(site: SiteSpec, last: boolean, opts: RolloutOptions, policy: RolloutPolicy, version: string): Promise<{ outcome: SiteOutcome; touched?: Changed }> {
  const started = Date.now();
  const startedAt = new Date(started).toISOString();
  const say = (line: string, transient = false) => opts.onLine?.(`${site.name}: ${line}`, transient);
  let touched: Changed | undefined;
  let records: TargetConvergence['records'] = [];
  let engineCalls: SiteOutcome['engineCalls'];
  const done = (outcome: SiteOutcome['outcome'], error?: TurtleError): { outcome: SiteOutcome; touched?: Changed } => ({
    outcome: {
      site: site.name, outcome, startedAt, durationMs: Date.now() - started, result: { records, ...(error ? { error } : {}) },
      ...(error ? { error } : {}), ...(engineCalls ? { engineCalls } : {}), ...(outcome === 'succeeded' || outcome === 'no-op' ? { version } : {}),
    },
    ...(touched ? { touched } : {}),
  });
  for (let prepared = false; ; ) {
    try {
      const target = await opts.connect(site);
      touched ??= { site, previous: await previousOf(site, target, opts.store) };
      // turtle's cgroups are readied before the first step creates anything; a no-op asks the host nothing
      const beforeSteps = async () => {
        if (prepared) return;
        prepared = true;
        const host = await opts.prepareHost?.(site);
        if (host) opts.store.events.append({ site: site.name, type: host.ok ? 'governor.cgroups' : 'governor.cgroups-failed', message: host.message });
      };
      // what an interrupted deployment left half-done is undone first, and counts as this deployment's change
      const repaired = (await target.repair?.(opts.store)) ?? [];
      if (repaired.length > 0) {
        say(`repaired ${repaired.length} step${repaired.length === 1 ? '' : 's'} an interrupted deployment left unfinished`);
        for (const what of repaired) say(`repair: ${what}`);
        records = [...records, ...repaired.map((what) => ({ step: `repair: ${what}`, kind: 'repair', service: /^\w+ ([^#:\s]+)#/.exec(what)?.[1] ?? '', status: 'done' as const, durationMs: 0 }))];
      }
      const desired = desiredContainers(opts.spec, site.name, opts.store);
      const result = await target.converge(desired, { ...journalled(site.name, opts), beforeSteps }, version);
      records = [...records, ...result.records];
      if (result.engineCalls) engineCalls = result.engineCalls;
      if (result.error) throw result.error;
      // the version is there; a site that had nothing to do and the last site are not held
      if (records.length > 0 && !last && policy.bakeMs > 0) {
        say(`converged; watching it for ${Math.round(policy.bakeMs / 1000)} s before the next site`);
        await bake(desired, { site: site.name, bakeMs: policy.bakeMs, pollMs: opts.pollMs ?? 1_000, list: () => target.list() });
        say('held healthy through the bake');
      }
      if (records.length === 0) touched = undefined;
      return done(records.length > 0 ? 'succeeded' : 'no-op');
    } catch (err) {
      const error = asTurtleError(err);
      if (opts.signal?.aborted) return done('interrupted', new TurtleError('interrupted: the step in flight was finished or undone, the rest not started', { exitCode: ExitCode.interrupted }));
      // the site refused the change (an agent's 4xx): nothing was applied, so there is nothing to put back
      if (error.exitCode === ExitCode.invalid) touched = undefined;
      if (!unreachable(error)) return done('failed', error);
      if (policy.unreachable === 'skip') {
        say(`unreachable (${error.message}); skipped, pending until the next deploy`);
        return done('pending', error);
      }
      const left = started + policy.waitTimeoutMs - Date.now();
      if (left <= 0) return done('failed', new TurtleError(`${site.name} stayed unreachable for ${Math.round(policy.waitTimeoutMs / 1000)} s: ${error.message}`, { exitCode: ExitCode.unreachable, hint: error.hint }));
      say(`unreachable (${error.message}); waiting for it (${Math.ceil(left / 1000)} s left)`, true);
      await sleep(Math.min(opts.retryMs ?? 2_000, left), undefined, opts.signal ? { signal: opts.signal } : undefined).catch(() => undefined);
    }
  }
}

/**
 * The site's hooks with Ctrl-C's signal, and every step an engine target runs from here written to this
 * store's journal before it touches the engine (an agent keeps its own), so a CLI killed mid-step is
 * repaired by the next deploy.
 */
function journalled(site: string, opts: RolloutOptions, interruptible = true): TargetHooks {
  const hooks = opts.hooks?.(site) ?? {};
  const open = new Map<Step, number>();
  return {
    ...hooks,
    ...(opts.signal && interruptible ? { signal: opts.signal } : {}),
    onStepStart: (step, index, total) => {
      open.set(step, opts.store.agent.begin(site, step));
      hooks.onStepStart?.(step, index, total);
    },
    onStepDone: (step, rec) => {
      const entry = open.get(step);
      if (entry !== undefined) opts.store.agent.finish(entry, rec.status === 'failed' ? 'failed' : 'done');
      hooks.onStepDone?.(step, rec);
    },
  };
}

/** Puts a changed site back on the version it had; an unreachable one is waited for up to wait_timeout. */
async function restore({ site, previous }: Changed, was: SiteOutcome, opts: RolloutOptions, policy: RolloutPolicy): Promise<SiteOutcome> {
  const started = Date.now();
  const say = (line: string, transient = false) => opts.onLine?.(`${site.name}: ${line}`, transient);
  const failed = (error: TurtleError, records: TargetConvergence['records'] = []): SiteOutcome => {
    say(`ROLLBACK FAILED: ${error.message}`);
    return { ...was, outcome: 'failed', rollback: { records, durationMs: Date.now() - started, error } };
  };
  if (previous === undefined) {
    return failed(new TurtleError(`no earlier version of ${site.name} is known (first deployment there): left as it is`, { exitCode: ExitCode.failed }));
  }
  say(`rolling back to ${previous.version.slice(0, 12)}`);
  for (;;) {
    try {
      const target = await opts.connect(site);
      const result = await target.converge(previous.containers, journalled(site.name, opts, false), previous.version);
      if (result.error) throw result.error;
      say(`back on ${previous.version.slice(0, 12)}`);
      return { ...was, outcome: 'rolled-back', version: previous.version, rollback: { records: result.records, durationMs: Date.now() - started } };
    } catch (err) {
      // Putting a site back must not give up on a passing fault: an agent whose engine is restarting fails
      // its reconcile for a few seconds (and retries by itself). Unreachable: up to wait_timeout; else a minute.
      const error = asTurtleError(err);
      const left = started + (unreachable(error) ? policy.waitTimeoutMs : Math.min(policy.waitTimeoutMs, RESTORE_RETRY_MS)) - Date.now();
      if (left <= 0) return failed(error);
      say(`${unreachable(error) ? 'unreachable' : 'not back yet'} (${error.message}); trying again to roll it back (${Math.ceil(left / 1000)} s left)`, true);
      await sleep(Math.min(opts.retryMs ?? 2_000, left));
    }
  }
}

/** Writes the site's part of the deployment (again, when a rollback changes it) and its event. */
function record(store: Store, id: number, s: SiteOutcome): SiteOutcome {
  const steps = [...(s.result?.records ?? []), ...(s.rollback?.records ?? []).map((r) => ({ ...r, step: `rollback: ${r.step}` }))];
  const error = [s.error?.message, s.rollback?.error && `rollback failed: ${s.rollback.error.message}`].filter(Boolean).join('; ');
  store.deployments.recordSite(id, {
    site: s.site, outcome: s.outcome, steps, startedAt: s.startedAt, durationMs: s.durationMs,
    ...(error ? { error } : {}), ...(s.version ? { version: s.version } : {}),
  });
  if (s.outcome !== 'no-op' && s.outcome !== 'skipped') {
    const done = s.result?.records.filter((r) => r.status === 'done').length ?? 0;
    const message = {
      succeeded: `deployment ${id}: ${done} steps in ${s.durationMs} ms`,
      failed: `deployment ${id} failed: ${error}`,
      'rolled-back': `deployment ${id} failed (${s.error?.message}); rolled back to ${s.version?.slice(0, 12)}`,
      pending: `deployment ${id}: site unreachable, pending (${s.error?.message})`,
      interrupted: `deployment ${id} interrupted: ${s.error?.message}`,
    }[s.outcome];
    store.events.append({ site: s.site, type: `deploy.${s.outcome}`, message, data: { deployment: id } });
  }
  return s;
}
