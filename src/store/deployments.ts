// Deployment history: one deployment per `turtle deploy` (or rollback), with each site's steps and timings.
import { hostname } from 'node:os';
import type Database from 'better-sqlite3';

/**
 * A deployment's (and a site's) outcome. rolled-back: it failed and every site it changed is back on the
 * version it had; pending: a site was cut off and skipped (it gets the version on the next deploy);
 * skipped (sites only): the site never received the version, because an earlier site failed;
 * interrupted: stopped by the operator (Ctrl-C) or its CLI died: the next deploy repairs and converges.
 */
export type Outcome = 'running' | 'succeeded' | 'failed' | 'no-op' | 'rolled-back' | 'pending' | 'skipped' | 'interrupted';

export interface StepRecord {
  step: string;
  kind: string;
  service: string;
  status: 'done' | 'failed' | 'skipped';
  durationMs: number;
  error?: string;
}

export interface SiteRecord {
  site: string;
  outcome: Outcome;
  steps: StepRecord[];
  error?: string;
  startedAt: string;
  durationMs?: number;
  /** the spec hash of the version the site ended on, when known */
  version?: string;
}

export interface Deployment {
  id: number;
  specHash: string;
  command: string;
  /** who started it: `operator alice` (the certificate agents saw), else `user@host` */
  by?: string;
  startedAt: string;
  finishedAt?: string;
  outcome: Outcome;
  sites: SiteRecord[];
}

export class DeploymentLog {
  constructor(private readonly db: Database.Database) {}

  /** `by`: the process running it (this one unless given), and who started it */
  begin(specHash: string, command: string, by: { host?: string; pid?: number; who?: string } = {}): number {
    const info = this.db
      .prepare(`INSERT INTO deployments (spec_hash, command, started_at, outcome, host, pid, by_who) VALUES (?, ?, ?, 'running', ?, ?, ?)`)
      .run(specHash, command, new Date().toISOString(), by.host ?? hostname(), by.pid ?? process.pid, by.who ?? null);
    return Number(info.lastInsertRowid);
  }

  /** A deployment that changed nothing and should leave no trace (it never got its locks). */
  discard(id: number): void {
    this.db.prepare('DELETE FROM deployments WHERE id = ?').run(id);
  }

  /**
   * Deployments still `running` whose process is gone (killed): they and their running sites become
   * interrupted. `alive` tells whether a pid of this host lives; other hosts' deployments are left alone.
   */
  markAbandoned(alive: (pid: number) => boolean, host = hostname()): number[] {
    const rows = this.db.prepare(`SELECT id, pid FROM deployments WHERE outcome = 'running' AND host = ?`).all(host) as { id: number; pid: number | null }[];
    const dead = rows.filter((r) => r.pid === null || !alive(r.pid)).map((r) => r.id);
    const at = new Date().toISOString();
    for (const id of dead) {
      this.db.prepare(`UPDATE deployments SET outcome = 'interrupted', finished_at = ? WHERE id = ?`).run(at, id);
      this.db.prepare(`UPDATE deployment_sites SET outcome = 'interrupted', error = COALESCE(error, 'the CLI running it died') WHERE deployment_id = ? AND outcome = 'running'`).run(id);
    }
    return dead;
  }

  /** Records (or updates) one site's part of a deployment. */
  recordSite(deploymentId: number, record: SiteRecord): void {
    this.db
      .prepare(
        `INSERT INTO deployment_sites (deployment_id, site, outcome, steps, error, started_at, duration_ms, version)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (deployment_id, site) DO UPDATE SET outcome = excluded.outcome, steps = excluded.steps,
           error = excluded.error, duration_ms = excluded.duration_ms, version = excluded.version`,
      )
      .run(
        deploymentId,
        record.site,
        record.outcome,
        JSON.stringify(record.steps),
        record.error ?? null,
        record.startedAt,
        record.durationMs ?? null,
        record.version ?? null,
      );
  }

  /** The version `site` is on as far as this store knows: from its newest deployment that says. */
  siteVersion(site: string): { version: string; deployment: number; outcome: Outcome; at: string } | undefined {
    const row = this.db
      .prepare(
        `SELECT deployment_id, version, outcome, started_at FROM deployment_sites
         WHERE site = ? AND version IS NOT NULL ORDER BY deployment_id DESC LIMIT 1`,
      )
      .get(site) as { deployment_id: number; version: string; outcome: Outcome; started_at: string } | undefined;
    return row && { version: row.version, deployment: row.deployment_id, outcome: row.outcome, at: row.started_at };
  }

  /** The newest deployment that involved `site`, with that site's record. */
  lastForSite(site: string): { deployment: Deployment; site: SiteRecord } | undefined {
    const row = this.db.prepare('SELECT deployment_id FROM deployment_sites WHERE site = ? ORDER BY deployment_id DESC LIMIT 1').get(site) as
      | { deployment_id: number }
      | undefined;
    const deployment = row && this.get(row.deployment_id);
    const record = deployment?.sites.find((s) => s.site === site);
    return deployment && record && { deployment, site: record };
  }

  finish(deploymentId: number, outcome: Exclude<Outcome, 'running'>): void {
    this.db
      .prepare('UPDATE deployments SET outcome = ?, finished_at = ? WHERE id = ?')
      .run(outcome, new Date().toISOString(), deploymentId);
  }

  get(id: number): Deployment | undefined {
    const row = this.db.prepare('SELECT * FROM deployments WHERE id = ?').get(id) as DeploymentRow | undefined;
    return row && this.withSites(row);
  }

  /** Newest first. */
  list(limit = 20): Deployment[] {
    const rows = this.db.prepare('SELECT * FROM deployments ORDER BY id DESC LIMIT ?').all(limit) as DeploymentRow[];
    return rows.map((row) => this.withSites(row));
  }

  private withSites(row: DeploymentRow): Deployment {
    const sites = this.db
      // the order the sites were reached in (a rollback updates a row in place)
      .prepare('SELECT * FROM deployment_sites WHERE deployment_id = ? ORDER BY rowid')
      .all(row.id) as SiteRow[];
    return {
      id: row.id,
      specHash: row.spec_hash,
      command: row.command,
      ...(row.by_who === null ? {} : { by: row.by_who }),
      startedAt: row.started_at,
      ...(row.finished_at === null ? {} : { finishedAt: row.finished_at }),
      outcome: row.outcome,
      sites: sites.map((s) => ({
        site: s.site,
        outcome: s.outcome,
        steps: JSON.parse(s.steps) as StepRecord[],
        startedAt: s.started_at,
        ...(s.error === null ? {} : { error: s.error }),
        ...(s.duration_ms === null ? {} : { durationMs: s.duration_ms }),
        ...(s.version === null ? {} : { version: s.version }),
      })),
    };
  }
}

interface DeploymentRow {
  id: number;
  spec_hash: string;
  command: string;
  by_who: string | null;
  started_at: string;
  finished_at: string | null;
  outcome: Outcome;
}

interface SiteRow {
  site: string;
  outcome: Outcome;
  steps: string;
  error: string | null;
  started_at: string;
  duration_ms: number | null;
  version: string | null;
}
