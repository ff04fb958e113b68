// The observer's SQLite store: one file (on a Fly volume, or local), its own schema and migrations.
import Database from 'better-sqlite3';
import { ExitCode, TurtleError, errorMessage } from '../lib/errors.js';
import { observerMigrations } from './_schema.js';
import { SiteTable } from './_sites.js';
import { MirroredEvents } from './_events.js';
import { MetricSeries } from './_metrics.js';
import { LogLines } from './_logs.js';
import { AlertTable } from './_alerts.js';
import { preparePrivateFile } from '../lib/private-file.js';

export class ObserverStore {
  readonly sites: SiteTable;
  readonly events: MirroredEvents;
  readonly metrics: MetricSeries;
  readonly logs: LogLines;
  readonly alerts: AlertTable;

  private constructor(private readonly db: Database.Database) {
    this.sites = new SiteTable(db);
    this.events = new MirroredEvents(db);
    this.metrics = new MetricSeries(db);
    this.logs = new LogLines(db);
    this.alerts = new AlertTable(db);
  }

  static open(path: string): ObserverStore {
    let db: Database.Database;
    try {
      if (path !== ':memory:') preparePrivateFile(path);
      db = new Database(path);
    } catch (err) {
      throw new TurtleError(`cannot open the observer's store ${path}: ${errorMessage(err)}`, {
        exitCode: ExitCode.unreachable,
        hint: 'check the directory (the Fly volume) is mounted and writable, or pass --state',
      });
    }
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('busy_timeout = 5000');
    const current = db.pragma('user_version', { simple: true }) as number;
    if (current > observerMigrations.length) {
      db.close();
      throw new TurtleError(`the observer's store ${path} has schema version ${current}, newer than this turtle knows (${observerMigrations.length})`, {
        exitCode: ExitCode.invalid, hint: 'upgrade turtle, or point --state at another store',
      });
    }
    for (let version = current + 1; version <= observerMigrations.length; version++) {
      db.transaction(() => {
        db.exec(observerMigrations[version - 1] as string);
        db.pragma(`user_version = ${version}`);
      })();
    }
    return new ObserverStore(db);
  }

  get schemaVersion(): number {
    return this.db.pragma('user_version', { simple: true }) as number;
  }

  close(): void {
    this.db.close();
  }
}
