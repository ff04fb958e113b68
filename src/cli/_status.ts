// Gathers what `turtle status` decides from: each site's containers (engine or agent), the store's record
// of its version and last deployment, and the renderings of turtle.yaml and of recent releases.
import { TurtleError } from '../lib/errors.js';
import { desiredContainers, specHash } from '../converge/deploy.js';
import type { SiteClient } from '../client/index.js';
import type { ContainerSpec } from '../domain/types.js';
import type { Rendering, SiteStatusInput, StatusInput } from '../domain/status.js';
import type { SiteSpec, Spec } from '../spec/index.js';
import type { Store } from '../store/index.js';
import { connectSite, type GlobalOptions } from './context.js';

/** How many past deployments to look through for releases to recognise containers by. */
const RECENT = 30;

export async function gatherStatus(spec: Spec, sites: readonly SiteSpec[], store: Store, globals: GlobalOptions): Promise<StatusInput> {
  const current = specHash(spec);
  const releases = recentReleases(store, current);
  const out: SiteStatusInput[] = [];
  for (const site of sites) out.push(await gatherSite(spec, site, store, globals, current, releases));
  return { current, sites: out };
}

async function gatherSite(spec: Spec, site: SiteSpec, store: Store, globals: GlobalOptions, current: string, releases: ReadonlyMap<string, Spec>): Promise<SiteStatusInput> {
  const recorded = recordedVersion(store, site.name);
  const last = store.deployments.lastForSite(site.name);
  const known = {
    site: site.name,
    ...(last ? { lastDeployment: { id: last.deployment.id, outcome: last.site.outcome, at: last.site.startedAt } } : {}),
  };
  let observed;
  let stopped: ReadonlySet<string>;
  let given;
  let foreign: Awaited<ReturnType<NonNullable<SiteClient['foreign']>>> | undefined;
  try {
    const client = await connectSite(spec, site, globals);
    observed = await client.list();
    stopped = (await client.stopped?.()) ?? store.stoppedServices(site.name);
    // an agent knows which spec it was given, whoever deployed it, and holds its rendering
    given = knowsVersion(client) ? await client.current() : undefined;
    foreign = await client.foreign?.();
  } catch (err) {
    if (!(err instanceof TurtleError)) throw err;
    return { ...known, error: err.message, stopped: new Set(), ...(recorded ? { version: recorded } : {}), renderings: [] };
  }
  const renderings: Rendering[] = [{ version: current, containers: desiredContainers(spec, site.name, store, stopped) }];
  if (given && given.specHash !== current) renderings.push({ version: given.specHash, containers: given.containers });
  for (const [version, release] of releases) {
    if (renderings.some((r) => r.version === version)) continue;
    const containers = renderRelease(release, site.name, store, stopped);
    if (containers) renderings.push({ version, containers });
  }
  const version = given?.specHash ?? recorded;
  return { ...known, observed, stopped, ...(version ? { version } : {}), renderings, ...(foreign?.length ? { foreign } : {}) };
}

/** A site that keeps the spec it was given (an agent: GET /v1/desired), with its rendering. */
interface KnowsVersion {
  current(): Promise<{ specHash: string; containers: ContainerSpec[] } | undefined>;
}

function knowsVersion(client: SiteClient): client is SiteClient & KnowsVersion {
  return typeof (client as Partial<KnowsVersion>).current === 'function';
}

/** The version the store last recorded for the site; before versions were recorded, the spec of its last good deployment. */
function recordedVersion(store: Store, site: string): string | undefined {
  const recorded = store.deployments.siteVersion(site);
  if (recorded) return recorded.version;
  const good = store.deployments.list(RECENT).find((d) => d.sites.some((s) => s.site === site && (s.outcome === 'succeeded' || s.outcome === 'no-op')));
  return good?.specHash;
}

/** Releases of recent deployments, newest first, without the current spec. */
function recentReleases(store: Store, current: string): Map<string, Spec> {
  const out = new Map<string, Spec>();
  for (const d of store.deployments.list(RECENT)) {
    for (const hash of [...d.sites.flatMap((s) => (s.version ? [s.version] : [])), d.specHash]) {
      if (hash === current || out.has(hash)) continue;
      const release = store.releases.get(hash);
      if (release) out.set(hash, release.spec as Spec);
    }
  }
  return out;
}

/** A release the site was not part of (or that no longer renders) recognises nothing there. */
function renderRelease(release: Spec, site: string, store: Store, stopped: ReadonlySet<string>): Rendering['containers'] | undefined {
  if (!(site in release.sites)) return undefined;
  try {
    return desiredContainers(release, site, store, stopped);
  } catch {
    return undefined;
  }
}
