// The planner: (actual, desired) -> steps. Pure and total: it never does I/O and never throws on odd
// engine states; every observed container either matches the desired one, is changed, or is removed.
import { type Step, type ReplaceOrder } from './steps.js';
import { resourcesEqual } from './resources.js';
import type { ContainerSpec, ObservedContainer } from './types.js';
import type { ContainerNetwork, ObservedNetwork } from './network.js';
import { planNetworks } from './plan-networks.js';

export interface PlanInput {
  /** the site's desired containers (renderSite) */
  desired: readonly ContainerSpec[];
  /** what the engine reports: only turtle-owned containers of this project; other sites' are ignored here */
  actual: readonly ObservedContainer[];
  site: string;
  /**
   * The project's networks on the engine (turtle's, and the external ones the spec names). Absent: the
   * engine's networks are not known (a runtime without them), and the plan has no network steps.
   */
  networks?: readonly ObservedNetwork[];
  /** the project, for the networks (the desired containers name it, but a site may have none left) */
  project?: string;
}

const ACTIVE = new Set(['running', 'restarting', 'paused']);

export function plan({ desired, actual, site, networks, project }: PlanInput): Step[] {
  const mine = actual.filter((c) => c.site === site);
  const bySlot = groupBy(mine, slotKey);
  const removals: Step[] = [];
  const stops: Step[] = [];
  const updates: Step[] = [];
  const launches = new Map<string, Step[]>(); // service -> create/replace/start steps, ordered later

  for (const spec of desired) {
    const candidates = bySlot.get(slotKey(spec)) ?? [];
    bySlot.delete(slotKey(spec));
    const keep = pickKeeper(candidates, spec);
    for (const extra of candidates) {
      if (extra !== keep) removals.push({ kind: 'remove', container: extra, reason: reasonForExtra(extra, spec) });
    }
    const launch = (step: Step) => pushTo(launches, spec.service, step);
    if (keep === undefined) {
      launch({ kind: 'create', spec });
    } else if (keep.configHash !== spec.configHash || keep.state === 'dead') {
      launch({ kind: 'replace', old: keep, spec, order: replaceOrder(spec), reason: changeReason(keep, spec) });
    } else {
      if (!resourcesEqual(keep.resources, spec.resources)) {
        updates.push({ kind: 'update-resources', container: keep, spec, from: keep.resources, to: spec.resources });
      }
      for (const network of offNetworks(keep, spec)) launch({ kind: 'connect', container: keep, spec, network });
      const active = ACTIVE.has(keep.state);
      if (spec.running && !active) launch({ kind: 'start', container: keep, spec });
      if (!spec.running && active) stops.push({ kind: 'stop', container: keep });
    }
  }
  const services = new Set(desired.map((d) => d.service));
  for (const leftovers of bySlot.values()) {
    for (const c of leftovers) {
      const reason = services.has(c.service) ? 'replica scaled down' : 'service not in the spec for this site';
      removals.push({ kind: 'remove', container: c, reason });
    }
  }
  // Engines list containers in no fixed order; sorting keeps plans (and their tests) deterministic.
  const nets = networks ? planNetworks(desired, networks, site, project ?? desired[0]?.project ?? actual[0]?.project ?? '') : { first: [], last: [] };
  return [...sortBySlot(removals), ...sortBySlot(stops), ...sortBySlot(updates), ...nets.first, ...inDependencyOrder(launches, desired), ...nets.last];
}

function sortBySlot(steps: Step[]): Step[] {
  const key = (s: Step) => ('container' in s ? s.container : 'spec' in s ? s.spec : { service: '', replica: 0 });
  return steps.sort((a, b) => key(a).service.localeCompare(key(b).service) || key(a).replica - key(b).replica);
}

function slotKey(c: { service: string; replica: number }): string {
  return `${c.service}\u0000${c.replica}`;
}

/** The container to keep for a slot: one already on the desired config (running first), else the running one. */
function pickKeeper(candidates: readonly ObservedContainer[], spec: ContainerSpec): ObservedContainer | undefined {
  const rank = (c: ObservedContainer) =>
    (c.configHash === spec.configHash ? 4 : 0) + (ACTIVE.has(c.state) ? 2 : 0) + (c.state === 'removing' ? -8 : 0);
  let best: ObservedContainer | undefined;
  for (const c of candidates) {
    if (best === undefined || rank(c) > rank(best) || (rank(c) === rank(best) && newer(c, best))) best = c;
  }
  return best;
}

function newer(a: ObservedContainer, b: ObservedContainer): boolean {
  return (a.createdAt ?? '') > (b.createdAt ?? '');
}

function reasonForExtra(extra: ObservedContainer, spec: ContainerSpec): string {
  return extra.configHash === spec.configHash ? 'duplicate' : 'superseded';
}

/**
 * Host ports cannot be bound twice, so services publishing one swap stop-first (a proxied service
 * publishes none: the proxy holds its ports); others start-first unless their `update.order` says otherwise.
 */
export function replaceOrder(spec: ContainerSpec): ReplaceOrder {
  if (spec.ports.some((p) => p.host !== undefined)) return 'stop-first';
  return spec.update?.order ?? 'start-first';
}

/** The wanted networks the container is not on (cut off by hand, or its network was removed and made anew). */
function offNetworks(c: ObservedContainer, spec: ContainerSpec): ContainerNetwork[] {
  if (c.networks === undefined) return [];
  return (spec.networks ?? []).filter((n) => !c.networks!.includes(n.name));
}

function changeReason(old: ObservedContainer, spec: ContainerSpec): string {
  if (old.configHash === spec.configHash) return 'container is dead';
  return old.image !== spec.image ? `image ${old.image} -> ${spec.image}` : 'config changed';
}

/** Launch steps of a service come after those of the services it depends on (spec order otherwise). */
function inDependencyOrder(launches: Map<string, Step[]>, desired: readonly ContainerSpec[]): Step[] {
  const deps = new Map<string, string[]>();
  for (const spec of desired) deps.set(spec.service, Object.keys(spec.dependsOn));
  const out: Step[] = [];
  const done = new Set<string>();
  const visiting = new Set<string>();
  const visit = (service: string) => {
    if (done.has(service) || visiting.has(service)) return; // cycles are rejected by validation
    visiting.add(service);
    for (const dep of deps.get(service) ?? []) visit(dep);
    visiting.delete(service);
    done.add(service);
    out.push(...(launches.get(service) ?? []));
  };
  for (const spec of desired) visit(spec.service);
  return out;
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const map = new Map<string, T[]>();
  for (const item of items) pushTo(map, key(item), item);
  return map;
}

function pushTo<T>(map: Map<string, T[]>, key: string, item: T): void {
  const list = map.get(key);
  if (list) list.push(item);
  else map.set(key, [item]);
}
