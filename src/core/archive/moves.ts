import type { SessionStore } from '../store/session-store';
import { dropRecordSyncState, recordSyncState, setRecordSyncState, shapeFromArchived, shapeToArchived } from '../store/sync-state';
import { SESSIONS_TABLE } from '../remote/sessions-table';
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
  const row = store.storedRow(id);
  if (!row) return undefined;
  const [, workspace, branch, startedAt, endedAt, updatedAt, contentHash] = row.head;
  const sync = recordSyncState(store, id, SESSIONS_TABLE);
  return {
    id, workspace, branch, startedAt, endedAt, updatedAt, contentHash, archivedAt: now, body: row.body,
    syncRemote: remote, lastSyncHash: sync?.lastSyncHash ?? null, syncedAt: sync?.syncedAt ?? null,
    shape: sync?.shape ? shapeToArchived(sync.shape) : null,
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
      const live = store.storedVersion(id);
      if (live && (live.hash === a.contentHash || live.updatedAt >= a.updatedAt)) continue;
      writeLive(store, a, remote);
      written++;
    }
  });
  return written;
}

function writeLive(store: SessionStore, a: ArchivedRow, remote: string | null): void {
  store.putStoredRow({ head: [a.id, a.workspace, a.branch, a.startedAt, a.endedAt, a.updatedAt, a.contentHash],
    body: a.body });
  const holds = a.lastSyncHash !== null && a.syncRemote !== null && a.syncRemote === remote;
  setRecordSyncState(store, a.id, SESSIONS_TABLE, holds ? { lastSyncHash: a.lastSyncHash!, syncedAt: a.syncedAt ?? 0,
    shape: a.shape ? shapeFromArchived(a.shape) : undefined } : undefined);
}

export function archivedRow(archive: ArchiveStore, id: string): ArchivedRow | undefined {
  const r = archive.rows(`SELECT ${ARCHIVED_COLUMNS} FROM archived_sessions WHERE id = ?`, [id])[0];
  return r ? rowFromSql(r) : undefined;
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
      const live = store.storedVersion(id);
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
  store.deleteSession(id);
  dropRecordSyncState(store, id); // for every remote: the session has left the sync
}
