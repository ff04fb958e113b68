// bench:rollout-faults' judge: which release each site really runs (its containers' config hashes
// against the renderings of the releases in play) and whether a deployment ended as its outcome says.
// Pure: the bench reads the agents and passes what they answered.
import type { ContainerSpec, ObservedContainer } from '../src/domain/types.js';

/** One release of the bench's spec: its version (spec hash) and what it renders to on each site. */
export interface Release {
  label: string;
  version: string;
  containers: Record<string, readonly ContainerSpec[]>;
}

/** A site as read from its agent after a deployment. */
export interface SiteReading {
  site: string;
  /** the spec hash of the agent's stored desired state */
  desired?: string;
  observed: readonly ObservedContainer[];
  /** the agent could not be read */
  error?: string;
}

/** `target`/`previous`: every slot of that release runs, from that release only; `mixed`: containers of both. */
export type SiteOn = 'target' | 'previous' | 'mixed' | 'unknown';

export interface SiteVerdict {
  site: string;
  on: SiteOn;
  detail: string;
}

export type Verdict = 'clean' | 'mixed' | 'other';

const slot = (c: { service: string; replica: number }) => `${c.service}#${c.replica}`;

/** Whether `site` runs exactly `release`: every slot running with its config hash, nothing else, and the agent wanting it. */
function runs(release: Release, reading: SiteReading): string | undefined {
  const want = release.containers[reading.site] ?? [];
  for (const spec of want) {
    const found = reading.observed.filter((c) => slot(c) === slot(spec));
    if (found.length === 0) return `${slot(spec)} missing`;
    if (found.length > 1) return `${slot(spec)} has ${found.length} containers`;
    const c = found[0]!;
    if (c.configHash !== spec.configHash) return `${slot(spec)} runs ${c.image} (another config)`;
    if (c.state !== 'running') return `${slot(spec)} is ${c.state}`;
  }
  const extra = reading.observed.find((c) => !want.some((s) => slot(s) === slot(c)));
  if (extra) return `extra ${slot(extra)}`;
  if (reading.desired !== release.version) return `the agent wants ${reading.desired?.slice(0, 12) ?? 'nothing'}`;
  return undefined;
}

export function siteVerdict(target: Release, previous: Release, reading: SiteReading): SiteVerdict {
  const { site } = reading;
  if (reading.error) return { site, on: 'unknown', detail: reading.error };
  const hashes = (r: Release) => new Set((r.containers[site] ?? []).filter((c) => c.service !== '_proxy').map((c) => c.configHash));
  const [t, p] = [hashes(target), hashes(previous)];
  const seen = reading.observed.filter((c) => c.service !== '_proxy');
  // every release sets its own RELEASE variable, so no config hash belongs to both
  const fromT = seen.some((c) => t.has(c.configHash) && !p.has(c.configHash));
  const fromP = seen.some((c) => p.has(c.configHash) && !t.has(c.configHash));
  if (fromT && fromP) return { site, on: 'mixed', detail: 'containers of both releases' };
  const notT = runs(target, reading);
  if (notT === undefined) return { site, on: 'target', detail: target.label };
  const notP = runs(previous, reading);
  if (notP === undefined) return { site, on: 'previous', detail: previous.label };
  return { site, on: 'unknown', detail: `not ${target.label}: ${notT}; not ${previous.label}: ${notP}` };
}

/**
 * clean: every site on the release the outcome names (succeeded: the target; rolled-back: the previous);
 * mixed: sites on different releases, or a site with containers of both; other: anything else.
 */
export function verdict(outcome: string, sites: readonly SiteVerdict[]): Verdict {
  if (sites.some((s) => s.on === 'mixed')) return 'mixed';
  const known = sites.filter((s) => s.on === 'target' || s.on === 'previous');
  if (known.some((s) => s.on !== known[0]!.on)) return 'mixed';
  const want: SiteOn | undefined = outcome === 'succeeded' ? 'target' : outcome === 'rolled-back' ? 'previous' : undefined;
  return want !== undefined && sites.every((s) => s.on === want) ? 'clean' : 'other';
}
