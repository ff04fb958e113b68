// The observer's current view of every site, as plain data: what `/api/v1/summary` returns and the
// dashboard draws. Built from the store only; the rules (health, drift, skew) are pure functions below.
import type { ContainerSpec, ObservedContainer } from '../domain/types.js';
import { siteDrift } from '../domain/drift.js';
import { serviceHealth, type ServiceHealth } from '../domain/service-health.js';
import { normaliseImage } from '../domain/image.js';
import { specSkew, type Skew } from '../domain/status.js';
import type { SlotHealth } from '../health/index.js';
import type { ObserverStore } from './store.js';
import type { SiteRow } from './_sites.js';
import type { Alert } from './_alerts.js';
import type { MirroredEvent } from './_events.js';
import type { Sample } from './_metrics.js';

/** the same rule as `turtle status` (domain/service-health.ts) */
export type ServiceStatus = ServiceHealth;

export interface ServiceView {
  name: string;
  replicas: number;
  running: number;
  status: ServiceStatus;
  /** images the site runs for it, normalised (no `localhost/`) */
  images: string[];
  restarts: number;
}

export interface SiteView {
  name: string;
  agent: string;
  reachable: boolean;
  lastContact?: number;
  unreachableSince?: number;
  lastError?: string;
  lastSeq: number;
  project?: string;
  /** the spec the site was last given (its deployed version) */
  specHash?: string;
  services: ServiceView[];
  /** how the site differs from its desired state, one line each */
  drift: string[];
  /** containers on the site's engine that turtle did not start, `name (image)` each */
  foreign: string[];
  latest?: Sample;
}

export type { Skew };

export interface Summary {
  generatedAt: string;
  sites: SiteView[];
  skew: Skew[];
  alerts: Alert[];
  recentAlerts: Alert[];
  deployments: MirroredEvent[];
  events: MirroredEvent[];
}

interface Desired {
  desired: { project: string; specHash: string; containers: ContainerSpec[] } | null;
  stopped: string[];
}
interface Observed {
  containers: ObservedContainer[];
  health: SlotHealth[];
  foreign?: { name: string; image: string }[];
}
type LatestHealth = { service: string; replica: number; type: string; appliedAt: number }[];

export const DEPLOYMENT_TYPES = ['desired.replaced', 'reconcile.succeeded', 'reconcile.failed'] as const;

export function buildSummary(store: ObserverStore, now = Date.now()): Summary {
  const sites = store.sites.list().map((row) => siteView(row, store.events.latestHealth(row.site), store.metrics.latest(row.site)));
  return {
    generatedAt: new Date(now).toISOString(),
    sites,
    skew: versionSkew(sites),
    alerts: store.alerts.active(),
    recentAlerts: store.alerts.recent(50),
    deployments: store.events.recent(30, DEPLOYMENT_TYPES),
    events: store.events.recent(50),
  };
}

export function siteView(row: SiteRow, latestHealth: LatestHealth, latest?: Sample): SiteView {
  const d = row.desired as Desired | undefined;
  const o = row.observed as Observed | undefined;
  const desired = d?.desired?.containers ?? [];
  const stopped = new Set(d?.stopped ?? []);
  const observed = o?.containers ?? [];
  const names = [...new Set([...desired.map((c) => c.service), ...observed.map((c) => c.service)])].sort();
  const services = names.map((name): ServiceView => {
    const want = desired.filter((c) => c.service === name);
    const have = observed.filter((c) => c.service === name);
    const running = have.filter((c) => c.state === 'running');
    const slots = (o?.health ?? []).filter((h) => h.service === name);
    return {
      name,
      replicas: want.length,
      running: running.length,
      status: serviceStatus(name, want.length, running.length, stopped.has(name) || want.every((c) => !c.running), slots, latestHealth, row.observedAt ?? 0),
      images: [...new Set(have.map((c) => normaliseImage(c.image)))].sort(),
      restarts: slots.reduce((a, s) => a + s.restarts, 0),
    };
  });
  return {
    name: row.site,
    agent: row.agent,
    reachable: row.unreachableAt === undefined && row.lastContact !== undefined,
    ...(row.lastContact === undefined ? {} : { lastContact: row.lastContact }),
    ...(row.unreachableAt === undefined ? {} : { unreachableSince: row.unreachableAt }),
    ...(row.lastError === undefined ? {} : { lastError: row.lastError }),
    lastSeq: row.lastSeq,
    ...(d?.desired ? { project: d.desired.project, specHash: d.desired.specHash } : {}),
    services,
    drift: o ? drift(row.site, desired, stopped, observed) : [],
    foreign: (o?.foreign ?? []).map((c) => `${c.name} (${c.image})`),
    ...(latest ? { latest } : {}),
  };
}

/** Health events that say a replica is failing (a later health.recovered says it is not). */
export const FAILING = new Set(['health.failed', 'health.restarted', 'health.restart-failed', 'service.crash-loop']);

/**
 * A replica's health is the newest of two readings: the last observed state, and any health event applied
 * after it (events arrive within a fraction of a second; state is read a little later).
 */
export function serviceStatus(name: string, replicas: number, running: number, stopped: boolean, slots: SlotHealth[], latestHealth: LatestHealth, observedAt: number): ServiceStatus {
  const failing = (replica: number, status: SlotHealth['status'] | undefined) => {
    const event = latestHealth.find((h) => h.service === name && h.replica === replica && h.appliedAt > observedAt);
    if (event) return FAILING.has(event.type);
    return status === 'failing' || status === 'crash-loop';
  };
  const replicasSeen = new Set([...slots.map((s) => s.replica), ...latestHealth.filter((h) => h.service === name && h.appliedAt > observedAt).map((h) => h.replica)]);
  return serviceHealth({
    stopped,
    desired: replicas,
    running,
    present: slots.length,
    failing: [...replicasSeen].filter((r) => failing(r, slots.find((s) => s.replica === r)?.status)).length,
    starting: slots.filter((s) => s.status === 'starting').length,
  });
}

/** Where the site differs from its desired state, one line each: the same rule as `turtle drift` (domain/drift.ts). */
export function drift(site: string, desired: readonly ContainerSpec[], stopped: ReadonlySet<string>, observed: readonly ObservedContainer[]): string[] {
  const want = desired.map((c) => ({ ...c, running: c.running && !stopped.has(c.service) }));
  return siteDrift({ site, desired: want, actual: observed }).map((d) => d.message);
}

/** Services that run different images on different sites, and sites deployed from different specs. */
export function versionSkew(sites: readonly SiteView[]): Skew[] {
  const out = specSkew(Object.fromEntries(sites.filter((s) => s.specHash).map((s) => [s.name, (s.specHash as string).slice(0, 12)])));
  const services = [...new Set(sites.flatMap((s) => s.services.map((v) => v.name)))].sort();
  for (const service of services) {
    const bySite: Record<string, string> = {};
    for (const s of sites) {
      const images = s.services.find((v) => v.name === service)?.images ?? [];
      if (images.length) bySite[s.name] = images.join(', ');
    }
    if (new Set(Object.values(bySite)).size > 1) out.push({ subject: service, bySite });
  }
  return out;
}

