// A deployment across the selected sites: each site converged in turn, every site's outcome, steps
// and timings recorded in the store, and one event per site. (Cross-site ordering, health gates and
// all-site rollback build on this in rollout/.)
import { TurtleError, errorMessage } from '../lib/errors.js';
import { hashOf } from '../domain/hash.js';
import { renderSite } from '../domain/render.js';
import { withProxy } from '../proxy/index.js';
import type { ContainerSpec } from '../domain/types.js';
import { servicesForSite, type SiteSpec, type Spec } from '../spec/index.js';
import { countsCalls, type ContainerRuntime } from '../runtime/types.js';
import type { Store, Outcome } from '../store/index.js';
import type { StepRecord } from '../store/deployments.js';
import { convergeSite, type ConvergeHooks } from './site.js';

/** What a deployment converges: the site's engine driven from here (engineTarget), or its agent (client/). */
export interface DeployTarget {
  converge(desired: readonly ContainerSpec[], hooks?: TargetHooks): Promise<TargetConvergence>;
}

/** A target that learns its steps only when they are over (an agent) reports them all at once. */
export type TargetHooks = ConvergeHooks & { onReport?: (records: readonly StepRecord[]) => void };

export interface TargetConvergence {
  records: StepRecord[];
  /** set when a step (or the whole run) failed */
  error?: TurtleError;
  /** requests sent to the engine, where the target counts them */
  engineCalls?: { mutating: number; read: number };
}

/** Converges `site` by driving its engine from here, counting the engine requests where the adapter does. */
export function engineTarget(runtime: ContainerRuntime, site: string, project: string): DeployTarget {
  return {
    async converge(desired, hooks) {
      const before = countsCalls(runtime) ? { ...runtime.calls } : undefined;
      const { records, error } = await convergeSite(runtime, site, project, desired, hooks);
      const out: TargetConvergence = { records, ...(error ? { error } : {}) };
      if (before && countsCalls(runtime)) out.engineCalls = { mutating: runtime.calls.mutating - before.mutating, read: runtime.calls.read - before.read };
      return out;
    },
  };
}

export interface DeployOptions {
  spec: Spec;
  sites: readonly SiteSpec[];
  store: Store;
  /** returns a target that answers, or throws TurtleError naming the site */
  connect: (site: SiteSpec) => Promise<DeployTarget>;
  command?: string;
  hooks?: (site: string) => TargetHooks;
  /** readies the site's host before anything is created there (turtle's cgroup hierarchy); its message is an event */
  prepareHost?: (site: SiteSpec) => { ok: boolean; message: string } | undefined;
}

export interface SiteOutcome {
  site: string;
  outcome: Exclude<Outcome, 'running'>;
  result?: TargetConvergence;
  error?: TurtleError;
  durationMs: number;
  /** requests sent to the engine during this deployment, where the adapter counts them */
  engineCalls?: { mutating: number; read: number };
}

export interface DeployResult {
  id: number;
  outcome: Exclude<Outcome, 'running'>;
  sites: SiteOutcome[];
}

export function specHash(spec: Spec): string {
  const { file: _file, ...content } = spec;
  return hashOf(content);
}

/** What `site` should run: its services with overlays, rendered, with the operator's stops applied (the store's unless given), and its proxy when a service is proxied. */
export function desiredContainers(spec: Spec, site: string, store: Store, stopped: ReadonlySet<string> = store.stoppedServices(site)): ContainerSpec[] {
  return withProxy(renderSite(servicesForSite(spec, site), { project: spec.project, site, stopped }));
}

export async function deploy(opts: DeployOptions): Promise<DeployResult> {
  const { spec, store } = opts;
  const id = store.deployments.begin(specHash(spec), opts.command ?? 'deploy');
  const sites: SiteOutcome[] = [];
  for (const site of opts.sites) sites.push(await deploySite(id, site, opts));
  const outcome = sites.some((s) => s.outcome === 'failed')
    ? 'failed'
    : sites.every((s) => s.outcome === 'no-op')
      ? 'no-op'
      : 'succeeded';
  store.deployments.finish(id, outcome);
  return { id, outcome, sites };
}

async function deploySite(id: number, site: SiteSpec, opts: DeployOptions): Promise<SiteOutcome> {
  const { spec, store } = opts;
  const startedAt = new Date().toISOString();
  const started = Date.now();
  let result: TargetConvergence | undefined;
  let error: TurtleError | undefined;
  let engineCalls: SiteOutcome['engineCalls'];
  try {
    const target = await opts.connect(site);
    const prepared = opts.prepareHost?.(site);
    if (prepared) {
      store.events.append({ site: site.name, type: prepared.ok ? 'governor.cgroups' : 'governor.cgroups-failed', message: prepared.message });
    }
    const desired = desiredContainers(spec, site.name, store);
    result = await target.converge(desired, opts.hooks?.(site.name));
    ({ error, engineCalls } = result);
  } catch (err) {
    error = err instanceof TurtleError ? err : new TurtleError(errorMessage(err), { cause: err });
  }
  const durationMs = Date.now() - started;
  const outcome = error ? 'failed' : result?.records.length === 0 ? 'no-op' : 'succeeded';
  store.deployments.recordSite(id, {
    site: site.name,
    outcome,
    steps: result?.records ?? [],
    startedAt,
    durationMs,
    ...(error ? { error: error.message } : {}),
  });
  if (outcome !== 'no-op') {
    const done = result?.records.filter((r) => r.status === 'done').length ?? 0;
    store.events.append({
      site: site.name,
      type: outcome === 'failed' ? 'deploy.failed' : 'deploy.succeeded',
      message: error ? `deployment ${id} failed: ${error.message}` : `deployment ${id}: ${done} steps in ${durationMs} ms`,
      data: { deployment: id },
    });
  }
  return {
    site: site.name,
    outcome,
    durationMs,
    ...(result ? { result } : {}),
    ...(error ? { error } : {}),
    ...(engineCalls ? { engineCalls } : {}),
  };
}
