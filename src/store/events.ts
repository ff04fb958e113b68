// The event log: every event has its site, a monotonic sequence number and a time.
import type Database from 'better-sqlite3';

export interface TurtleEvent {
  seq: number;
  time: string;
  site: string;
  type: string;
  service?: string;
  message: string;
  data?: Record<string, unknown>;
}

export type NewEvent = Omit<TurtleEvent, 'seq' | 'time'> & { time?: string };

interface Row {
  seq: number;
  time: string;
  site: string;
  type: string;
  service: string | null;
  message: string;
  data: string | null;
}

export class EventLog {
  constructor(private readonly db: Database.Database) {}

  append(event: NewEvent): TurtleEvent {
    const time = event.time ?? new Date().toISOString();
    const data = event.data === undefined ? null : JSON.stringify(event.data);
    const info = this.db
      .prepare('INSERT INTO events (time, site, type, service, message, data) VALUES (?, ?, ?, ?, ?, ?)')
      .run(time, event.site, event.type, event.service ?? null, event.message, data);
    return { ...event, time, seq: Number(info.lastInsertRowid) };
  }

  /** Events after `after` (exclusive), oldest first. */
  list(options: { after?: number; site?: string; limit?: number } = {}): TurtleEvent[] {
    const rows = this.db
      .prepare(
        `SELECT * FROM events WHERE seq > ? AND (? IS NULL OR site = ?) ORDER BY seq LIMIT ?`,
      )
      .all(options.after ?? 0, options.site ?? null, options.site ?? null, options.limit ?? 1000) as Row[];
    return rows.map(fromRow);
  }

  /** The newest `limit` events of `site` of exactly `type`, newest first. */
  recent(site: string, type: string, limit: number): TurtleEvent[] {
    const rows = this.db.prepare('SELECT * FROM events WHERE site = ? AND type = ? ORDER BY seq DESC LIMIT ?').all(site, type, limit) as Row[];
    return rows.map(fromRow);
  }

  /** The newest event of `site` (whose type starts with `typePrefix`, when given), without reading the rest. */
  last(options: { site?: string; typePrefix?: string } = {}): TurtleEvent | undefined {
    const row = this.db
      .prepare(`SELECT * FROM events WHERE (? IS NULL OR site = ?) AND (? IS NULL OR substr(type, 1, length(?)) = ?) ORDER BY seq DESC LIMIT 1`)
      .get(options.site ?? null, options.site ?? null, options.typePrefix ?? null, options.typePrefix ?? null, options.typePrefix ?? null) as Row | undefined;
    return row === undefined ? undefined : fromRow(row);
  }
}

function fromRow(row: Row): TurtleEvent {
  return {
    seq: row.seq,
    time: row.time,
    site: row.site,
    type: row.type,
    message: row.message,
    ...(row.service === null ? {} : { service: row.service }),
    ...(row.data === null ? {} : { data: JSON.parse(row.data) as Record<string, unknown> }),
  };
}
