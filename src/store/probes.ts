// Site probes (`turtle probe`) and the observations derived from them, which `turtle decide review` checks
// predictions against. Other writers (the site agent's own RSS) append observations directly.
import type Database from 'better-sqlite3';
import type { SiteProbe } from '../probe/types.js';

export interface StoredProbe {
  id: number;
  probe: SiteProbe;
}

/** One measured number: `engine_rss_mb` on dc1 was 142 at this time, from probe 3 (or from the agent). */
export interface StoredObservation {
  metric: string;
  site: string;
  value: number;
  /** ISO time */
  at: string;
  /** `probe 3`, `agent` */
  source: string;
}

const MB = 1e6;

/**
 * The metrics a probe yields, by the names decision records use in their predictions. What the engine itself
 * costs is named with its kind (`engine_rss_mb.docker`), so a prediction about Podman on a site is not checked
 * against a probe of that site's Docker.
 */
export function probeObservations(p: SiteProbe): Omit<StoredObservation, 'source'>[] {
  const kind = p.engine.kind;
  const metrics: [string, number][] = [
    [`engine_rss_mb.${kind}`, p.daemonRssBytes.median / MB],
    [`per_container_mb.${kind}`, p.perContainerBytes.median / MB],
    [`start_latency_ms.${kind}`, p.startLatencyMs.median],
    [`cpu_overhead_percent.${kind}`, p.cpuOverheadPercent],
    ['free_cpus', p.free.cpus],
    ['free_memory_mb', p.free.memoryBytes / MB],
  ];
  // a remote engine's daemons and free capacity cannot be measured: no observation rather than a zero or NaN
  return metrics
    .filter(([metric, value]) => Number.isFinite(value) && !(metric.startsWith('engine_rss_mb') && p.daemons.length === 0))
    .map(([metric, value]) => ({ metric, site: p.site, value, at: p.at }));
}

export class ProbeLog {
  constructor(private readonly db: Database.Database) {}

  /** Stores the probe and its observations together; returns the probe's id. */
  add(probe: SiteProbe): number {
    return this.db.transaction(() => {
      const info = this.db
        .prepare('INSERT INTO probes (site, at, engine, version, data) VALUES (?, ?, ?, ?, ?)')
        .run(probe.site, probe.at, probe.engine.kind, probe.engine.version, JSON.stringify(probe));
      const id = Number(info.lastInsertRowid);
      for (const o of probeObservations(probe)) this.observe({ ...o, source: `probe ${id}` });
      return id;
    })();
  }

  get(id: number): StoredProbe | undefined {
    const row = this.db.prepare('SELECT id, data FROM probes WHERE id = ?').get(id) as Row | undefined;
    return row && fromRow(row);
  }

  /** The newest probe of `site` (optionally of one engine kind). */
  latest(site: string, engine?: string): StoredProbe | undefined {
    const row = this.db
      .prepare('SELECT id, data FROM probes WHERE site = ? AND (? IS NULL OR engine = ?) ORDER BY at DESC, id DESC LIMIT 1')
      .get(site, engine ?? null, engine ?? null) as Row | undefined;
    return row && fromRow(row);
  }

  /** Newest first. */
  list(site?: string, limit = 50): StoredProbe[] {
    const rows = this.db
      .prepare('SELECT id, data FROM probes WHERE (? IS NULL OR site = ?) ORDER BY at DESC, id DESC LIMIT ?')
      .all(site ?? null, site ?? null, limit) as Row[];
    return rows.map(fromRow);
  }

  observe(o: StoredObservation): void {
    this.db
      .prepare('INSERT INTO observations (metric, site, value, at, source) VALUES (?, ?, ?, ?, ?)')
      .run(o.metric, o.site, o.value, o.at, o.source);
  }

  /** Observations at or after `since` (ISO), oldest first. */
  observations(since = ''): StoredObservation[] {
    return this.db
      .prepare('SELECT metric, site, value, at, source FROM observations WHERE at >= ? ORDER BY at, id')
      .all(since) as StoredObservation[];
  }
}

interface Row {
  id: number;
  data: string;
}

function fromRow(row: Row): StoredProbe {
  return { id: row.id, probe: JSON.parse(row.data) as SiteProbe };
}
