// What a site runs before a rollout changes it, so a rollback can put it back: an agent says (its stored
// desired state); for a site driven from here the store knows the version it last ended on, and the
// release keeps that version's spec to render again.
import type { ContainerSpec } from '../domain/types.js';
import { desiredContainers } from '../converge/deploy.js';
import type { SiteSpec, Spec } from '../spec/index.js';
import type { Store } from '../store/index.js';

export interface Previous {
  version: string;
  containers: ContainerSpec[];
}

export interface CurrentState {
  current?(): Promise<{ specHash: string; containers: ContainerSpec[] } | undefined>;
}

export async function previousOf(site: SiteSpec, target: CurrentState, store: Store): Promise<Previous | undefined> {
  if (target.current) {
    const kept = await target.current();
    return kept && { version: kept.specHash, containers: kept.containers };
  }
  const known = store.deployments.siteVersion(site.name);
  const spec = known && releaseSpec(store, known.version);
  return spec && known && { version: known.version, containers: desiredContainers(spec, site.name, store) };
}

/** A stored release as a Spec again (releases are saved without the file they came from). */
export function releaseSpec(store: Store, version: string): Spec | undefined {
  const release = store.releases.get(version);
  return release && { ...(release.spec as Omit<Spec, 'file'>), file: `release ${version.slice(0, 12)}` };
}
