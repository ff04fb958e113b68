// The planner's networks: make the ones the site's containers join, remake a changed one, remove the
// ones turtle made that nothing wants any more. External networks are never touched (checked before
// anything runs: missingExternal). Pure.
import { networksOf, type NetworkSpec, type ObservedNetwork } from './network.js';
import type { Step } from './steps.js';
import type { ContainerSpec } from './types.js';

export interface NetworkPlan {
  /** before any container is launched */
  first: Step[];
  /** after every other step */
  last: Step[];
}

export function planNetworks(desired: readonly ContainerSpec[], observed: readonly ObservedNetwork[], site: string, project: string): NetworkPlan {
  const wanted = networksOf(desired).filter((n) => !n.external);
  const mine = observed.filter((n) => n.site === site && n.project === project);
  const first: Step[] = [];
  for (const network of wanted) {
    const found = mine.find((n) => n.name === network.name);
    if (found === undefined) first.push({ kind: 'create-network', network });
    else if (found.configHash !== network.configHash) first.push({ kind: 'recreate-network', old: found, network });
  }
  const names = new Set(wanted.map((n) => n.name));
  const last: Step[] = mine
    .filter((n) => !names.has(n.name))
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((network) => ({ kind: 'remove-network', network, reason: 'no service of the spec joins it on this site' }));
  return { first, last };
}

/** The external volumes `desired` mounts, each once: a site must have them before a deploy. */
export function externalVolumes(desired: readonly ContainerSpec[]): string[] {
  return [...new Set(desired.flatMap((c) => c.mounts.filter((m) => m.type === 'volume' && m.external && m.source !== undefined).map((m) => m.source!)))];
}

/** The external networks `desired` joins that the engine does not have (a deploy stops before any step then). */
export function missingExternal(desired: readonly ContainerSpec[], observed: readonly { name: string }[]): NetworkSpec[] {
  const have = new Set(observed.map((n) => n.name));
  return networksOf(desired).filter((n) => n.external && !have.has(n.name));
}
