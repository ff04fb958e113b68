// `turtle status` as plain data: per site its version, last deployment and each service's version, image,
// replicas and health; then the version skew between sites. Pure: the command gathers, this decides.
import { normaliseImage } from './image.js';
import { serviceHealth, type ServiceHealth } from './service-health.js';
import type { ContainerSpec, ForeignContainer, ObservedContainer } from './types.js';

/** A spec version rendered for one site: the containers it gives there. */
export interface Rendering {
  /** the full spec hash */
  version: string;
  containers: readonly ContainerSpec[];
}

export interface SiteStatusInput {
  site: string;
  /** what runs there; absent when the site could not be asked (then `error` says why) */
  observed?: readonly ObservedContainer[];
  error?: string;
  /** services an operator stopped there */
  stopped: ReadonlySet<string>;
  /** the full spec hash the site is on: what its agent reports, else what the store recorded */
  version?: string;
  lastDeployment?: LastDeployment;
  /** the renderings to recognise its containers by, best guess first after the current spec */
  renderings: readonly Rendering[];
  /** containers on its engine that turtle did not start */
  foreign?: readonly ForeignContainer[];
}

export interface LastDeployment {
  id: number;
  /** the site's outcome in it */
  outcome: string;
  at: string;
}

export interface StatusInput {
  /** the full hash of turtle.yaml as it is now */
  current: string;
  sites: readonly SiteStatusInput[];
}

/** `current`, the short hash of an older release, or `unknown` (no release renders what runs: changed by hand) */
export type VersionLabel = string;

export interface ServiceStatus {
  service: string;
  /** null when nothing of the service runs on the site */
  version: VersionLabel | null;
  images: string[];
  running: number;
  desired: number;
  health: ServiceHealth;
}

export interface SiteStatus {
  site: string;
  reachable: boolean;
  error?: string;
  /** short spec hash (12 characters), when known */
  version?: string;
  /** the site is on turtle.yaml as it is now */
  current: boolean;
  lastDeployment?: LastDeployment;
  /** the site was cut off during its last deployment: it gets the version on the next one */
  pending: boolean;
  services: ServiceStatus[];
  /** containers on its engine that turtle did not start (absent: none, or not known) */
  foreign?: ForeignContainer[];
}

/** `subject` is a service, or `spec` when sites are on different versions; bySite gives each site's version. */
export interface Skew {
  subject: string;
  bySite: Record<string, string>;
}

export interface Status {
  /** short hash of turtle.yaml as it is now */
  current: string;
  sites: SiteStatus[];
  skew: Skew[];
}

export const UNKNOWN = 'unknown';
export const short = (hash: string): string => hash.slice(0, 12);

export function buildStatus(input: StatusInput): Status {
  const matched = input.sites.map((s) => siteStatus(s, input.current));
  const sites = matched.map((m) => m.status);
  return { current: short(input.current), sites, skew: [...siteSkew(sites), ...serviceSkew(matched)] };
}

interface Matched {
  status: SiteStatus;
  /** per service that runs here: every version whose rendering matches it */
  matches: Map<string, string[]>;
}

function siteStatus(input: SiteStatusInput, current: string): Matched {
  const base = {
    site: input.site,
    reachable: input.observed !== undefined,
    ...(input.error === undefined ? {} : { error: input.error }),
    ...(input.version === undefined ? {} : { version: short(input.version) }),
    current: input.version === current,
    ...(input.lastDeployment ? { lastDeployment: input.lastDeployment } : {}),
    pending: input.lastDeployment?.outcome === 'pending',
    ...(input.foreign?.length ? { foreign: [...input.foreign] } : {}),
  };
  const matches = new Map<string, string[]>();
  if (!input.observed) return { status: { ...base, services: [] }, matches };
  const observed = input.observed;
  const desired = input.renderings.find((r) => r.version === current)?.containers ?? [];
  const order = preference(input.renderings, current, input.version);
  const names = [...new Set([...desired.map((c) => c.service), ...observed.map((c) => c.service)])].sort();
  const services = names.map((name): ServiceStatus => {
    const have = observed.filter((c) => c.service === name);
    const want = desired.filter((c) => c.service === name);
    const versions = order.filter((r) => renders(r, name, have)).map((r) => r.version);
    if (have.length) matches.set(name, versions);
    const first = versions[0];
    return {
      service: name,
      version: have.length === 0 ? null : first === undefined ? UNKNOWN : first === current ? 'current' : short(first),
      images: [...new Set(have.map((c) => normaliseImage(c.image)))].sort(),
      running: have.filter((c) => c.state === 'running').length,
      desired: want.length,
      health: health(have, want, input.stopped.has(name) || (want.length > 0 && want.every((c) => !c.running))),
    };
  });
  return { status: { ...base, services }, matches };
}

/** The current spec first, then the site's own version, then the rest as given (newest first). */
function preference(renderings: readonly Rendering[], current: string, own: string | undefined): Rendering[] {
  const rank = (r: Rendering) => (r.version === current ? 0 : r.version === own ? 1 : 2);
  return [...renderings].sort((a, b) => rank(a) - rank(b));
}

/** A rendering explains what runs when every container of the service has one of its config hashes. */
function renders(rendering: Rendering, service: string, have: readonly ObservedContainer[]): boolean {
  const hashes = new Set(rendering.containers.filter((c) => c.service === service).map((c) => c.configHash));
  return have.length > 0 && have.every((c) => hashes.has(c.configHash));
}

function health(have: readonly ObservedContainer[], want: readonly ContainerSpec[], stopped: boolean): ServiceHealth {
  const running = have.filter((c) => c.state === 'running');
  return serviceHealth({
    stopped,
    desired: want.length,
    running: running.length,
    present: have.length,
    failing: have.filter((c) => c.health === 'unhealthy' || ['restarting', 'exited', 'dead'].includes(c.state)).length,
    starting: have.filter((c) => c.health === 'starting' || c.state === 'created').length,
  });
}

function siteSkew(sites: readonly SiteStatus[]): Skew[] {
  return specSkew(Object.fromEntries(sites.flatMap((s) => (s.version === undefined ? [] : [[s.site, s.version]]))));
}

/** Sites on different versions (site -> short spec hash): the observer's dashboard flags them by the same rule. */
export function specSkew(bySite: Record<string, string>): Skew[] {
  return new Set(Object.values(bySite)).size > 1 ? [{ subject: 'spec', bySite }] : [];
}

/** A service is skewed when no one version explains what runs on every site it runs on. */
function serviceSkew(sites: readonly Matched[]): Skew[] {
  const names = [...new Set(sites.flatMap((s) => [...s.matches.keys()]))].sort();
  const out: Skew[] = [];
  for (const name of names) {
    const on = sites.filter((s) => s.matches.has(name));
    if (on.length < 2) continue;
    const [first, ...rest] = on.map((s) => s.matches.get(name) ?? []);
    const common = (first ?? []).filter((v) => rest.every((vs) => vs.includes(v)));
    if (common.length > 0) continue;
    const label = (s: Matched) => s.status.services.find((v) => v.service === name)?.version ?? UNKNOWN;
    out.push({ subject: name, bySite: Object.fromEntries(on.map((s) => [s.status.site, label(s)])) });
  }
  return out;
}
