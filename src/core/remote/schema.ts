import type { InStatement, ResultSet } from '@libsql/client';
import type { Remote } from './connect';
import { SyncError } from './errors';
import { SESSIONS_STEPS } from './sessions-table';

/**
 * The remote layout (docs/remote-schema.md). Queryable metadata are plain columns; the text-heavy fields
 * are framed, compressed BLOBs (codec/frames.ts) that grow by appending frames. `sessions_naive` is the
 * spec's original approach (whole records as JSON text), kept for comparison and benchmarks.
 */

/** The steps of every table but `sessions` (whose own steps are in sessions-table.ts), by schema version. */
const OTHER_STEPS: Readonly<Record<number, readonly string[]>> = {
  1: [
    `CREATE TABLE IF NOT EXISTS session_sync_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)`,
    `CREATE TABLE IF NOT EXISTS sessions_naive (id TEXT PRIMARY KEY, body TEXT NOT NULL, updated_at INTEGER NOT NULL)`,
    `CREATE TABLE IF NOT EXISTS sync_batches (batch_id TEXT PRIMARY KEY, committed_at INTEGER NOT NULL, records INTEGER NOT NULL)`,
  ],
  // Version 2: preset dictionaries for the files and notes frames (codec 2), by the id in each frame's header.
  2: [`CREATE TABLE IF NOT EXISTS session_sync_dictionaries (id INTEGER PRIMARY KEY, created_at INTEGER NOT NULL, data BLOB NOT NULL)`],
};

/**
 * Forward-only steps: step N takes a remote from version N-1 to N (the version lives in session_sync_meta); the
 * newest version is the highest any table module names. A later change appends a step; a remote is only ever
 * moved forward, one step after the other, in one transaction. Statements say IF NOT EXISTS because another
 * machine may be running the same step at the same moment.
 */
export const REMOTE_MIGRATIONS: readonly (readonly string[])[] = (() => {
  const versions = [OTHER_STEPS, SESSIONS_STEPS].flatMap((steps) => Object.keys(steps).map(Number));
  return Array.from({ length: Math.max(...versions) }, (_, i) => [...OTHER_STEPS[i + 1] ?? [], ...SESSIONS_STEPS[i + 1] ?? []]);
})();

export const REMOTE_SCHEMA_VERSION = REMOTE_MIGRATIONS.length;

/** Every table any step creates: a remote with other tables is someone else's database. */
const OUR_TABLES = new Set(REMOTE_MIGRATIONS.flat().flatMap((sql) => /CREATE TABLE IF NOT EXISTS (\w+)/.exec(sql)?.[1] ?? []));

/** A remote whose schema Session Sync must not write: another program's database, or a newer Session Sync's. */
export class RemoteSchemaError extends SyncError {
  constructor(message: string) {
    super({ problem: 'schema', retryable: false, message });
  }
}

/** What a remote holds, learnt without writing anything. */
export type RemoteState =
  | { kind: 'empty' }
  | { kind: 'ours'; version: number; tables: ReadonlySet<string> };

/**
 * Lists the remote's tables (and reads its schema version when it has one), read-only. Throws RemoteSchemaError
 * for a database with tables of its own or one set up by a newer Session Sync. `alsoRead` rides with the version
 * read when the remote is ours (pull and verify load the dictionaries that way); its results come back in order.
 */
export async function inspectRemote(remote: Remote, alsoRead: (tables: ReadonlySet<string>) => InStatement[] = () => [])
  : Promise<{ state: RemoteState; extra: ResultSet[] }> {
  const listed = await remote.execute(
    `SELECT name FROM sqlite_master WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'
       AND name NOT LIKE 'libsql\\_%' ESCAPE '\\' AND name NOT LIKE '\\_%' ESCAPE '\\' ORDER BY name`);
  const tables = new Set(listed.rows.map((r) => String(r[0])));
  if (tables.size === 0) return { state: { kind: 'empty' }, extra: [] };
  let version = 0;
  let extra: ResultSet[] = [];
  if (tables.has('session_sync_meta')) {
    const [v, ...rest] = await remote.batch([
      `SELECT value FROM session_sync_meta WHERE key = 'schema_version'`, ...alsoRead(tables)], 'read');
    version = Number(v.rows[0]?.[0] ?? 0);
    extra = rest;
  }
  if (version > REMOTE_SCHEMA_VERSION) {
    throw new RemoteSchemaError(`The database at ${remote.displayUrl} was set up by a newer Session Sync (schema ` +
      `${version}; this one knows ${REMOTE_SCHEMA_VERSION}). Update Session Sync before using it.`);
  }
  const foreign = [...tables].filter((t) => !OUR_TABLES.has(t));
  if (foreign.length) {
    throw new RemoteSchemaError(`The database at ${remote.displayUrl} holds tables that are not Session Sync's ` +
      `(${foreign.slice(0, 5).join(', ')}${foreign.length > 5 ? ', …' : ''}); nothing was written to it. ` +
      'Use an empty database or one Session Sync created.');
  }
  return { state: { kind: 'ours', version, tables }, extra };
}

/**
 * Brings the remote to this release's schema: checks it first without writing (refusing another program's
 * database or a newer schema), then runs the missing steps in one transaction.
 */
export async function ensureRemoteSchema(remote: Remote): Promise<void> {
  const { state } = await inspectRemote(remote);
  const from = state.kind === 'empty' ? 0 : state.version;
  if (from === REMOTE_SCHEMA_VERSION) return;
  const results = await remote.batch([
    // Another machine may have moved it on since we looked: the guard aborts the transaction then.
    ...(from > 0 ? [schemaGuard(from)] : []),
    ...REMOTE_MIGRATIONS.slice(from).flat(),
    { sql: `INSERT INTO session_sync_meta (key, value) VALUES ('schema_version', ?)
            ON CONFLICT(key) DO UPDATE SET value = excluded.value
            WHERE CAST(value AS INTEGER) < CAST(excluded.value AS INTEGER)`,
      args: [String(REMOTE_SCHEMA_VERSION)] },
    `SELECT value FROM session_sync_meta WHERE key = 'schema_version'`,
  ], 'write');
  const version = Number(results[results.length - 1].rows[0]?.[0]);
  if (version > REMOTE_SCHEMA_VERSION) {
    throw new RemoteSchemaError(`The database at ${remote.displayUrl} was set up by a newer Session Sync (schema ` +
      `${version}; this one knows ${REMOTE_SCHEMA_VERSION}). Update Session Sync before using it.`);
  }
}

/**
 * An SQL expression that is 0 when the remote's schema version is `version` and fails its statement otherwise
 * (SQLite's "integer overflow"; a missing version row fails too). Riding inside the first write of a batch, it makes
 * the batch's transaction refuse a remote that another release has moved on, at no extra round trip or statement.
 */
export function schemaCheck(version = REMOTE_SCHEMA_VERSION): string {
  // `IS NOT` gives 0 or 1; times 0x8000000000000000 (the smallest integer) that is 0 or the one value abs() cannot
  // negate. Short on purpose: it travels in every batch.
  return `abs(((SELECT value FROM session_sync_meta WHERE key='schema_version')IS NOT '${Math.trunc(version)}')` +
    '*0x8000000000000000)';
}

/** schemaCheck as a statement of its own, for a batch that has no ledger row to carry it. */
export function schemaGuard(version = REMOTE_SCHEMA_VERSION): InStatement {
  return `SELECT ${schemaCheck(version)}g`;
}

/** True for the error schemaCheck raises, once classified (errors.ts gives it the code 'schema-moved'). */
export function isSchemaGuardFailure(err: unknown): boolean {
  return err instanceof SyncError && err.code === 'schema-moved';
}
