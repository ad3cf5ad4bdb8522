import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Database, SqlValue } from 'sql.js';
import type { Session } from '../model';
import { loadSnapshot } from './snapshot-file';
import { migrate } from './schema';
import { inTransaction, StatementCache } from './sql';
import { removeStaleTemps } from './atomic-file';
import { JOURNAL_FILE, JournalWriter } from './journal';
import { decodeValue, encodeValue, type JournalOp } from './journal-ops';
import { diffSession } from './session-patch';
import { inflateBody, parseBody, readSession, rowVersion, toRow, writeRow, type SessionRow } from './session-rows';
import { readJournal, replayRecords, type ReplayReport, type ReplayTarget } from './replay';
import { PendingSet } from './pending-set';
import { keepFreePages } from './free-pages';
import { StoreDisk, type DiskOptions, type SnapshotSource, type StoreIo } from './store-disk';

export { StoreFencedError, type StoreIo } from './store-disk';

export { StoreCorruptError } from './session-rows';
export const STORE_FILE = 'sessions.sqlite';
/** Every file the store owns in its folder (what a copy of the store must take along). */
export const STORE_FILES = [STORE_FILE, JOURNAL_FILE];

export interface OpenOptions extends DiskOptions {
  /** No owner lock held: nothing on disk is touched; the journal is read but never cut or written. */
  readOnly?: boolean;
}

export interface OpenedStore {
  store: SessionStore;
  /** Set when the store file could not be read: where it was kept aside, for the user to recover. */
  recoveredFrom?: string;
  /** What opening found in the journal: records replayed, a cut tail, a journal kept aside. */
  journal: ReplayReport;
}

/** See SessionStore.tables. */
export interface StoreTables {
  transaction<T>(fn: () => T): T;
  scalar(sql: string, params?: SqlValue[]): SqlValue | undefined;
  rows(sql: string, params?: SqlValue[]): SqlValue[][];
  rowsForIds(sql: (list: string) => string, ids: string[]): SqlValue[][];
  run(sql: string, params?: SqlValue[]): void;
}

export interface PendingRecord {
  id: string;
  hash: string;
  /** Bytes of the record as stored (compressed): a cheap estimate of its size on the wire. */
  size?: number;
}

/** Versions kept per session to compute the next journal patch against. */
const KNOWN_VERSIONS = 64;

/** Reads of these tables need recorded sessions written into the database first. */
const TOUCHES_SESSIONS = /\bsessions\b/i;
const TOUCHES_SYNC_STATE = /\b(sessions|sync_status)\b/i;

/**
 * The local store: sql.js in memory is the truth; the disk holds a snapshot (sessions.sqlite) plus a
 * journal of every change since (sessions.journal, see journal.ts). A change appends a small checksummed
 * record, committed within a second (group commit); the snapshot is rewritten only by compaction: after a
 * quiet period or at close once the journal is a fair fraction of it, or when the journal outgrows it.
 * Opening = snapshot + replay. Only the process holding the owner lock (owner-lock.ts) writes, and it checks
 * before every write to disk that it still holds it.
 *
 * The recorder's path (`record`) keeps the open session in memory and journals only what changed in it
 * (session-patch.ts); it is written into the database when something reads it (a sync, a query).
 */
export class SessionStore {
  private readonly statements: StatementCache;
  /** Absent when opened read-only: then nothing is ever written. */
  private disk: StoreDisk | undefined;
  private readonly hot = new Map<string, Session>();
  private readonly known = new Map<string, Session>();
  private readonly pendingSet = new PendingSet();
  private readonly txFrames: JournalOp[][] = [];
  /** Sessions the queued (or transaction's) records change, for the hand-over if the store is lost. */
  private txSessionIds = new Set<string>();
  /** count() without a scan of the table each sync: kept by record/upsert, forgotten by raw writes. */
  private sessionCount: number | undefined;
  private closed = false;
  private tablesView: StoreTables | undefined;

  private constructor(readonly dir: string, private readonly db: Database) {
    this.statements = new StatementCache(db);
  }

  get file(): string {
    return path.join(this.dir, STORE_FILE);
  }

  /** Bytes and counts of what the store wrote to disk since it was opened. */
  get io(): StoreIo {
    return this.disk?.io ?? { journalBytes: 0, journalCommits: 0, snapshotBytes: 0, compactions: 0 };
  }

  /**
   * Opens (or creates) the store in `dir`: the snapshot, then the journal replayed over it. A snapshot that is
   * not a readable store is set aside, never overwritten; a torn journal tail is cut at the last good record.
   * With `readOnly` (no owner lock held) nothing on disk is touched: a bad file is an error.
   */
  static async open(dir: string, opts: OpenOptions = {}): Promise<OpenedStore> {
    const file = path.join(dir, STORE_FILE);
    if (!opts.readOnly) {
      fs.mkdirSync(dir, { recursive: true });
      removeStaleTemps(dir, STORE_FILE);
    }
    const { db, recoveredFrom, size } = await loadSnapshot(file, Boolean(opts.readOnly));
    const migrated = migrate(db);
    const store = new SessionStore(dir, db);
    const snapshotSeq = Number(store.getMeta('journal_seq') ?? 0);
    const found = readJournal(path.join(dir, JOURNAL_FILE), snapshotSeq, Boolean(opts.readOnly));
    const report = replayRecords(store.replayTarget(), found);
    if (!opts.readOnly) {
      const journal = found.writable
        ? JournalWriter.append(found.file, found.seq, found.goodBytes)
        : JournalWriter.create(found.file, snapshotSeq);
      store.disk = new StoreDisk(file, journal, size, store.snapshotSource(), opts);
      // A new store, or one a migration changed, gets its snapshot now: the old one would be migrated at every open.
      if (!fs.existsSync(file) || migrated) await store.compact();
    }
    return { store, recoveredFrom, journal: report };
  }

  // ---- sessions ---------------------------------------------------------------------------------

  /**
   * The recorder's path: keeps `session` as the newest version in memory and journals what changed since the
   * last version (a patch). Returns false for an older or identical snapshot. Costs what changed, not the
   * session's length: no serialization, hashing or compression of the whole body happens here.
   */
  record(session: Session): boolean {
    const prev = this.hot.get(session.id) ?? this.known.get(session.id) ?? readSession(this.statements, session.id);
    if (prev && prev.updatedAt > session.updatedAt) return false;
    let op: JournalOp;
    if (prev) {
      const patch = diffSession(prev, session);
      if (!patch.set && !patch.lists) return false;
      op = { o: 'p', ...patch };
    } else {
      op = this.fullOp(toRow(session));
      if (this.sessionCount !== undefined) this.sessionCount++;
    }
    this.hot.set(session.id, session);
    this.remember(session);
    this.pendingSet.touched(session.id);
    this.log(op, session.id);
    return true;
  }

  /** Adds or replaces a session now; an older snapshot (by updatedAt) never replaces a newer one. */
  upsert(session: Session): boolean {
    this.materialize();
    const existing = rowVersion(this.statements, session.id);
    if (existing && existing.updatedAt > session.updatedAt) return false;
    const row = toRow(session);
    if (existing && existing.hash === row.head[6]) return false;
    writeRow(this.statements, row);
    if (!existing && this.sessionCount !== undefined) this.sessionCount++;
    const prev = this.known.get(session.id);
    const patch = prev && prev.updatedAt === existing?.updatedAt ? diffSession(prev, session) : undefined;
    this.log(patch ? { o: 'p', ...patch } : this.fullOp(row), session.id);
    this.remember(session);
    this.pendingSet.touched(session.id);
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
    return this.hot.get(id) ?? readSession(this.statements, id);
  }

  /**
   * The stored bodies (zlib-compressed canonical JSON) and content hashes of `ids`, untouched, for encoding
   * elsewhere; read a hundred at a time, as a sync reads them. Ids not in the store are left out.
   */
  getStoredMany(ids: string[]): Map<string, { body: Uint8Array; hash: string }> {
    this.materialize();
    const rows = this.statements.rowsForIds((list) => `SELECT id, body, content_hash FROM sessions WHERE id IN ${list}`, ids);
    return new Map(rows.map(([id, body, hash]) => [String(id), { body: body as Uint8Array, hash: String(hash) }]));
  }

  /** The session's canonical JSON as stored: what `export` prints and what the naive strategy sends. */
  getJson(id: string): string | undefined {
    this.materialize();
    const body = this.statements.rows('SELECT body FROM sessions WHERE id = ?', [id])[0]?.[0];
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
    this.sessionCount ??= Number(this.scalar('SELECT count(*) FROM sessions'));
    return this.sessionCount;
  }

  contentHash(id: string): string | undefined {
    this.materialize();
    return rowVersion(this.statements, id)?.hash;
  }

  // ---- sync bookkeeping -------------------------------------------------------------------------

  /**
   * Records whose content differs from what `table` last received (the dedup check of the spec), oldest change
   * first. Reads only the sessions changed since they were last marked, not the whole store.
   */
  pending(table: string, limit = -1): PendingRecord[] {
    const ids = [...this.pendingIds(table)];
    if (!ids.length) return [];
    this.materialize();
    const synced = new Map(this.statements.rowsForIds(
      (list) => `SELECT record_id, last_sync_hash, table_name FROM sync_status WHERE record_id IN ${list}`, ids,
    ).filter((r) => r[2] === table).map((r) => [String(r[0]), String(r[1])]));
    const rows = this.statements.rowsForIds(
      (list) => `SELECT id, content_hash, length(body), updated_at FROM sessions WHERE id IN ${list}`, ids);
    const out: (PendingRecord & { updatedAt: number })[] = [];
    const present = new Set<string>();
    for (const [id, hash, size, updatedAt] of rows) {
      present.add(String(id));
      if (synced.get(String(id)) === String(hash)) this.pendingSet.settled(String(id));
      else out.push({ id: String(id), hash: String(hash), size: Number(size), updatedAt: Number(updatedAt) });
    }
    for (const id of ids) if (!present.has(id)) this.pendingSet.settled(id);
    out.sort((a, b) => a.updatedAt - b.updatedAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return (limit >= 0 ? out.slice(0, limit) : out).map(({ id, hash, size }) => ({ id, hash, size }));
  }

  /** How many sessions a sync would send: from the set of changed ids, without reading the store. */
  pendingCount(table: string): number {
    return this.pendingIds(table).size;
  }

  /** Ids of sessions recorded but not yet written into the database: the open session(s). */
  get recording(): ReadonlySet<string> {
    return new Set(this.hot.keys());
  }

  markSynced(table: string, records: PendingRecord[], at: number): void {
    this.transaction(() => {
      for (const r of records) {
        this.write(
          `INSERT INTO sync_status (record_id, table_name, last_sync_hash, synced_at) VALUES (?, ?, ?, ?)
           ON CONFLICT(record_id) DO UPDATE SET table_name = excluded.table_name,
             last_sync_hash = excluded.last_sync_hash, synced_at = excluded.synced_at`,
          [r.id, table, r.hash, at]);
      }
    });
    for (const r of records) {
      const current = this.hot.has(r.id) ? undefined : rowVersion(this.statements, r.id)?.hash;
      if (current === r.hash) this.pendingSet.settled(r.id, table);
      else this.pendingSet.touched(r.id);
    }
  }

  getMeta(key: string): string | undefined {
    const v = this.statements.rows('SELECT value FROM meta WHERE key = ?', [key])[0]?.[0];
    return v === undefined ? undefined : String(v);
  }

  setMeta(key: string, value: string): void {
    this.write('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
      [key, value]);
  }

  /** Every session id, in id order. */
  ids(): string[] {
    return this.rows('SELECT id FROM sessions ORDER BY id').map((r) => String(r[0]));
  }

  /** The ids of the `limit` sessions updated last, newest first. */
  recentIds(limit: number): string[] {
    return this.rows('SELECT id FROM sessions ORDER BY updated_at DESC LIMIT ?', [limit]).map((r) => String(r[0]));
  }

  /** Ids and content hashes in id order, `limit` of them after id `after`: a page of a walk over the store. */
  hashPage(after: string, limit: number): [string, string][] {
    return this.rows('SELECT id, content_hash FROM sessions WHERE id > ? ORDER BY id LIMIT ?', [after, limit])
      .map((r) => [String(r[0]), String(r[1])]);
  }

  /** A session as stored (its columns and deflated body), for the archive to move it unchanged. */
  storedRow(id: string): SessionRow | undefined {
    const r = this.rows(`SELECT id, workspace, branch, started_at, ended_at, updated_at, content_hash, body
      FROM sessions WHERE id = ?`, [id])[0];
    if (!r) return undefined;
    return { head: [String(r[0]), String(r[1]), r[2] === null ? null : String(r[2]), Number(r[3]), Number(r[4]),
      Number(r[5]), String(r[6])], body: r[7] as Uint8Array };
  }

  /** The stored content hash and update time of session `id`, without reading its body. */
  storedVersion(id: string): { updatedAt: number; hash: string } | undefined {
    this.materialize();
    return rowVersion(this.statements, id);
  }

  /** Writes a stored row back as it is (the archive's restore), replacing any live copy. */
  putStoredRow(row: SessionRow): void {
    this.run(`INSERT OR REPLACE INTO sessions (id, workspace, branch, started_at, ended_at, updated_at, content_hash, body)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, [...row.head, row.body]);
  }

  /** Removes a session from the live store (the archive has a copy). */
  deleteSession(id: string): void {
    this.run('DELETE FROM sessions WHERE id = ?', [id]);
  }

  /**
   * Raw SQL on the store's database, for the modules in src/core/store that own a table of it (sync-state.ts,
   * run-history.ts). Writes are journaled like every other change. Nothing outside src/core/store calls this
   * (eslint.config.mjs enforces it): everyone else goes through those modules or the methods above.
   */
  static tables(store: SessionStore): StoreTables {
    // Made once per store: sync-state.ts asks for it on every recorded change (the status bar's backlog).
    return store.tablesView ??= {
      transaction: (fn) => store.transaction(fn),
      scalar: (sql, params) => store.scalar(sql, params),
      rows: (sql, params) => store.rows(sql, params),
      rowsForIds: (sql, ids) => store.rowsForIds(sql, ids),
      run: (sql, params) => store.run(sql, params),
    };
  }

  /** Runs `fn` as one transaction: all of its changes reach the database and the journal, or none do. */
  transaction<T>(fn: () => T): T {
    if (!this.txFrames.length) this.materialize();
    this.txFrames.push([]);
    let ops: JournalOp[] | undefined;
    try {
      const result = inTransaction(this.db, fn);
      ops = this.txFrames.pop();
      return result;
    } catch (err) {
      this.txFrames.pop();
      this.sessionCount = undefined;
      this.known.clear();
      throw err;
    } finally {
      if (ops?.length) {
        if (this.txFrames.length) this.txFrames[this.txFrames.length - 1].push(...ops);
        else this.enqueue(ops);
      }
    }
  }

  private scalar(sql: string, params: SqlValue[] = []): SqlValue | undefined {
    return this.rows(sql, params)[0]?.[0];
  }

  private rows(sql: string, params: SqlValue[] = []): SqlValue[][] {
    if (TOUCHES_SESSIONS.test(sql)) this.materialize();
    return this.statements.rows(sql, params);
  }

  /** `rows` for many ids: see StatementCache.rowsForIds. */
  private rowsForIds(sql: (list: string) => string, ids: string[]): SqlValue[][] {
    this.materialize();
    return this.statements.rowsForIds(sql, ids);
  }

  /** Runs one write and journals it; the statement is compiled once and kept (see StatementCache). */
  private run(sql: string, params: SqlValue[] = []): void {
    if (TOUCHES_SESSIONS.test(sql)) {
      this.materialize();
      this.known.clear(); // a row changed under the versions patches are computed against
      this.sessionCount = undefined;
    }
    this.write(sql, params);
    if (TOUCHES_SYNC_STATE.test(sql)) this.pendingSet.invalidate();
  }

  // ---- persistence (store-disk.ts) --------------------------------------------------------------

  /** Makes every change so far durable: one journal append and sync (or, in `snapshot` mode, a rewrite). */
  async flush(): Promise<void> {
    await this.disk?.flush();
  }

  /** Folds the journal into a new snapshot (see StoreDisk.compact); `vacuum` also drops free pages. */
  async compact(opts: { vacuum?: boolean } = {}): Promise<void> {
    await this.disk?.compact(opts.vacuum);
  }

  /** Saves pending changes (compacting when the journal is worth it) and frees the database. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.disk?.close();
    this.release();
  }

  /** False once another process has taken the store over (then onFenced has been called, once). */
  stillOwned(): boolean {
    return this.disk ? this.disk.checkFence() : false;
  }

  /** Frees the database without writing anything (this process no longer owns the store, or a crash is simulated). */
  abandon(): void {
    this.disk?.release();
    this.release();
  }

  // ---- internals --------------------------------------------------------------------------------

  private release(): void {
    this.closed = true;
    this.statements.clear();
    this.db.close();
  }

  private write(sql: string, params: SqlValue[] = []): void {
    this.statements.run(sql, params);
    this.log({ o: 'q', s: sql, p: params.map(encodeValue) });
  }

  private fullOp(row: SessionRow): JournalOp {
    return { o: 's', row: row.head, z: encodeValue(row.body) };
  }

  private remember(session: Session): void {
    this.known.delete(session.id);
    this.known.set(session.id, session);
    if (this.known.size > KNOWN_VERSIONS) this.known.delete(this.known.keys().next().value as string);
  }

  /** Writes recorded sessions into the database (they are already in the journal). */
  private materialize(): void {
    if (!this.hot.size) return;
    for (const s of this.hot.values()) writeRow(this.statements, toRow(s));
    this.hot.clear();
  }

  private pendingIds(table: string): ReadonlySet<string> {
    return this.pendingSet.ids(table, () => {
      this.materialize();
      return this.statements.rows(
        `SELECT s.id FROM sessions s
         LEFT JOIN sync_status st ON st.record_id = s.id AND st.table_name = ?
         WHERE st.last_sync_hash IS NULL OR st.last_sync_hash <> s.content_hash`, [table]).map((r) => String(r[0]));
    });
  }

  private log(op: JournalOp, sessionId?: string): void {
    if (!this.disk || this.closed) return;
    if (sessionId) this.txSessionIds.add(sessionId);
    if (this.txFrames.length) this.txFrames[this.txFrames.length - 1].push(op);
    else this.enqueue([op]);
  }

  private enqueue(ops: JournalOp[]): void {
    const ids = this.txSessionIds;
    this.txSessionIds = new Set();
    this.disk?.enqueue(ops, ids);
  }

  /** What compaction and fencing need from the database. */
  private snapshotSource(): SnapshotSource {
    return {
      export: (seq, vacuum) => {
        this.materialize();
        this.statements.clear(); // sql.js frees every statement on VACUUM and export
        // VACUUM changes no row, only the file's layout: it is not journaled.
        if (vacuum) this.db.exec('VACUUM');
        this.statements.run('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
          ['journal_seq', String(seq)]);
        this.statements.clear();
        keepFreePages(this.db);
        return this.db.export();
      },
      sessions: (ids) => ids.map((id) => this.get(id)).filter((s): s is Session => s !== undefined),
    };
  }

  /** Operations replay needs: the same row writes and SQL, without journaling them again. */
  private replayTarget(): ReplayTarget {
    return {
      sql: (sql, params) => {
        if (TOUCHES_SESSIONS.test(sql)) this.materialize();
        this.sessionCount = undefined;
        this.statements.run(sql, params.map(decodeValue));
      },
      row: (head, body) => {
        this.hot.delete(head[0]);
        this.sessionCount = undefined;
        writeRow(this.statements, { head, body: decodeValue(body) as Uint8Array });
      },
      base: (id) => this.hot.get(id) ?? readSession(this.statements, id),
      put: (session) => { this.hot.set(session.id, session); },
      transaction: (fn) => inTransaction(this.db, fn),
      finish: () => this.materialize(),
    };
  }

}
