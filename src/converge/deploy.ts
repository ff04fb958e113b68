// What a deployment converges on each site (a DeployTarget: the site's engine driven from here, or its
// agent) and what it converges it to (desiredContainers). The cross-site rollout is in rollout/.
import { TurtleError, errorMessage } from '../lib/errors.js';
import { keyedHashOf } from '../domain/hash.js';
import { renderSite, type RenderOptions } from '../domain/render.js';
import { withProxy } from '../proxy/index.js';
import type { ContainerSpec } from '../domain/types.js';
import { servicesForSite, type SiteSpec, type Spec } from '../spec/index.js';
import { countsCalls, type ContainerRuntime } from '../runtime/types.js';
import type { Store, Outcome } from '../store/index.js';
import type { StepRecord } from '../store/deployments.js';
import { convergeSite, type ConvergeHooks } from './site.js';

/** What a deployment converges: the site's engine driven from here (engineTarget), or its agent (client/). */
export interface DeployTarget {
  /** `version`: the spec hash the containers come from, where the target keeps it (an agent); default the spec's */
  converge(desired: readonly ContainerSpec[], hooks?: TargetHooks, version?: string): Promise<TargetConvergence>;
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

/**
 * Converges `site` by driving its engine from here, trusting turtle's labels where they vouch for a
 * container. Its engine calls are all the runtime made (the CLI keeps one runtime per site: the preflight's
 * check and plan count too).
 */
export function engineTarget(runtime: ContainerRuntime, site: string, project: string): DeployTarget {
  return {
    async converge(desired, hooks) {
      const { records, error } = await convergeSite(runtime, site, project, desired, { ...hooks, trustLabels: true });
      const out: TargetConvergence = { records, ...(error ? { error } : {}) };
      if (countsCalls(runtime)) out.engineCalls = { ...runtime.calls };
      return out;
    },
  };
}

export function specHash(spec: Spec): string {
  // where the spec and the files it read lie, and validation's notes, are not what it asks for
  const { file: _file, reads: _reads, notes: _notes, hashKey, ...content } = spec;
  return keyedHashOf(content, hashKey);
}

/** What `site` should run: its services with overlays, rendered, with the operator's stops applied (the store's unless given), and its proxy when a service is proxied. */
export function desiredContainers(spec: Spec, site: string, store: Store, stopped: ReadonlySet<string> = store.stoppedServices(site)): ContainerSpec[] {
  return withProxy(renderSite(servicesForSite(spec, site), siteRenderOptions(spec, site, stopped)));
}

/** How the spec renders on `site`: its project networks, and the site's pool and host_access for them. */
export function siteRenderOptions(spec: Spec, site: string, stopped: ReadonlySet<string> = new Set()): RenderOptions {
  const s = spec.sites[site];
  return {
    project: spec.project, site, stopped,
    ...(spec.networks ? { networks: spec.networks } : {}),
    ...(s?.networkPool ? { pool: s.networkPool } : {}),
    ...(s?.networkHostAccess ? { hostAccess: s.networkHostAccess } : {}),
    ...(spec.sealed?.[site] ? { secrets: spec.sealed[site] } : {}),
    ...(spec.hashKey ? { hashKey: spec.hashKey } : {}),
    ...(spec.pins?.[site] ? { pins: spec.pins[site] } : {}),
  };
}
