import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Database, SqlValue } from 'sql.js';
import { applyMigrations, inTransaction, queryRows } from '../store/sql';
import { loadSqlJs } from '../store/sqljs';
import { removeStaleTemps, setAside, writeFileAtomic } from '../store/atomic-file';

export const ARCHIVE_FILE = 'archive.sqlite';

export class ArchiveCorruptError extends Error {}
export class ArchiveVersionError extends Error {}

/**
 * Forward-only migrations of the archive file (its own PRAGMA user_version, independent of the live store).
 * Sync state travels with each archived session (remote, last_sync_hash, shape) so a restore can rejoin the
 * sync as "already on the remote" without the live store keeping rows for sessions it no longer holds.
 */
const MIGRATIONS: string[] = [
  `CREATE TABLE archived_sessions (
     id TEXT PRIMARY KEY,
     workspace TEXT NOT NULL,
     branch TEXT,
     started_at INTEGER NOT NULL,
     ended_at INTEGER NOT NULL,
     updated_at INTEGER NOT NULL,
     content_hash TEXT NOT NULL,
     archived_at INTEGER NOT NULL,
     body BLOB NOT NULL,           -- the live store's bytes as they were: deflated canonical JSON
     sync_remote TEXT,             -- the remote (display URL) the sync state below refers to
     last_sync_hash TEXT,          -- NULL: the remote does not hold it (never synced, or deleted from the cloud)
     synced_at INTEGER,
     shape TEXT                    -- JSON of the live sync_shape row, if any
   );
   CREATE INDEX archived_updated_at ON archived_sessions(updated_at);
   CREATE INDEX archived_started_at ON archived_sessions(started_at);
   CREATE INDEX archived_workspace ON archived_sessions(workspace);
   -- Sessions in the middle of a move between the two files (see archive.ts for the protocol).
   CREATE TABLE in_flight (
     record_id TEXT PRIMARY KEY,
     op TEXT NOT NULL CHECK (op IN ('archive', 'restore'))
   );`,
];

/** One archived session, as a row of `archived_sessions`. */
export interface ArchivedRow {
  id: string;
  workspace: string;
  branch: string | null;
  startedAt: number;
  endedAt: number;
  updatedAt: number;
  contentHash: string;
  archivedAt: number;
  body: Uint8Array;
  syncRemote: string | null;
  lastSyncHash: string | null;
  syncedAt: number | null;
  shape: string | null;
}

export const ARCHIVED_COLUMNS = 'id, workspace, branch, started_at, ended_at, updated_at, content_hash, archived_at, ' +
  'body, sync_remote, last_sync_hash, synced_at, shape';

export function rowFromSql(r: SqlValue[]): ArchivedRow {
  const num = (v: SqlValue) => (v === null ? null : Number(v));
  const str = (v: SqlValue) => (v === null ? null : String(v));
  return {
    id: String(r[0]), workspace: String(r[1]), branch: str(r[2]), startedAt: Number(r[3]), endedAt: Number(r[4]),
    updatedAt: Number(r[5]), contentHash: String(r[6]), archivedAt: Number(r[7]), body: r[8] as Uint8Array,
    syncRemote: str(r[9]), lastSyncHash: str(r[10]), syncedAt: num(r[11]), shape: str(r[12]),
  };
}

/**
 * The archive: a second sql.js file beside the live store, so that saving and planning the live store do
 * not grow with old sessions. It is written only by the process holding the live store's owner lock, and
 * every save is atomic (the same helpers as the live store). Saves are explicit (`save()`), never deferred:
 * the move protocol in archive.ts depends on the order in which the two files reach the disk.
 */
export class ArchiveStore {
  private closed = false;
  /** Set when open() found an empty or foreign file where the archive should be: what it did, for the user. */
  setAsideNote: string | undefined;

  private constructor(readonly dir: string, private readonly db: Database, private readonly readOnly: boolean) {}

  get file(): string {
    return path.join(this.dir, ARCHIVE_FILE);
  }

  /** Opens (or, unless read-only, creates on first save) the archive in `dir`. An unreadable file is an error. */
  static async open(dir: string, opts: { readOnly?: boolean } = {}): Promise<ArchiveStore> {
    const file = path.join(dir, ARCHIVE_FILE);
    if (!opts.readOnly) removeStaleTemps(dir, ARCHIVE_FILE);
    const SQL = await loadSqlJs();
    let db: Database | undefined;
    let note: string | undefined;
    if (fs.existsSync(file)) {
      db = new SQL.Database(fs.readFileSync(file));
      try {
        checkReadable(db, file);
        const notOurs = notAnArchive(db, file);
        if (notOurs) {
          // Taken as empty, the next save would overwrite it: keep it aside (or, read-only, refuse) and say so.
          if (opts.readOnly) throw new ArchiveCorruptError(`${notOurs}. Run \`session-sync archive\` or \`restore\` to set it aside.`);
          db.close();
          db = undefined;
          note = `${notOurs}; it was kept as ${setAside(file, 'unrecognised')} and a new archive was started.`;
        }
      } catch (err) {
        db?.close();
        throw err;
      }
    }
    db ??= new SQL.Database();
    // Archived sessions exist nowhere else (unless the remote kept them): never set this file aside silently.
    migrate(db);
    const archive = new ArchiveStore(dir, db, !!opts.readOnly);
    archive.setAsideNote = note;
    return archive;
  }

  count(): number {
    return Number(this.scalar('SELECT count(*) FROM archived_sessions'));
  }

  /** Writes the archive to disk now, atomically. */
  async save(): Promise<void> {
    if (this.readOnly) throw new Error('The archive was opened read-only.');
    await writeFileAtomic(this.file, this.db.export());
  }

  /** Rebuilds the file without the free pages that deleted rows leave, so it shrinks after a restore. */
  vacuum(): void {
    this.db.exec('VACUUM');
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
  }

  get sql(): Database {
    return this.db;
  }

  transaction<T>(fn: () => T): T {
    return inTransaction(this.db, fn);
  }

  scalar(sql: string, params: SqlValue[] = []): SqlValue | undefined {
    return this.rows(sql, params)[0]?.[0];
  }

  rows(sql: string, params: SqlValue[] = []): SqlValue[][] {
    return queryRows(this.db, sql, params);
  }
}

function checkReadable(db: Database, file: string): void {
  let verdict: unknown;
  try {
    verdict = db.exec('PRAGMA quick_check')[0]?.values[0]?.[0];
  } catch (err) {
    verdict = (err as Error).message;
  }
  if (verdict !== 'ok') {
    throw new ArchiveCorruptError(`The session archive ${file} cannot be read (${String(verdict)}). ` +
      'It was left untouched; move it away to start a new archive.');
  }
}

/** Why a readable SQLite file is not a session archive (zero bytes, or another program's tables), if it is not. */
function notAnArchive(db: Database, file: string): string | undefined {
  if (fs.statSync(file).size === 0) return `The session archive ${file} is an empty (zero-byte) file`;
  const version = Number(db.exec('PRAGMA user_version')[0].values[0][0]);
  const tables = db.exec("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")[0]?.values ?? [];
  const ours = tables.some((t) => t[0] === 'archived_sessions');
  if (version === 0 && tables.length > 0 && !ours) {
    return `${file} is not a Session Sync archive (it holds ${tables.slice(0, 3).map((t) => String(t[0])).join(', ')})`;
  }
  if (version > 0 && !ours) return `${file} is not a Session Sync archive (no archived_sessions table)`;
  return undefined;
}

function migrate(db: Database): void {
  applyMigrations(db, MIGRATIONS, (current, known) => new ArchiveVersionError(
    `The session archive was written by a newer Session Sync (schema ${current}, this one knows ${known}). ` +
    'Update the extension or CLI; the archive was left untouched.'));
}
