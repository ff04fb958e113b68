// Every site's events, mirrored exactly: keyed by (site, seq), so applying a batch twice changes nothing,
// and the site's cursor moves in the same transaction as the rows it covers.
import type Database from 'better-sqlite3';
import type { TurtleEvent } from '../store/index.js';

export interface MirroredEvent extends TurtleEvent {
  /** ms since the epoch when the observer stored it (replication lag = appliedAt - time) */
  appliedAt: number;
}

/** Events that change a replica's health; the newest one of each replica says whether it is failing. */
export const HEALTH_TYPES = ['health.failed', 'health.restarted', 'health.restart-failed', 'service.crash-loop', 'health.recovered'] as const;

interface Raw {
  site: string; seq: number; time: string; type: string; service: string | null; message: string; data: string | null; applied_at: number;
}

export class MirroredEvents {
  private readonly insert;
  private readonly advance;

  constructor(private readonly db: Database.Database) {
    this.insert = db.prepare('INSERT OR IGNORE INTO events (site, seq, time, type, service, message, data, applied_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
    this.advance = db.prepare('UPDATE sites SET last_seq = MAX(last_seq, ?) WHERE site = ?');
  }

  /** Stores the events not stored yet and moves the site's cursor; returns those that were new. */
  apply(site: string, events: readonly TurtleEvent[], now = Date.now()): TurtleEvent[] {
    return this.db.transaction(() => {
      const fresh: TurtleEvent[] = [];
      let top = 0;
      for (const e of events) {
        if (e.site !== site) continue; // an agent only reports its own site; anything else is not ours to mirror
        const info = this.insert.run(site, e.seq, e.time, e.type, e.service ?? null, e.message, e.data === undefined ? null : JSON.stringify(e.data), now);
        if (info.changes > 0) fresh.push(e);
        top = Math.max(top, e.seq);
      }
      if (top > 0) this.advance.run(top, site);
      return fresh;
    })();
  }

  list(options: { site?: string; after?: number; limit?: number; types?: readonly string[] } = {}): MirroredEvent[] {
    const types = options.types ?? [];
    const rows = this.db
      .prepare(
        `SELECT * FROM events WHERE (? IS NULL OR site = ?) AND seq > ? ${types.length ? `AND type IN (${types.map(() => '?').join(',')})` : ''}
         ORDER BY site, seq LIMIT ?`,
      )
      .all(options.site ?? null, options.site ?? null, options.after ?? 0, ...types, options.limit ?? 1000) as Raw[];
    return rows.map(fromRow);
  }

  /** The newest events across sites, newest first. */
  recent(limit: number, types?: readonly string[]): MirroredEvent[] {
    const filter = types?.length ? `WHERE type IN (${types.map(() => '?').join(',')})` : '';
    return (this.db.prepare(`SELECT * FROM events ${filter} ORDER BY time DESC, seq DESC LIMIT ?`).all(...(types ?? []), limit) as Raw[]).map(fromRow);
  }

  /** The newest health event of each replica (service#replica) of `site`, with when it was applied. */
  latestHealth(site: string): { service: string; replica: number; type: string; appliedAt: number }[] {
    return this.db.prepare(
      `SELECT service, CAST(json_extract(data, '$.replica') AS INTEGER) AS replica, type, applied_at AS appliedAt, MAX(seq) AS seq
       FROM events WHERE site = ? AND type IN (${HEALTH_TYPES.map(() => '?').join(',')}) GROUP BY service, replica`,
    ).all(site, ...HEALTH_TYPES) as { service: string; replica: number; type: string; appliedAt: number }[];
  }

  /** How many events of `site` are stored, and the lowest and highest sequence numbers. */
  stats(site: string): { count: number; min: number; max: number } {
    const r = this.db.prepare('SELECT COUNT(*) AS count, MIN(seq) AS min, MAX(seq) AS max FROM events WHERE site = ?').get(site) as { count: number; min: number | null; max: number | null };
    return { count: r.count, min: r.min ?? 0, max: r.max ?? 0 };
  }

  /** Replication lag of the events applied since `since` (ms since the epoch), in ms, sorted. */
  lags(site: string, since: number): number[] {
    const rows = this.db.prepare('SELECT time, applied_at FROM events WHERE site = ? AND applied_at >= ?').all(site, since) as { time: string; applied_at: number }[];
    return rows.map((r) => r.applied_at - Date.parse(r.time)).sort((a, b) => a - b);
  }
}

function fromRow(r: Raw): MirroredEvent {
  return {
    site: r.site, seq: r.seq, time: r.time, type: r.type, message: r.message, appliedAt: r.applied_at,
    ...(r.service === null ? {} : { service: r.service }),
    ...(r.data === null ? {} : { data: JSON.parse(r.data) as Record<string, unknown> }),
  };
}
