// The SQLite store (better-sqlite3): deployments, events and the operator's run-state of services.
import Database from 'better-sqlite3';
import { TurtleError, ExitCode, errorMessage } from '../lib/errors.js';
import { migrations } from './_migrations.js';
import { DeploymentLog } from './deployments.js';
import { EventLog } from './events.js';
import { ProbeLog } from './probes.js';
import { DecisionLog } from './decisions.js';
import { AgentState } from './agent-state.js';
import { ReleaseLog } from './releases.js';
import { preparePrivateFile } from '../lib/private-file.js';

export class Store {
  readonly deployments: DeploymentLog;
  readonly events: EventLog;
  readonly probes: ProbeLog;
  readonly decisions: DecisionLog;
  readonly agent: AgentState;
  readonly releases: ReleaseLog;

  private constructor(private readonly db: Database.Database) {
    this.deployments = new DeploymentLog(db);
    this.events = new EventLog(db);
    this.probes = new ProbeLog(db);
    this.decisions = new DecisionLog(db);
    this.agent = new AgentState(db);
    this.releases = new ReleaseLog(db);
  }

  /** Opens (creating if needed) and migrates the store at `path`; `:memory:` for tests. */
  static open(path: string): Store {
    let db: Database.Database;
    try {
      if (path !== ':memory:') preparePrivateFile(path);
      db = new Database(path);
    } catch (err) {
      throw new TurtleError(`cannot open the state store ${path}: ${errorMessage(err)}`, {
        exitCode: ExitCode.unreachable,
        hint: 'check the directory is writable, or choose another place with --state',
      });
    }
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    migrate(db, path);
    return new Store(db);
  }

  get schemaVersion(): number {
    return this.db.pragma('user_version', { simple: true }) as number;
  }

  /** Services an operator stopped on `site` (they stay stopped across deploys until started). */
  stoppedServices(site: string): Set<string> {
    const rows = this.db.prepare('SELECT service FROM service_state WHERE site = ? AND stopped = 1').all(site);
    return new Set((rows as { service: string }[]).map((r) => r.service));
  }

  setStopped(site: string, service: string, stopped: boolean): void {
    this.db
      .prepare(
        `INSERT INTO service_state (site, service, stopped, updated_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (site, service) DO UPDATE SET stopped = excluded.stopped, updated_at = excluded.updated_at`,
      )
      .run(site, service, stopped ? 1 : 0, new Date().toISOString());
  }

  close(): void {
    this.db.close();
  }
}

function migrate(db: Database.Database, path: string): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > migrations.length) {
    db.close();
    throw new TurtleError(
      `the state store ${path} has schema version ${current}, newer than this turtle knows (${migrations.length})`,
      { exitCode: ExitCode.invalid, hint: 'upgrade turtle, or point --state at another store' },
    );
  }
  for (let version = current + 1; version <= migrations.length; version++) {
    db.transaction(() => {
      db.exec(migrations[version - 1] as string);
      db.pragma(`user_version = ${version}`);
    })();
  }
}
