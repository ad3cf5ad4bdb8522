import * as fs from 'node:fs';
import * as path from 'node:path';
import { deflateSync, inflateSync } from 'node:zlib';
import type { Database, SqlValue } from 'sql.js';
import { Session, sessionToJson } from '../model';
import { hashText } from '../hash';
import { loadSqlJs } from './sqljs';
import { migrate } from './schema';
import { inTransaction, StatementCache } from './sql';
import { removeStaleTemps, setAside, writeFileAtomic, writeFileAtomicSync } from './atomic-file';

export const STORE_FILE = 'sessions.sqlite';

export class StoreCorruptError extends Error {}

export interface OpenedStore {
  store: SessionStore;
  /** Set when the store file could not be read: where it was kept aside, for the user to recover. */
  recoveredFrom?: string;
}

export interface PendingRecord {
  id: string;
  hash: string;
  /** Bytes of the record as stored (compressed): a cheap estimate of its size on the wire. */
  size?: number;
}

/** How long changes wait before they are written to disk, and the most they may wait under steady change. */
const SAVE_DELAY_MS = 1000;
const SAVE_MAX_WAIT_MS = 5000;


/**
 * The local store: sql.js in memory, persisted as one SQLite file. Writes mark it dirty and a coalesced
 * save follows; every save replaces the file atomically. Only the process holding the store lock
 * (see owner-lock.ts) may open it for writing.
 */
export class SessionStore {
  private saveTimer: NodeJS.Timeout | undefined;
  private firstUnsavedAt = 0;
  private changeCounter = 0;
  private savedCounter = 0;
  private saving: Promise<void> | undefined;
  private closed = false;
  private readOnly = false;

  private readonly statements: StatementCache;

  private constructor(readonly dir: string, private readonly db: Database) {
    this.statements = new StatementCache(db);
  }

  get file(): string {
    return path.join(this.dir, STORE_FILE);
  }

  /**
   * Opens (or creates) the store in `dir`. A file that is not a readable store is set aside, never
   * overwritten. With `readOnly` (no owner lock held) nothing on disk is touched: a bad file is an error.
   */
  static async open(dir: string, opts: { readOnly?: boolean } = {}): Promise<OpenedStore> {
    const file = path.join(dir, STORE_FILE);
    if (!opts.readOnly) {
      fs.mkdirSync(dir, { recursive: true });
      removeStaleTemps(dir, STORE_FILE);
    }
    const SQL = await loadSqlJs();
    let db: Database | undefined;
    let recoveredFrom: string | undefined;
    if (fs.existsSync(file)) {
      try {
        db = new SQL.Database(fs.readFileSync(file));
        checkReadable(db);
      } catch (err) {
        db?.close();
        db = undefined;
        if (opts.readOnly) {
          throw new StoreCorruptError(`The session store ${file} cannot be read (${(err as Error).message}). ` +
            'Run a command that writes (for example sync) to keep it aside and start afresh.');
        }
        recoveredFrom = setAside(file, 'corrupt');
      }
    }
    db ??= new SQL.Database();
    migrate(db);
    const store = new SessionStore(dir, db);
    if (opts.readOnly) store.readOnly = true;
    else if (!fs.existsSync(file)) await store.flush(true);
    return { store, recoveredFrom };
  }

  // ---- sessions ---------------------------------------------------------------------------------

  /** Adds or replaces a session; an older snapshot (by updatedAt) never replaces a newer one. */
  upsert(session: Session): boolean {
    const json = sessionToJson(session);
    const existing = this.rows('SELECT updated_at, content_hash FROM sessions WHERE id = ?', [session.id])[0];
    if (existing && Number(existing[0]) > session.updatedAt) return false;
    const hash = hashText(json);
    if (existing && existing[1] === hash) return false;
    this.run(
      `INSERT INTO sessions (id, workspace, branch, started_at, ended_at, updated_at, content_hash, body)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT(id) DO UPDATE SET workspace = excluded.workspace, branch = excluded.branch,
         started_at = excluded.started_at, ended_at = excluded.ended_at, updated_at = excluded.updated_at,
         content_hash = excluded.content_hash, body = excluded.body`,
      [session.id, session.workspace, session.branch, session.startedAt, session.endedAt, session.updatedAt, hash,
        deflateSync(json)],
    );
    this.changed();
    return true;
  }

  /** Upserts many sessions in one transaction: all of them or, on an error, none. Returns how many changed. */
  upsertMany(sessions: Iterable<Session>): number {
    return this.transaction(() => {
      let n = 0;
      for (const s of sessions) if (this.upsert(s)) n++;
      return n;
    });
  }

  get(id: string): Session | undefined {
    const json = this.getJson(id);
    return json === undefined ? undefined : parseBody(id, json);
  }

  /**
   * The stored bodies (zlib-compressed canonical JSON) and content hashes of `ids`, untouched, for encoding
   * elsewhere; read a hundred at a time, as a sync reads them. Ids not in the store are left out.
   */
  getStoredMany(ids: string[]): Map<string, { body: Uint8Array; hash: string }> {
    const rows = this.statements.rowsForIds((list) => `SELECT id, body, content_hash FROM sessions WHERE id IN ${list}`, ids);
    return new Map(rows.map(([id, body, hash]) => [String(id), { body: body as Uint8Array, hash: String(hash) }]));
  }

  /** The session's canonical JSON as stored: what `export` prints and what the naive strategy sends. */
  getJson(id: string): string | undefined {
    const body = this.scalar('SELECT body FROM sessions WHERE id = ?', [id]);
    return body === undefined ? undefined : inflateBody(id, body);
  }

  /** Sessions in id order, read a page at a time so a large store is never decoded all at once. */
  *iterate(pageSize = 500): Generator<Session> {
    for (const [id, json] of this.iterateJson(pageSize)) yield parseBody(id, json);
  }

  /** [id, canonical JSON] in id order, a page at a time. */
  *iterateJson(pageSize = 500): Generator<[string, string]> {
    let after = '';
    for (;;) {
      const rows = this.rows('SELECT id, body FROM sessions WHERE id > ? ORDER BY id LIMIT ?', [after, pageSize]);
      for (const [id, body] of rows) yield [String(id), inflateBody(String(id), body)];
      if (rows.length < pageSize) return;
      after = String(rows[rows.length - 1][0]);
    }
  }

  count(): number {
    return Number(this.scalar('SELECT count(*) FROM sessions'));
  }

  contentHash(id: string): string | undefined {
    const h = this.scalar('SELECT content_hash FROM sessions WHERE id = ?', [id]);
    return h === undefined ? undefined : String(h);
  }

  // ---- sync bookkeeping -------------------------------------------------------------------------

  /** Records whose content differs from what `table` last received: the dedup check of the spec. */
  pending(table: string, limit = -1): PendingRecord[] {
    return this.rows(
      `SELECT s.id, s.content_hash, length(s.body) FROM sessions s
       LEFT JOIN sync_status st ON st.record_id = s.id AND st.table_name = ?
       WHERE st.last_sync_hash IS NULL OR st.last_sync_hash <> s.content_hash
       ORDER BY s.updated_at, s.id LIMIT ?`, [table, limit],
    ).map(([id, hash, size]) => ({ id: String(id), hash: String(hash), size: Number(size) }));
  }

  pendingCount(table: string): number {
    return Number(this.scalar(
      `SELECT count(*) FROM sessions s
       LEFT JOIN sync_status st ON st.record_id = s.id AND st.table_name = ?
       WHERE st.last_sync_hash IS NULL OR st.last_sync_hash <> s.content_hash`, [table]));
  }

  markSynced(table: string, records: PendingRecord[], at: number): void {
    this.transaction(() => {
      for (const r of records) {
        this.run(
          `INSERT INTO sync_status (record_id, table_name, last_sync_hash, synced_at) VALUES (?, ?, ?, ?)
           ON CONFLICT(record_id) DO UPDATE SET table_name = excluded.table_name,
             last_sync_hash = excluded.last_sync_hash, synced_at = excluded.synced_at`,
          [r.id, table, r.hash, at]);
      }
    });
    this.changed();
  }

  /** Forgets what the remote holds (for example after switching to another database). */
  clearSyncState(): void {
    this.db.exec('DELETE FROM sync_status; DELETE FROM sync_shape;');
    this.changed();
  }

  getMeta(key: string): string | undefined {
    const v = this.scalar('SELECT value FROM meta WHERE key = ?', [key]);
    return v === undefined ? undefined : String(v);
  }

  setMeta(key: string, value: string): void {
    this.run('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
      [key, value]);
    this.changed();
  }

  /** Raw access for the sync modules that keep their own tables in this store (shape, runs). */
  get sql(): Database {
    return this.db;
  }

  // ---- persistence ------------------------------------------------------------------------------

  /** Call after any write: schedules a coalesced save. */
  changed(): void {
    this.changeCounter++;
    if (this.closed || this.readOnly) return;
    const now = Date.now();
    if (!this.saveTimer) this.firstUnsavedAt = now;
    clearTimeout(this.saveTimer);
    const wait = Math.max(0, Math.min(SAVE_DELAY_MS, this.firstUnsavedAt + SAVE_MAX_WAIT_MS - now));
    this.saveTimer = setTimeout(() => void this.flush().catch(() => undefined), wait);
    this.saveTimer.unref?.();
  }

  get hasUnsavedChanges(): boolean {
    return this.changeCounter !== this.savedCounter;
  }

  /** Writes the store to disk now if anything changed (or always, with `force`). */
  async flush(force = false): Promise<void> {
    clearTimeout(this.saveTimer);
    this.saveTimer = undefined;
    while (this.saving) await this.saving;
    if (this.readOnly || (!force && !this.hasUnsavedChanges)) return;
    const counter = this.changeCounter;
    const bytes = this.exportBytes();
    this.saving = writeFileAtomic(this.file, bytes).then(() => {
      this.savedCounter = counter;
    }).finally(() => {
      this.saving = undefined;
    });
    await this.saving;
  }

  /** Last-chance save when the process is exiting and cannot wait for promises. */
  flushSync(): void {
    clearTimeout(this.saveTimer);
    this.saveTimer = undefined;
    if (this.readOnly || !this.hasUnsavedChanges) return;
    writeFileAtomicSync(this.file, this.exportBytes());
    this.savedCounter = this.changeCounter;
  }

  /** Saves pending changes (unless opened read-only) and frees the database. */
  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
    this.statements.clear();
    this.db.close();
  }

  // ---- small SQL helpers ------------------------------------------------------------------------

  transaction<T>(fn: () => T): T {
    return inTransaction(this.db, fn);
  }

  scalar(sql: string, params: SqlValue[] = []): SqlValue | undefined {
    return this.rows(sql, params)[0]?.[0];
  }

  rows(sql: string, params: SqlValue[] = []): SqlValue[][] {
    return this.statements.rows(sql, params);
  }

  /** `rows` for many ids: see StatementCache.rowsForIds. */
  rowsForIds(sql: (list: string) => string, ids: string[]): SqlValue[][] {
    return this.statements.rowsForIds(sql, ids);
  }

  /** Runs one write; the statement is compiled once and kept (see StatementCache). */
  run(sql: string, params: SqlValue[] = []): void {
    this.statements.run(sql, params);
  }

  /** The database file's bytes. sql.js closes and reopens the database to export it, freeing statements. */
  private exportBytes(): Uint8Array {
    this.statements.clear();
    return this.db.export();
  }
}

function checkReadable(db: Database): void {
  const result = db.exec('PRAGMA quick_check');
  const verdict = result[0]?.values[0]?.[0];
  if (verdict !== 'ok') throw new StoreCorruptError(`integrity check failed: ${String(verdict)}`);
}

/*
 * Bodies are the canonical JSON this store wrote itself (inputs are validated where they enter: import,
 * inbox, pull), so reading trusts their shape. Node's zlib, not pako, because this is local persistence
 * on the hot path of every sync and Node's native zlib is about 2.4x faster for the same bytes.
 */
function inflateBody(id: string, body: SqlValue): string {
  try {
    return inflateSync(body as Uint8Array).toString('utf8');
  } catch (err) {
    throw new StoreCorruptError(`Session ${id} in the local store cannot be read: ${(err as Error).message}`);
  }
}

function parseBody(id: string, json: string): Session {
  try {
    return JSON.parse(json) as Session;
  } catch (err) {
    throw new StoreCorruptError(`Session ${id} in the local store cannot be read: ${(err as Error).message}`);
  }
}
