// Decision records (`turtle decide --write`) and their predictions, which `turtle decide review` checks later.
import type Database from 'better-sqlite3';
import type { DecisionRecord, Prediction } from '../decide/types.js';

export interface StoredDecision {
  number: number;
  title: string;
  /** ISO time the decision was made; predictions are checked against observations from then on */
  date: string;
  winner: string;
  /** the markdown file it was written to, relative to where `turtle decide` ran */
  file: string;
  record: DecisionRecord;
  predictions: Prediction[];
}

export class DecisionLog {
  constructor(private readonly db: Database.Database) {}

  /**
   * Stores (or replaces, when re-decided under the same number) a record and its predictions. `decidedAt` (ISO
   * time) is when observations start to count, so the probes the decision was made from do not confirm it.
   */
  save(record: DecisionRecord, file: string, decidedAt = record.problem.date): void {
    const { number, title } = record.problem;
    const date = decidedAt;
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM decisions WHERE number = ?').run(number);
      this.db
        .prepare('INSERT INTO decisions (number, title, date, winner, file, record) VALUES (?, ?, ?, ?, ?, ?)')
        .run(number, title, date, record.winner, file, JSON.stringify(record));
      const insert = this.db.prepare(
        'INSERT INTO predictions (decision, id, metric, site, op, value, text) VALUES (?, ?, ?, ?, ?, ?, ?)',
      );
      for (const p of record.predictions) insert.run(number, p.id, p.metric, p.site, p.op, p.value, p.text);
    })();
  }

  get(number: number): StoredDecision | undefined {
    const row = this.db.prepare('SELECT * FROM decisions WHERE number = ?').get(number) as Row | undefined;
    return row && this.withPredictions(row);
  }

  /** Oldest first. */
  list(): StoredDecision[] {
    return (this.db.prepare('SELECT * FROM decisions ORDER BY number').all() as Row[]).map((row) => this.withPredictions(row));
  }

  /** The number the next record gets. */
  nextNumber(): number {
    const row = this.db.prepare('SELECT MAX(number) AS n FROM decisions').get() as { n: number | null };
    return (row.n ?? 0) + 1;
  }

  private withPredictions(row: Row): StoredDecision {
    const predictions = this.db
      .prepare('SELECT id, metric, site, op, value, text FROM predictions WHERE decision = ? ORDER BY rowid')
      .all(row.number) as Prediction[];
    return {
      number: row.number,
      title: row.title,
      date: row.date,
      winner: row.winner,
      file: row.file,
      record: JSON.parse(row.record) as DecisionRecord,
      predictions,
    };
  }
}

interface Row {
  number: number;
  title: string;
  date: string;
  winner: string;
  file: string;
  record: string;
}
