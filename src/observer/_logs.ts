// Log lines of every service, deduplicated (a reconnecting follow re-sends its tail) and bounded per
// service, newest kept.
import type Database from 'better-sqlite3';

export interface StoredLogLine {
  id: number;
  site: string;
  service: string;
  replica: number;
  time: string;
  stream: string;
  text: string;
}

export class LogLines {
  private readonly insert;

  constructor(private readonly db: Database.Database) {
    this.insert = db.prepare('INSERT OR IGNORE INTO logs (site, service, replica, time, stream, text) VALUES (?, ?, ?, ?, ?, ?)');
  }

  /** Stores the lines; returns those that were new, with their ids. */
  add(lines: readonly Omit<StoredLogLine, 'id'>[]): StoredLogLine[] {
    return this.db.transaction(() => {
      const fresh: StoredLogLine[] = [];
      for (const l of lines) {
        const info = this.insert.run(l.site, l.service, l.replica, l.time, l.stream, l.text.slice(0, 8192));
        if (info.changes > 0) fresh.push({ ...l, id: Number(info.lastInsertRowid) });
      }
      return fresh;
    })();
  }

  /** The newest `limit` lines of a service (every site when `site` is undefined), oldest first. */
  tail(service: string, site: string | undefined, limit: number): StoredLogLine[] {
    const rows = this.db.prepare('SELECT * FROM logs WHERE service = ? AND (? IS NULL OR site = ?) ORDER BY id DESC LIMIT ?').all(service, site ?? null, site ?? null, limit) as StoredLogLine[];
    return rows.reverse();
  }

  /** Keeps the newest `keep` lines of each site's service and nothing older than `maxAgeMs`. */
  prune(keep: number, maxAgeMs: number, now = Date.now()): number {
    const cutoff = new Date(now - maxAgeMs).toISOString();
    return this.db.prepare(
      `DELETE FROM logs WHERE time < ? OR id IN (
         SELECT id FROM (SELECT id, ROW_NUMBER() OVER (PARTITION BY site, service ORDER BY id DESC) AS r FROM logs) WHERE r > ?)`,
    ).run(cutoff, keep).changes;
  }

  count(): number {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM logs').get() as { n: number }).n;
  }
}
