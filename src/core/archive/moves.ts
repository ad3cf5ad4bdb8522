import type { SqlValue } from 'sql.js';
import type { SessionStore } from '../store/session-store';
import { REMOTE_TABLE } from '../sync/optimized';
import { SYNC_REMOTE_META } from '../sync/remote-identity';
import { ARCHIVED_COLUMNS, ArchiveStore, ArchivedRow, rowFromSql } from './archive-store';

/*
 * The low-level steps of moving sessions between the live store and the archive. archive.ts explains the
 * protocol; this file holds the pieces it is made of, each touching one file's memory only. The caller
 * decides when each file is saved, because the order of the saves is what makes a crash safe.
 */

export { SYNC_REMOTE_META };

/** Copies live sessions (body bytes as they are, plus their sync state) into the archive, marked in flight. */
export function copyToArchive(store: SessionStore, archive: ArchiveStore, ids: string[], now: number): string[] {
  const remote = store.getMeta(SYNC_REMOTE_META) ?? null;
  const copied: string[] = [];
  archive.transaction(() => {
    for (const id of ids) {
      const row = liveRow(store, id, remote, now);
      // Only what the remote holds as it is now may leave: a session changed since the plan stays live.
      if (!row || row.lastSyncHash !== row.contentHash) continue;
      insertArchived(archive, row);
      archive.sql.run(`INSERT OR REPLACE INTO in_flight (record_id, op) VALUES (?, 'archive')`, [id]);
      copied.push(id);
    }
  });
  return copied;
}

function liveRow(store: SessionStore, id: string, remote: string | null, now: number): ArchivedRow | undefined {
  const r = store.rows(
    `SELECT s.workspace, s.branch, s.started_at, s.ended_at, s.updated_at, s.content_hash, s.body,
       st.last_sync_hash, st.synced_at
     FROM sessions s LEFT JOIN sync_status st ON st.record_id = s.id AND st.table_name = ?
     WHERE s.id = ?`, [REMOTE_TABLE, id])[0];
  if (!r) return undefined;
  const shape = store.rows('SELECT events, events_hash, files, files_hash, notes, notes_hash, frames, meta ' +
    'FROM sync_shape WHERE record_id = ?', [id])[0];
  return {
    id, workspace: String(r[0]), branch: r[1] === null ? null : String(r[1]), startedAt: Number(r[2]),
    endedAt: Number(r[3]), updatedAt: Number(r[4]), contentHash: String(r[5]), archivedAt: now,
    body: r[6] as Uint8Array, syncRemote: remote, lastSyncHash: r[7] === null ? null : String(r[7]),
    syncedAt: r[8] === null ? null : Number(r[8]), shape: shape ? JSON.stringify(shape) : null,
  };
}

function insertArchived(archive: ArchiveStore, a: ArchivedRow): void {
  archive.sql.run(`INSERT OR REPLACE INTO archived_sessions (${ARCHIVED_COLUMNS})
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  [a.id, a.workspace, a.branch, a.startedAt, a.endedAt, a.updatedAt, a.contentHash, a.archivedAt, a.body,
    a.syncRemote, a.lastSyncHash, a.syncedAt, a.shape]);
}

/** Marks archived sessions as about to be restored (the journal a crash recovery reads). */
export function markRestoring(archive: ArchiveStore, ids: string[]): void {
  archive.transaction(() => {
    for (const id of ids) archive.sql.run(`INSERT OR REPLACE INTO in_flight (record_id, op) VALUES (?, 'restore')`, [id]);
  });
}

/**
 * Writes archived sessions back into the live store with their sync state, so a session the remote still
 * holds rejoins as already synced. A live copy at least as new wins (the archive copy is dropped later).
 * Sync state is restored only if it describes the remote the live store syncs with now.
 */
export function copyToLive(store: SessionStore, archive: ArchiveStore, ids: string[]): number {
  const remote = store.getMeta(SYNC_REMOTE_META) ?? null;
  let written = 0;
  store.transaction(() => {
    for (const id of ids) {
      const a = archivedRow(archive, id);
      if (!a) continue;
      const live = liveVersion(store, id);
      if (live && (live.hash === a.contentHash || live.updatedAt >= a.updatedAt)) continue;
      writeLive(store, a, remote);
      written++;
    }
  });
  return written;
}

function writeLive(store: SessionStore, a: ArchivedRow, remote: string | null): void {
  const db = store;
  db.run(`INSERT OR REPLACE INTO sessions (id, workspace, branch, started_at, ended_at, updated_at, content_hash, body)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  [a.id, a.workspace, a.branch, a.startedAt, a.endedAt, a.updatedAt, a.contentHash, a.body]);
  db.run('DELETE FROM sync_status WHERE record_id = ?', [a.id]);
  db.run('DELETE FROM sync_shape WHERE record_id = ?', [a.id]);
  if (a.lastSyncHash === null || a.syncRemote === null || a.syncRemote !== remote) return;
  db.run('INSERT INTO sync_status (record_id, table_name, last_sync_hash, synced_at) VALUES (?, ?, ?, ?)',
    [a.id, REMOTE_TABLE, a.lastSyncHash, a.syncedAt ?? 0]);
  if (a.shape) {
    const s = JSON.parse(a.shape) as SqlValue[];
    db.run(`INSERT INTO sync_shape (record_id, events, events_hash, files, files_hash, notes, notes_hash, frames, meta)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, [a.id, ...s]);
  }
}

export function archivedRow(archive: ArchiveStore, id: string): ArchivedRow | undefined {
  const r = archive.rows(`SELECT ${ARCHIVED_COLUMNS} FROM archived_sessions WHERE id = ?`, [id])[0];
  return r ? rowFromSql(r) : undefined;
}

function liveVersion(store: SessionStore, id: string): { hash: string; updatedAt: number } | undefined {
  const r = store.rows('SELECT content_hash, updated_at FROM sessions WHERE id = ?', [id])[0];
  return r ? { hash: String(r[0]), updatedAt: Number(r[1]) } : undefined;
}

export interface Settled {
  /** Sessions whose move into the archive completed. */
  archived: number;
  /** Sessions whose move back into the live store completed. */
  restored: number;
}

/**
 * Finishes every move the archive's journal lists, whether this process is in the middle of it or a
 * killed one left it: idempotent, and safe to run at any time under the owner lock.
 * - 'archive': the archive file holds the session. Remove it from the live store unless the live copy
 *   changed meanwhile and is newer (then it stays live and leaves the archive).
 * - 'restore': if the live store holds the session (as new or newer), it leaves the archive; otherwise the
 *   restore never reached the live file and the session simply stays archived.
 * The live store is saved before the journal is cleared, so a crash in between only repeats this.
 */
export async function settleInFlight(store: SessionStore, archive: ArchiveStore): Promise<Settled> {
  const journal = archive.rows(`SELECT f.record_id, f.op, a.content_hash, a.updated_at
    FROM in_flight f LEFT JOIN archived_sessions a ON a.id = f.record_id`);
  const settled: Settled = { archived: 0, restored: 0 };
  if (!journal.length) return settled;
  const leaveArchive: string[] = [];
  store.transaction(() => {
    for (const [rid, op, hash, updated] of journal) {
      const id = String(rid);
      const live = liveVersion(store, id);
      if (hash === null) continue;
      const liveWins = !!live && live.hash !== hash && live.updatedAt > Number(updated);
      if (op === 'archive') {
        if (liveWins) leaveArchive.push(id);
        else if (live) deleteLive(store, id);
        settled.archived += liveWins ? 0 : 1;
      } else if (live && (live.hash === hash || live.updatedAt >= Number(updated))) {
        leaveArchive.push(id);
        settled.restored++;
      }
    }
  });
  await store.flush();
  archive.transaction(() => {
    for (const id of leaveArchive) archive.sql.run('DELETE FROM archived_sessions WHERE id = ?', [id]);
    archive.sql.run('DELETE FROM in_flight');
  });
  await archive.save();
  return settled;
}

function deleteLive(store: SessionStore, id: string): void {
  store.run('DELETE FROM sessions WHERE id = ?', [id]);
  store.run('DELETE FROM sync_status WHERE record_id = ?', [id]);
  store.run('DELETE FROM sync_shape WHERE record_id = ?', [id]);
  // What other remotes hold of it is not kept either: the session has left the sync.
  store.run('DELETE FROM sync_status_kept WHERE record_id = ?', [id]);
  store.run('DELETE FROM sync_shape_kept WHERE record_id = ?', [id]);
}
