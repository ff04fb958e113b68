// What a site agent keeps: the desired state the CLI pushed, and a journal of the steps it runs.
import type Database from 'better-sqlite3';
import type { ContainerSpec, SiteBudget } from '../domain/types.js';
import type { Step } from '../domain/steps.js';

export interface DesiredState {
  project: string;
  specHash: string;
  containers: ContainerSpec[];
  /** the site's capacity and budget for its governor (absent from an older CLI: the governor's defaults) */
  site?: SiteBudget;
}

export interface JournalEntry {
  id: number;
  step: Step;
  startedAt: string;
}

export class AgentState {
  constructor(private readonly db: Database.Database) {}

  desired(site: string): (DesiredState & { updatedAt: string }) | undefined {
    const row = this.db.prepare('SELECT * FROM agent_desired WHERE site = ?').get(site) as
      | { project: string; spec_hash: string; containers: string; site_budget: string | null; updated_at: string }
      | undefined;
    if (!row) return undefined;
    return {
      project: row.project, specHash: row.spec_hash, containers: JSON.parse(row.containers) as ContainerSpec[],
      ...(row.site_budget === null ? {} : { site: JSON.parse(row.site_budget) as SiteBudget }),
      updatedAt: row.updated_at,
    };
  }

  setDesired(site: string, state: DesiredState): void {
    this.db
      .prepare(
        `INSERT INTO agent_desired (site, project, spec_hash, containers, site_budget, updated_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (site) DO UPDATE SET project = excluded.project, spec_hash = excluded.spec_hash,
           containers = excluded.containers, site_budget = excluded.site_budget, updated_at = excluded.updated_at`,
      )
      .run(site, state.project, state.specHash, JSON.stringify(state.containers), state.site ? JSON.stringify(state.site) : null, new Date().toISOString());
  }

  /** Written (and synced by SQLite) before the step touches the engine. */
  begin(site: string, step: Step): number {
    const info = this.db
      .prepare(`INSERT INTO agent_journal (site, step, started_at, status) VALUES (?, ?, ?, 'running')`)
      .run(site, JSON.stringify(step), new Date().toISOString());
    return Number(info.lastInsertRowid);
  }

  finish(id: number, status: 'done' | 'failed' | 'recovered'): void {
    this.db.prepare('UPDATE agent_journal SET status = ?, finished_at = ? WHERE id = ?').run(status, new Date().toISOString(), id);
  }

  /** Steps that began and never finished: the agent died in the middle of them. */
  unfinished(site: string): JournalEntry[] {
    const rows = this.db
      .prepare(`SELECT id, step, started_at FROM agent_journal WHERE site = ? AND status = 'running' ORDER BY id`)
      .all(site) as { id: number; step: string; started_at: string }[];
    return rows.map((r) => ({ id: r.id, step: JSON.parse(r.step) as Step, startedAt: r.started_at }));
  }

  /** Keeps the journal small: finished entries older than the newest `keep`. */
  prune(keep = 1000): void {
    this.db.prepare(`DELETE FROM agent_journal WHERE status != 'running' AND id <= (SELECT MAX(id) FROM agent_journal) - ?`).run(keep);
  }
}
