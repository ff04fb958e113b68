// Each watched site: its agent, the newest sequence number applied, reachability and its latest state.
import type Database from 'better-sqlite3';

export interface SiteRow {
  site: string;
  agent: string;
  lastSeq: number;
  /** ms since the epoch of the last answer from the agent */
  lastContact?: number;
  /** set while unreachable: when it was first noticed */
  unreachableAt?: number;
  lastError?: string;
  desired?: unknown;
  observed?: unknown;
  observedAt?: number;
}

interface Raw {
  site: string; agent: string; last_seq: number; last_contact: number | null; unreachable_at: number | null;
  last_error: string | null; desired: string | null; observed: string | null; observed_at: number | null;
}

export class SiteTable {
  constructor(private readonly db: Database.Database) {}

  /** Adds the site, or updates its agent URL; its cursor and state are kept. */
  ensure(site: string, agent: string): void {
    this.db.prepare('INSERT INTO sites (site, agent) VALUES (?, ?) ON CONFLICT (site) DO UPDATE SET agent = excluded.agent').run(site, agent);
  }

  cursor(site: string): number {
    return (this.db.prepare('SELECT last_seq FROM sites WHERE site = ?').get(site) as { last_seq: number } | undefined)?.last_seq ?? 0;
  }

  reached(site: string, now: number): void {
    this.db.prepare('UPDATE sites SET last_contact = ?, unreachable_at = NULL, last_error = NULL WHERE site = ?').run(now, site);
  }

  unreachable(site: string, error: string, now: number): void {
    this.db.prepare('UPDATE sites SET unreachable_at = COALESCE(unreachable_at, ?), last_error = ? WHERE site = ?').run(now, error.slice(0, 500), site);
  }

  isUnreachable(site: string): boolean {
    return (this.db.prepare('SELECT unreachable_at FROM sites WHERE site = ?').get(site) as { unreachable_at: number | null } | undefined)?.unreachable_at != null;
  }

  setState(site: string, state: { desired?: unknown; observed?: unknown }, now: number): void {
    if (state.desired !== undefined) this.db.prepare('UPDATE sites SET desired = ? WHERE site = ?').run(JSON.stringify(state.desired), site);
    if (state.observed !== undefined) this.db.prepare('UPDATE sites SET observed = ?, observed_at = ? WHERE site = ?').run(JSON.stringify(state.observed), now, site);
  }

  list(): SiteRow[] {
    return (this.db.prepare('SELECT * FROM sites ORDER BY site').all() as Raw[]).map((r) => ({
      site: r.site,
      agent: r.agent,
      lastSeq: r.last_seq,
      ...(r.last_contact === null ? {} : { lastContact: r.last_contact }),
      ...(r.unreachable_at === null ? {} : { unreachableAt: r.unreachable_at }),
      ...(r.last_error === null ? {} : { lastError: r.last_error }),
      ...(r.desired === null ? {} : { desired: JSON.parse(r.desired) as unknown }),
      ...(r.observed === null ? {} : { observed: JSON.parse(r.observed) as unknown }),
      ...(r.observed_at === null ? {} : { observedAt: r.observed_at }),
    }));
  }
}
