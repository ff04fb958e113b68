// Every spec that was deployed, by its hash: a rollback renders the version it goes back to from here,
// so it needs neither the old turtle.yaml nor a registry (the images stay on the sites).
import type Database from 'better-sqlite3';

export interface Release {
  specHash: string;
  /** the spec as deployed (plain JSON of the parsed Spec) */
  spec: unknown;
  savedAt: string;
}

export class ReleaseLog {
  constructor(private readonly db: Database.Database) {}

  /** Saves a spec once; saving the same hash again keeps the first. */
  save(specHash: string, spec: unknown): void {
    this.db
      .prepare('INSERT INTO releases (spec_hash, spec, saved_at) VALUES (?, ?, ?) ON CONFLICT (spec_hash) DO NOTHING')
      .run(specHash, JSON.stringify(spec), new Date().toISOString());
  }

  get(specHash: string): Release | undefined {
    const row = this.db.prepare('SELECT * FROM releases WHERE spec_hash = ?').get(specHash) as Row | undefined;
    return row && fromRow(row);
  }

  /** Releases whose hash starts with `prefix` (what an operator types: the first 12 characters). */
  matching(prefix: string): Release[] {
    const rows = this.db.prepare("SELECT * FROM releases WHERE spec_hash LIKE ? || '%' ESCAPE '\\' ORDER BY saved_at").all(prefix.replace(/[%_\\]/g, '\\$&')) as Row[];
    return rows.map(fromRow);
  }
}

interface Row {
  spec_hash: string;
  spec: string;
  saved_at: string;
}

function fromRow(row: Row): Release {
  return { specHash: row.spec_hash, spec: JSON.parse(row.spec) as unknown, savedAt: row.saved_at };
}
