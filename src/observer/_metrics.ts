// Host vs turtle CPU and memory per site: raw samples for a few hours, then 5-minute rollups (mean, and
// the peak of turtle's CPU) for longer, so the store stays small on a small machine.
import type Database from 'better-sqlite3';

export interface Sample {
  at: number;
  /** percent of one core (200 = two cores); absent when the agent does not report its host */
  hostCpu?: number;
  hostMem?: number;
  turtleCpu: number;
  /** bytes */
  turtleMem: number;
}

export interface Retention {
  rawMs: number;
  rollupMs: number;
  bucketMs: number;
}

export const DEFAULT_RETENTION: Retention = { rawMs: 6 * 3_600_000, rollupMs: 30 * 86_400_000, bucketMs: 300_000 };

interface Raw { at: number; host_cpu: number | null; host_mem: number | null; turtle_cpu: number; turtle_mem: number }

export class MetricSeries {
  constructor(private readonly db: Database.Database) {}

  add(site: string, s: Sample): void {
    this.db.prepare('INSERT OR REPLACE INTO samples (site, at, host_cpu, host_mem, turtle_cpu, turtle_mem) VALUES (?, ?, ?, ?, ?, ?)')
      .run(site, s.at, s.hostCpu ?? null, s.hostMem ?? null, s.turtleCpu, s.turtleMem);
  }

  /** Rollups older than the raw window, then raw samples: one series, oldest first. */
  series(site: string, since: number): Sample[] {
    const rolled = this.db.prepare(
      'SELECT bucket AS at, host_cpu, host_mem, turtle_cpu, turtle_mem FROM rollups WHERE site = ? AND bucket >= ? AND bucket < COALESCE((SELECT MIN(at) FROM samples WHERE site = ?), 9e15) ORDER BY bucket',
    ).all(site, since, site) as Raw[];
    const raw = this.db.prepare('SELECT at, host_cpu, host_mem, turtle_cpu, turtle_mem FROM samples WHERE site = ? AND at >= ? ORDER BY at').all(site, since) as Raw[];
    return [...rolled, ...raw].map(fromRow);
  }

  latest(site: string): Sample | undefined {
    const r = this.db.prepare('SELECT at, host_cpu, host_mem, turtle_cpu, turtle_mem FROM samples WHERE site = ? ORDER BY at DESC LIMIT 1').get(site) as Raw | undefined;
    return r && fromRow(r);
  }

  /** Folds raw samples of finished buckets into rollups (recomputed, so re-running is harmless) and drops what is past retention. */
  compact(now: number, r: Retention = DEFAULT_RETENTION): { rolled: number; dropped: number } {
    return this.db.transaction(() => {
      const current = Math.floor(now / r.bucketMs) * r.bucketMs;
      const rolled = this.db.prepare(
        `INSERT OR REPLACE INTO rollups (site, bucket, n, host_cpu, host_mem, turtle_cpu, turtle_mem, turtle_cpu_max)
         SELECT site, CAST(at / ? AS INTEGER) * ?, COUNT(*), AVG(host_cpu), AVG(host_mem), AVG(turtle_cpu), AVG(turtle_mem), MAX(turtle_cpu)
         FROM samples WHERE at < ? AND at >= ? GROUP BY site, CAST(at / ? AS INTEGER)`,
      ).run(r.bucketMs, r.bucketMs, current, now - r.rawMs - r.bucketMs, r.bucketMs).changes;
      const dropped = this.db.prepare('DELETE FROM samples WHERE at < ?').run(now - r.rawMs).changes
        + this.db.prepare('DELETE FROM rollups WHERE bucket < ?').run(now - r.rollupMs).changes;
      return { rolled, dropped };
    })();
  }

  counts(): { samples: number; rollups: number } {
    const n = (t: string) => (this.db.prepare(`SELECT COUNT(*) AS n FROM ${t}`).get() as { n: number }).n;
    return { samples: n('samples'), rollups: n('rollups') };
  }
}

function fromRow(r: Raw): Sample {
  return { at: r.at, turtleCpu: r.turtle_cpu, turtleMem: r.turtle_mem, ...(r.host_cpu === null ? {} : { hostCpu: r.host_cpu }), ...(r.host_mem === null ? {} : { hostMem: r.host_mem }) };
}
