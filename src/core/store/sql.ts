import type { Database, SqlValue, Statement } from 'sql.js';

/** Small sql.js helpers shared by the live store and the archive. */

/** Every row `stmt` gives for `params`; the caller frees or resets the statement. */
function allRows(stmt: Statement, params: SqlValue[]): SqlValue[][] {
  stmt.bind(params);
  const out: SqlValue[][] = [];
  while (stmt.step()) out.push(stmt.get());
  return out;
}

export function queryRows(db: Database, sql: string, params: SqlValue[] = []): SqlValue[][] {
  const stmt = db.prepare(sql);
  try {
    return allRows(stmt, params);
  } finally {
    stmt.free();
  }
}

const ID_CHUNK = 100;
const ID_LIST = `(${new Array(ID_CHUNK).fill('?').join(', ')})`;

/**
 * Prepared statements kept by their SQL text: a sync runs several point queries per record, and compiling the
 * same SQL for each of them again is wasted work. sql.js frees every statement when it exports the database, so
 * `clear()` must run before an export.
 */
export class StatementCache {
  private readonly byText = new Map<string, Statement>();

  constructor(private readonly db: Database) {}

  rows(sql: string, params: SqlValue[] = []): SqlValue[][] {
    const stmt = this.prepared(sql);
    try {
      return allRows(stmt, params);
    } finally {
      stmt.reset();
    }
  }

  run(sql: string, params: SqlValue[] = []): void {
    const stmt = this.prepared(sql);
    try {
      stmt.run(params);
    } finally {
      stmt.reset();
    }
  }

  /**
   * Rows for many ids with one statement per ID_CHUNK ids: `sql` receives the `(?, ?, ...)` list to put after
   * IN. The list is padded with NULLs (which match nothing), so the text never changes and stays cached.
   */
  rowsForIds(sql: (list: string) => string, ids: string[]): SqlValue[][] {
    const out: SqlValue[][] = [];
    for (let i = 0; i < ids.length; i += ID_CHUNK) {
      const chunk: SqlValue[] = ids.slice(i, i + ID_CHUNK);
      while (chunk.length < ID_CHUNK) chunk.push(null);
      out.push(...this.rows(sql(ID_LIST), chunk));
    }
    return out;
  }

  clear(): void {
    for (const stmt of this.byText.values()) stmt.free();
    this.byText.clear();
  }

  private prepared(sql: string): Statement {
    let stmt = this.byText.get(sql);
    if (!stmt) {
      stmt = this.db.prepare(sql);
      this.byText.set(sql, stmt);
    }
    return stmt;
  }
}

/** Runs `fn` in a savepoint: all of its writes, or (when it throws) none. Nests. */
export function inTransaction<T>(db: Database, fn: () => T): T {
  db.exec('SAVEPOINT tx');
  try {
    const result = fn();
    db.exec('RELEASE tx');
    return result;
  } catch (err) {
    db.exec('ROLLBACK TO tx; RELEASE tx');
    throw err;
  }
}

/**
 * Forward-only migrations: `PRAGMA user_version` counts those that ran. A file written by a newer version
 * (more migrations than known) is refused with `tooNew(current, known)` rather than guessed at. True when a
 * migration ran (the caller then persists the database: the file on disk still has the old version).
 */
export function applyMigrations(db: Database, migrations: string[], tooNew: (current: number, known: number) => Error): boolean {
  const current = Number(db.exec('PRAGMA user_version')[0].values[0][0]);
  if (current > migrations.length) throw tooNew(current, migrations.length);
  for (let v = current; v < migrations.length; v++) {
    db.exec('BEGIN');
    try {
      db.exec(migrations[v]);
      db.exec(`PRAGMA user_version = ${v + 1}`);
      db.exec('COMMIT');
    } catch (err) {
      db.exec('ROLLBACK');
      throw err;
    }
  }
  return current < migrations.length;
}
