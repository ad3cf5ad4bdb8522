import type { SqlValue } from 'sql.js';
import { SessionStore } from './session-store';
import type { Shape } from '../sync/delta';

/*
 * The owner of the local sync state: `sync_status` (the hash each record had when the remote last received it),
 * `sync_shape` (what the remote holds of each record, for deltas) and their `_kept` copies for the remotes not in
 * use (store migration 4). Every other module reads and writes them through these functions. (The store itself
 * still marks records synced and joins sync_status to find what is pending: its dedup set follows those writes.)
 */

const SHAPE_FIELDS = 'events, events_hash, files, files_hash, notes, notes_hash, frames, meta';
const SHAPE_COLUMNS = `record_id, ${SHAPE_FIELDS}`;
const STATUS_COLUMNS = 'record_id, table_name, last_sync_hash, synced_at';

function shapeOfFields(f: SqlValue[]): Shape {
  return {
    events: Number(f[0]), eventsHash: String(f[1]),
    files: Number(f[2]), filesHash: String(f[3]),
    notes: Number(f[4]), notesHash: String(f[5]),
    frames: Number(f[6]), meta: JSON.parse(String(f[7])) as Shape['meta'],
  };
}

function shapeFields(s: Shape): SqlValue[] {
  return [s.events, s.eventsHash, s.files, s.filesHash, s.notes, s.notesHash, s.frames, JSON.stringify(s.meta)];
}

/** A shape as the archive keeps it (archive-store.ts `shape`): the sync_shape row's fields as a JSON array. */
export function shapeToArchived(s: Shape): string {
  return JSON.stringify(shapeFields(s));
}

export function shapeFromArchived(text: string): Shape {
  return shapeOfFields(JSON.parse(text) as SqlValue[]);
}

/** What the remote holds of record `id`, if anything. */
export function getShape(store: SessionStore, id: string): Shape | undefined {
  const row = SessionStore.tables(store).rows(`SELECT ${SHAPE_FIELDS} FROM sync_shape WHERE record_id = ?`, [id])[0];
  return row ? shapeOfFields(row) : undefined;
}

/** The shapes of many records at once; records the remote holds nothing of are absent. */
export function getShapes(store: SessionStore, ids: string[]): Map<string, Shape> {
  const rows = SessionStore.tables(store).rowsForIds(
    (list) => `SELECT ${SHAPE_COLUMNS} FROM sync_shape WHERE record_id IN ${list}`, ids);
  return new Map(rows.map((row) => [String(row[0]), shapeOfFields(row.slice(1))]));
}

export function putShape(store: SessionStore, id: string, s: Shape): void {
  SessionStore.tables(store).run(
    `INSERT INTO sync_shape (${SHAPE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT(record_id) DO UPDATE SET events = excluded.events, events_hash = excluded.events_hash,
       files = excluded.files, files_hash = excluded.files_hash, notes = excluded.notes,
       notes_hash = excluded.notes_hash, frames = excluded.frames, meta = excluded.meta`,
    [id, ...shapeFields(s)]);
}

export function dropShape(store: SessionStore, id: string): void {
  SessionStore.tables(store).run('DELETE FROM sync_shape WHERE record_id = ?', [id]);
}

/** When record `id` of `table` last reached the remote, if it ever did. */
export function syncedAt(store: SessionStore, id: string, table: string): number | undefined {
  const v = SessionStore.tables(store).scalar('SELECT synced_at FROM sync_status WHERE record_id = ? AND table_name = ?',
    [id, table]);
  return v === undefined || v === null ? undefined : Number(v);
}

/** A record's sync state as a whole, as the archive keeps it beside the session. */
export interface RecordSyncState {
  lastSyncHash: string;
  syncedAt: number;
  shape: Shape | undefined;
}

export function recordSyncState(store: SessionStore, id: string, table: string): RecordSyncState | undefined {
  const t = SessionStore.tables(store);
  const st = t.rows('SELECT last_sync_hash, synced_at FROM sync_status WHERE record_id = ? AND table_name = ?',
    [id, table])[0];
  if (!st) return undefined;
  return { lastSyncHash: String(st[0]), syncedAt: Number(st[1]), shape: getShape(store, id) };
}

/** Replaces record `id`'s sync state with `state` (none: the remote holds nothing of it). */
export function setRecordSyncState(store: SessionStore, id: string, table: string, state: RecordSyncState | undefined): void {
  const t = SessionStore.tables(store);
  t.run('DELETE FROM sync_status WHERE record_id = ?', [id]);
  dropShape(store, id);
  if (!state) return;
  t.run(`INSERT INTO sync_status (${STATUS_COLUMNS}) VALUES (?, ?, ?, ?)`, [id, table, state.lastSyncHash, state.syncedAt]);
  if (state.shape) putShape(store, id, state.shape);
}

/** Forgets record `id` for every remote: it has left the sync (archived). */
export function dropRecordSyncState(store: SessionStore, id: string): void {
  const t = SessionStore.tables(store);
  t.run('DELETE FROM sync_status WHERE record_id = ?', [id]);
  dropShape(store, id);
  t.run('DELETE FROM sync_status_kept WHERE record_id = ?', [id]);
  t.run('DELETE FROM sync_shape_kept WHERE record_id = ?', [id]);
}

/**
 * Makes sync_status and sync_shape describe remote `to` instead of `from`: what they said about `from` is kept
 * aside and what was kept about `to`, if anything, comes back. Costs one copy of the sync state, once per switch.
 * `from` undefined: the state describes no known remote and is dropped.
 */
export function switchSyncState(store: SessionStore, from: string | undefined, to: string): void {
  const t = SessionStore.tables(store);
  t.transaction(() => {
    if (from !== undefined && from !== to) {
      t.run('DELETE FROM sync_status_kept WHERE remote = ?', [from]);
      t.run('DELETE FROM sync_shape_kept WHERE remote = ?', [from]);
      t.run(`INSERT INTO sync_status_kept (remote, ${STATUS_COLUMNS}) SELECT ?, ${STATUS_COLUMNS} FROM sync_status`, [from]);
      t.run(`INSERT INTO sync_shape_kept (remote, ${SHAPE_COLUMNS}) SELECT ?, ${SHAPE_COLUMNS} FROM sync_shape`, [from]);
    }
    forgetRemoteState(store);
    t.run(`INSERT INTO sync_status (${STATUS_COLUMNS}) SELECT ${STATUS_COLUMNS} FROM sync_status_kept WHERE remote = ?`, [to]);
    t.run(`INSERT INTO sync_shape (${SHAPE_COLUMNS}) SELECT ${SHAPE_COLUMNS} FROM sync_shape_kept WHERE remote = ?`, [to]);
    t.run('DELETE FROM sync_status_kept WHERE remote = ?', [to]);
    t.run('DELETE FROM sync_shape_kept WHERE remote = ?', [to]);
  });
}

/** Forgets what the remote in use holds (it was wiped): every session is pending for it again. */
export function forgetRemoteState(store: SessionStore): void {
  const t = SessionStore.tables(store);
  t.transaction(() => {
    t.run('DELETE FROM sync_status');
    t.run('DELETE FROM sync_shape');
  });
}

/** How many sessions differ from what is kept of `remote` (all of them for a remote never used). */
export function pendingForKept(store: SessionStore, remote: string): number {
  return Number(SessionStore.tables(store).scalar(
    `SELECT count(*) FROM sessions s LEFT JOIN sync_status_kept k ON k.remote = ? AND k.record_id = s.id
     WHERE k.last_sync_hash IS NOT s.content_hash`, [remote]));
}

/** Sessions last updated before `cutoff`, oldest first, with their stored size and the hash the remote last got. */
export function sessionsUpdatedBefore(store: SessionStore, cutoff: number, table: string)
  : { id: string; updatedAt: number; bytes: number; hash: string; lastSyncHash: string | null }[] {
  return SessionStore.tables(store).rows(
    `SELECT s.id, s.updated_at, length(s.body), s.content_hash, st.last_sync_hash FROM sessions s
     LEFT JOIN sync_status st ON st.record_id = s.id AND st.table_name = ?
     WHERE s.updated_at < ? ORDER BY s.updated_at, s.id`, [table, cutoff]).map((r) => ({
    id: String(r[0]), updatedAt: Number(r[1]), bytes: Number(r[2]), hash: String(r[3]),
    lastSyncHash: r[4] === null ? null : String(r[4]),
  }));
}
