import * as fs from 'node:fs';
import * as path from 'node:path';
import type { SessionStore } from '../store/session-store';
import { sessionsUpdatedBefore } from '../store/sync-state';
import { SESSIONS_TABLE } from '../remote/sessions-table';
import { ARCHIVE_FILE, ArchiveStore } from './archive-store';
import { copyToArchive, copyToLive, markRestoring, settleInFlight } from './moves';

/*
 * Archiving moves sessions between two files, so no single atomic save covers a move. The protocol:
 *
 *   archive (live -> archive), per chunk:
 *     1. archive: insert the rows (body bytes and sync state) and journal them as in flight 'archive'; SAVE archive.
 *     2. live: delete them (and their sync rows); SAVE live.
 *     3. archive: clear the journal; SAVE archive.
 *   restore (archive -> live), per chunk:
 *     1. archive: journal the ids as in flight 'restore'; SAVE archive.
 *     2. live: insert the rows with their sync state; SAVE live.
 *     3. archive: delete the rows and clear the journal; SAVE archive.
 *
 * Each save is an atomic rename, so after a SIGKILL each file is at one of these points. Steps 2-3 are one
 * function, settleInFlight (moves.ts), which also runs whenever the archive is opened for writing: it reads
 * the journal and completes the move from whichever state the files are in (an archive move is finished;
 * a restore is finished if the live file got the session, else the session stays archived). Without the
 * journal a session found in both files would be ambiguous: a half-done archive must leave the live store,
 * a half-done restore must leave the archive. Before step 1 nothing changed, after step 3 nothing remains.
 * Hence every session is in exactly one place once any write-opener has run.
 *
 * Sync state travels with the session, so a restored session that the remote still holds rejoins as
 * synced (nothing re-sent). Callers hold the live store's owner lock, as for any write.
 */

export const DAY_MS = 86_400_000;
export const DEFAULT_OLDER_THAN_DAYS = 90;
const CHUNK = 500;

export type SkipReason = 'never-synced' | 'changed-since-sync';

export interface ArchiveCandidate {
  id: string;
  updatedAt: number;
  /** Stored (compressed) bytes of the session. */
  bytes: number;
}

export interface SkippedSession {
  id: string;
  updatedAt: number;
  reason: SkipReason;
  message: string;
}

export interface ArchiveSummary {
  count: number;
  bytes: number;
  oldestUpdatedAt: number | null;
  newestUpdatedAt: number | null;
  skipped: number;
}

export interface ArchivePlan {
  olderThanDays: number;
  /** Sessions with updated_at before this (ms epoch) are old enough. */
  cutoff: number;
  candidates: ArchiveCandidate[];
  skipped: SkippedSession[];
  summary: ArchiveSummary;
}

const REASONS: Record<SkipReason, string> = {
  'never-synced': 'never sent to the remote; sync first, then archive',
  'changed-since-sync': 'changed since the last sync; sync first, then archive',
};

/**
 * What `archive` would move: sessions not updated for more than `olderThanDays` days whose current content
 * the remote holds. Old sessions with changes the remote lacks are listed in `skipped`, with the reason.
 * `olderThanDays` 0 (archiving off) plans nothing.
 */
export function planArchive(store: SessionStore, opts: { olderThanDays: number; now?: number }): ArchivePlan {
  const cutoff = (opts.now ?? Date.now()) - opts.olderThanDays * DAY_MS;
  const rows = opts.olderThanDays > 0 ? sessionsUpdatedBefore(store, cutoff, SESSIONS_TABLE) : [];
  const candidates: ArchiveCandidate[] = [];
  const skipped: SkippedSession[] = [];
  for (const r of rows) {
    const c = { id: r.id, updatedAt: r.updatedAt, bytes: r.bytes };
    if (r.lastSyncHash === r.hash) { candidates.push(c); continue; }
    const reason: SkipReason = r.lastSyncHash === null ? 'never-synced' : 'changed-since-sync';
    skipped.push({ id: c.id, updatedAt: c.updatedAt, reason, message: REASONS[reason] });
  }
  return { olderThanDays: opts.olderThanDays, cutoff, candidates, skipped, summary: summarize(candidates, skipped.length) };
}

function summarize(c: ArchiveCandidate[], skipped: number): ArchiveSummary {
  return {
    count: c.length,
    bytes: c.reduce((n, x) => n + x.bytes, 0),
    oldestUpdatedAt: c.length ? c[0].updatedAt : null,
    newestUpdatedAt: c.length ? c[c.length - 1].updatedAt : null,
    skipped,
  };
}

/**
 * Opens the archive beside the live store and finishes any move a crash interrupted. `warn` hears about a file
 * that was not an archive and was set aside.
 */
export async function openArchiveFor(store: SessionStore, warn?: (message: string) => void): Promise<ArchiveStore> {
  const archive = await ArchiveStore.open(store.dir);
  if (archive.setAsideNote) warn?.(archive.setAsideNote);
  try {
    await settleInFlight(store, archive);
    return archive;
  } catch (err) {
    archive.close();
    throw err;
  }
}

export interface ArchiveResult {
  /** Sessions now in the archive. */
  moved: number;
  /** Sessions that changed after the plan and so stayed live. */
  stayedLive: number;
  movedIds: string[];
}

/** Moves the plan's candidates into the archive (see the protocol above), then compacts the live file. */
export async function archiveSessions(store: SessionStore, archive: ArchiveStore, plan: ArchivePlan,
  opts: { chunkSize?: number; now?: number } = {}): Promise<ArchiveResult> {
  const ids = plan.candidates.map((c) => c.id);
  const size = opts.chunkSize ?? CHUNK;
  const movedIds: string[] = [];
  await store.flush();
  for (let i = 0; i < ids.length; i += size) {
    const copied = copyToArchive(store, archive, ids.slice(i, i + size), opts.now ?? Date.now());
    if (!copied.length) continue;
    await archive.save();
    await settleInFlight(store, archive);
    movedIds.push(...copied.filter((id) => store.contentHash(id) === undefined));
  }
  if (movedIds.length) {
    // Deleted rows leave free pages that db.export() would keep writing: rebuild the file to shrink it.
    await store.compact({ vacuum: true });
  }
  return { moved: movedIds.length, stayedLive: ids.length - movedIds.length, movedIds };
}

export interface RestoreResult {
  restored: number;
  /** Archived sessions dropped because the live store already had them as new or newer. */
  alreadyLive: number;
  /** Sessions still in the archive. */
  archived: number;
}

/**
 * Brings archived sessions back into the live store: all of them, or those last updated within
 * [since, until] (ms epoch, inclusive). They rejoin the sync: as synced when the remote still holds them.
 */
export async function restoreSessions(store: SessionStore, archive: ArchiveStore,
  range: { since?: number; until?: number } = {}, opts: { chunkSize?: number } = {}): Promise<RestoreResult> {
  const ids = archive.rows('SELECT id FROM archived_sessions WHERE updated_at >= ? AND updated_at <= ? ORDER BY id',
    [range.since ?? 0, range.until ?? Number.MAX_SAFE_INTEGER]).map((r) => String(r[0]));
  const size = opts.chunkSize ?? CHUNK;
  let restored = 0;
  let alreadyLive = 0;
  for (let i = 0; i < ids.length; i += size) {
    const chunk = ids.slice(i, i + size);
    markRestoring(archive, chunk);
    await archive.save();
    const written = copyToLive(store, archive, chunk);
    await store.flush();
    const settled = await settleInFlight(store, archive);
    restored += written;
    alreadyLive += settled.restored - written;
  }
  if (ids.length) {
    archive.vacuum();
    await archive.save();
  }
  return { restored, alreadyLive, archived: archive.count() };
}

/** For `status --json`: how many sessions the archive in `dir` holds, read without writing; 0 if none. */
export async function archivedCountIn(dir: string): Promise<number> {
  if (!fs.existsSync(path.join(dir, ARCHIVE_FILE))) return 0;
  const archive = await ArchiveStore.open(dir, { readOnly: true });
  try {
    return archive.count();
  } finally {
    archive.close();
  }
}

/**
 * Ids of the archived sessions in `dir`, read without writing; empty if there is no archive. The remote
 * keeps its copies of them by default, so verify and pull must tell them from strangers.
 */
export async function archivedIdsIn(dir: string): Promise<Set<string>> {
  if (!fs.existsSync(path.join(dir, ARCHIVE_FILE))) return new Set();
  const archive = await ArchiveStore.open(dir, { readOnly: true });
  try {
    return new Set(archive.rows('SELECT id FROM archived_sessions').map((r) => String(r[0])));
  } finally {
    archive.close();
  }
}

export { deleteArchivedFromRemote, remoteHeldIds } from './cloud';
export type { DeleteReport } from './cloud';
