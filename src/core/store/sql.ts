import type { Database, SqlValue } from 'sql.js';

/** Small sql.js helpers shared by the live store and the archive. */

export function queryRows(db: Database, sql: string, params: SqlValue[] = []): SqlValue[][] {
  const stmt = db.prepare(sql);
  try {
    stmt.bind(params);
    const out: SqlValue[][] = [];
    while (stmt.step()) out.push(stmt.get());
    return out;
  } finally {
    stmt.free();
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
 * (more migrations than known) is refused with `tooNew(current, known)` rather than guessed at.
 */
export function applyMigrations(db: Database, migrations: string[], tooNew: (current: number, known: number) => Error): void {
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
}
