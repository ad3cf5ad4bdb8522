import type { Remote } from './connect';

/**
 * The remote layout (docs/remote-schema.md). Queryable metadata are plain columns; the text-heavy fields
 * are framed, compressed BLOBs (codec/frames.ts) that grow by appending frames. `sessions_naive` is the
 * spec's original approach (whole records as JSON text), kept for comparison and benchmarks.
 */
export const REMOTE_SCHEMA_VERSION = 2;

/** The optimized strategy's table, and the `table_name` its records carry in the local sync_status. */
export const SESSIONS_TABLE = 'sessions';

const REMOTE_SCHEMA = [
  `CREATE TABLE IF NOT EXISTS session_sync_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS sessions (
     id TEXT PRIMARY KEY,
     workspace TEXT NOT NULL,
     branch TEXT,
     started_at INTEGER NOT NULL,
     ended_at INTEGER NOT NULL,
     active_ms INTEGER NOT NULL,
     edits INTEGER NOT NULL,
     chars_added INTEGER NOT NULL,
     chars_removed INTEGER NOT NULL,
     languages TEXT NOT NULL,
     event_count INTEGER NOT NULL,
     file_count INTEGER NOT NULL,
     note_count INTEGER NOT NULL,
     events BLOB,
     files BLOB,
     notes BLOB,
     content_hash TEXT NOT NULL,
     updated_at INTEGER NOT NULL
   )`,
  `CREATE TABLE IF NOT EXISTS sessions_naive (id TEXT PRIMARY KEY, body TEXT NOT NULL, updated_at INTEGER NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS sync_batches (batch_id TEXT PRIMARY KEY, committed_at INTEGER NOT NULL, records INTEGER NOT NULL)`,
  // Version 2: preset dictionaries for the files and notes frames (codec 2), by the id in each frame's header.
  `CREATE TABLE IF NOT EXISTS session_sync_dictionaries (id INTEGER PRIMARY KEY, created_at INTEGER NOT NULL, data BLOB NOT NULL)`,
];

export class RemoteSchemaError extends Error {}

/** Creates the remote tables if needed, in one round trip, and refuses a remote from a newer version. */
export async function ensureRemoteSchema(remote: Remote): Promise<void> {
  const results = await remote.batch([
    ...REMOTE_SCHEMA,
    { sql: `INSERT INTO session_sync_meta (key, value) VALUES ('schema_version', ?)
            ON CONFLICT(key) DO UPDATE SET value = excluded.value
            WHERE CAST(value AS INTEGER) < CAST(excluded.value AS INTEGER)`,
      args: [String(REMOTE_SCHEMA_VERSION)] },
    `SELECT value FROM session_sync_meta WHERE key = 'schema_version'`,
  ], 'write');
  const version = Number(results[results.length - 1].rows[0]?.[0]);
  if (version > REMOTE_SCHEMA_VERSION) {
    throw new RemoteSchemaError(
      `The remote database was set up by a newer Session Sync (schema ${version}; this one knows ` +
      `${REMOTE_SCHEMA_VERSION}). Update Session Sync before syncing to it.`);
  }
}
