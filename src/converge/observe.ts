// What a site runs, as the planner needs it: its containers and, where the engine has them, its networks.
import { externalNames, networksOf, type ObservedNetwork } from '../domain/network.js';
import type { ContainerSpec, ObservedContainer } from '../domain/types.js';
import { managesNetworks, type ContainerRuntime } from '../runtime/types.js';

export interface SiteObservation {
  actual: ObservedContainer[];
  /** absent when the runtime has no networks (the plan then has no network steps) */
  networks?: ObservedNetwork[];
}

/**
 * The site's containers, and its networks. With `trust` (a CLI deploy), a site whose every container is
 * the one wanted, running and on each network it should be on, needs no network listing: a network with a
 * running container on it cannot be removed, and each container's configuration (its hash) covers its
 * networks' own. Those networks are then reported as wanted.
 */
export async function observeSite(runtime: ContainerRuntime, site: string, project: string, desired: readonly ContainerSpec[], trust = false): Promise<SiteObservation> {
  const actual = await runtime.list(project, trust ? { expect: desired } : {});
  if (!managesNetworks(runtime)) return { actual };
  if (trust && allInPlace(desired, actual, site)) return { actual, networks: asWanted(desired) };
  return { actual, networks: await runtime.networks(project, externalNames(desired)) };
}

function allInPlace(desired: readonly ContainerSpec[], actual: readonly ObservedContainer[], site: string): boolean {
  const mine = actual.filter((c) => c.site === site);
  if (mine.length !== desired.length) return false;
  return desired.every((spec) => {
    const c = mine.find((o) => o.service === spec.service && o.replica === spec.replica);
    return c !== undefined && c.configHash === spec.configHash && c.state === 'running' && (spec.networks ?? []).every((n) => c.networks?.includes(n.name));
  });
}

function asWanted(desired: readonly ContainerSpec[]): ObservedNetwork[] {
  return networksOf(desired).map((n) => ({ id: n.name, name: n.name, project: n.external ? '' : n.project, site: n.external ? '' : n.site, configHash: n.configHash, containers: [] }));
}
