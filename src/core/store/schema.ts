import type { Database } from 'sql.js';
import { applyMigrations } from './sql';

/**
 * Forward-only migrations of the local store. `PRAGMA user_version` holds how many have run; a store
 * written by a newer version of the extension is refused rather than guessed at.
 */
const MIGRATIONS: string[] = [
  // 1: the first schema.
  `CREATE TABLE sessions (
     id TEXT PRIMARY KEY,
     workspace TEXT NOT NULL,
     branch TEXT,
     started_at INTEGER NOT NULL,
     ended_at INTEGER NOT NULL,
     updated_at INTEGER NOT NULL,
     content_hash TEXT NOT NULL,
     body BLOB NOT NULL            -- deflated canonical JSON of the whole session
   );
   CREATE INDEX sessions_updated_at ON sessions(updated_at);
   -- As the spec names it: one row per record that reached the remote, with the hash it had then.
   CREATE TABLE sync_status (
     record_id TEXT PRIMARY KEY,
     table_name TEXT NOT NULL,
     last_sync_hash TEXT NOT NULL,
     synced_at INTEGER NOT NULL
   );
   -- What the remote holds of each record, so the next sync can send only what is new (delta).
   CREATE TABLE sync_shape (
     record_id TEXT PRIMARY KEY,
     events INTEGER NOT NULL, events_hash TEXT NOT NULL,
     files INTEGER NOT NULL, files_hash TEXT NOT NULL,
     notes INTEGER NOT NULL, notes_hash TEXT NOT NULL,
     frames INTEGER NOT NULL,
     meta TEXT NOT NULL
   );
   CREATE TABLE sync_runs (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     started_at INTEGER NOT NULL,
     ended_at INTEGER,
     strategy TEXT NOT NULL,
     remote TEXT NOT NULL,
     result TEXT NOT NULL,
     sent INTEGER NOT NULL DEFAULT 0,
     skipped INTEGER NOT NULL DEFAULT 0,
     batches INTEGER NOT NULL DEFAULT 0,
     bytes_raw INTEGER NOT NULL DEFAULT 0,
     bytes_sent INTEGER NOT NULL DEFAULT 0,
     round_trips INTEGER NOT NULL DEFAULT 0,
     rows_written INTEGER,
     rows_read INTEGER,
     resumed INTEGER NOT NULL DEFAULT 0,
     phases TEXT,
     error TEXT
   );
   CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);`,
  // 2: what changed since the last sync is found from this index alone (68 bytes a session), not by reading every
  // row with its body: at 100,000 sessions that scan copied the whole 400 MB database out of sql.js's file system.
  `CREATE INDEX sessions_hash ON sessions(id, content_hash);`,
  // 3: each run compared with what the naive approach would have sent, and the part spent on set-up.
  `ALTER TABLE sync_runs ADD COLUMN naive_bytes INTEGER;
   ALTER TABLE sync_runs ADD COLUMN setup_bytes INTEGER NOT NULL DEFAULT 0;`,
  // 4: sync_status and sync_shape describe the remote in use (meta 'sync-remote'); what they said about each other
  // remote waits here, so switching to another database and back does not send everything again.
  `CREATE TABLE sync_status_kept (
     remote TEXT NOT NULL, record_id TEXT NOT NULL, table_name TEXT NOT NULL, last_sync_hash TEXT NOT NULL,
     synced_at INTEGER NOT NULL, PRIMARY KEY (remote, record_id)
   );
   CREATE TABLE sync_shape_kept (
     remote TEXT NOT NULL, record_id TEXT NOT NULL,
     events INTEGER NOT NULL, events_hash TEXT NOT NULL,
     files INTEGER NOT NULL, files_hash TEXT NOT NULL,
     notes INTEGER NOT NULL, notes_hash TEXT NOT NULL,
     frames INTEGER NOT NULL, meta TEXT NOT NULL, PRIMARY KEY (remote, record_id)
   );`,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

export class StoreVersionError extends Error {}

/** Brings `db` up to SCHEMA_VERSION; true when it changed (see applyMigrations). */
export function migrate(db: Database): boolean {
  return applyMigrations(db, MIGRATIONS, (current, known) => new StoreVersionError(
    `The session store was written by a newer Session Sync (schema ${current}, this one knows ${known}). ` +
    'Update the extension or CLI; the store was left untouched.'));
}
