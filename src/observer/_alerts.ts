// The observer's alerts: one row per incident, opened when a condition starts and resolved when it ends.
import type Database from 'better-sqlite3';

export type AlertKind = 'site.unreachable' | 'service.unhealthy' | 'version.skew' | 'drift' | 'foreign.container';

export interface Alert {
  id: number;
  /** identifies the condition (kind + where), so an incident is opened once */
  key: string;
  kind: AlertKind;
  site?: string;
  service?: string;
  message: string;
  openedAt: number;
  resolvedAt?: number;
}

interface Raw { id: number; key: string; kind: AlertKind; site: string | null; service: string | null; message: string; opened_at: number; resolved_at: number | null }

export class AlertTable {
  constructor(private readonly db: Database.Database) {}

  open(a: Omit<Alert, 'id' | 'resolvedAt'>): Alert {
    const info = this.db.prepare('INSERT INTO alerts (key, kind, site, service, message, opened_at) VALUES (?, ?, ?, ?, ?, ?)')
      .run(a.key, a.kind, a.site ?? null, a.service ?? null, a.message, a.openedAt);
    return { ...a, id: Number(info.lastInsertRowid) };
  }

  resolve(id: number, at: number): void {
    this.db.prepare('UPDATE alerts SET resolved_at = ? WHERE id = ? AND resolved_at IS NULL').run(at, id);
  }

  active(): Alert[] {
    return (this.db.prepare('SELECT * FROM alerts WHERE resolved_at IS NULL ORDER BY opened_at').all() as Raw[]).map(fromRow);
  }

  /** Opened or resolved most recently first. */
  recent(limit: number): Alert[] {
    return (this.db.prepare('SELECT * FROM alerts ORDER BY MAX(opened_at, COALESCE(resolved_at, 0)) DESC LIMIT ?').all(limit) as Raw[]).map(fromRow);
  }
}

function fromRow(r: Raw): Alert {
  return {
    id: r.id, key: r.key, kind: r.kind, message: r.message, openedAt: r.opened_at,
    ...(r.site === null ? {} : { site: r.site }),
    ...(r.service === null ? {} : { service: r.service }),
    ...(r.resolved_at === null ? {} : { resolvedAt: r.resolved_at }),
  };
}
