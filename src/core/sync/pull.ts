import type { SessionStore } from '../store/session-store';
import type { Remote } from '../remote/connect';
import { canonicalSession } from '../model';
import { sessionHash } from '../hash';
import { fullShape } from './delta';
import { putShape } from '../store/sync-state';
import { openRemoteForRead, readRemoteSessions } from './remote-read';
import { IdSample, newIdSample, sampleInto } from './id-sample';
import type { ArchivedIds } from './verify';
import { SESSIONS_TABLE } from '../remote/sessions-table';
import { yieldToEventLoop } from '../metrics';
import { followRemote, sessionsNextSyncSends } from './remote-identity';
import { cacheDictionary } from './dictionary-cache';

export interface PullReport {
  remote: number;
  /** Sessions archived here: left in the archive (restore brings them back). */
  archived: number;
  added: number;
  updated: number;
  unchanged: number;
  /** Remote rows that did not decode (the others were pulled). */
  undecodable: IdSample;
  /** Set when nothing has been synced to the remote yet: how many sessions the next sync sends. */
  nothingSynced?: { willSend: number };
}

/**
 * Rebuilds sessions from the remote into the store (a new machine, or a lost local store). A local
 * session newer than the remote copy is kept. What arrives is recorded as synced, so it is not sent back.
 * `archivedIds` reads the ids archived beside the store (the caller knows the archive; the sync layer does
 * not): the remote keeps their copies, and pull leaves them in the archive.
 */
export async function pullRemote(store: SessionStore, remote: Remote, archivedIds: ArchivedIds): Promise<PullReport> {
  const report: PullReport = { remote: 0, archived: 0, added: 0, updated: 0, unchanged: 0, undecodable: newIdSample() };
  const dicts = await openRemoteForRead(remote);
  if (!dicts) return { ...report, nothingSynced: { willSend: sessionsNextSyncSends(store, remote) } };
  followRemote(store, remote);
  const archived = await archivedIds();
  const now = Date.now();
  for await (const r of readRemoteSessions(remote, dicts, undefined, sampleInto(report.undecodable))) {
    report.remote++;
    if (archived.has(r.session.id)) {
      report.archived++;
      continue;
    }
    const existed = store.contentHash(r.session.id) !== undefined;
    const changed = store.upsert(r.session);
    if (changed) report[existed ? 'updated' : 'added']++;
    else report.unchanged++;
    const hash = sessionHash(r.session);
    if (store.contentHash(r.session.id) === hash && hash === r.contentHash) {
      putShape(store, r.session.id, fullShape(canonicalSession(r.session), r.frames));
      store.markSynced(SESSIONS_TABLE, [{ id: r.session.id, hash }], now);
    }
    if (report.remote % 200 === 0) await yieldToEventLoop();
  }
  report.remote += report.undecodable.count; // they are on the remote, only not readable
  // Later syncs from this store compress with the remote's dictionary without asking for it.
  const newest = Math.max(0, ...dicts.keys());
  if (newest) cacheDictionary(store, remote.displayUrl, { id: newest, bytes: dicts.get(newest)! });
  await store.flush();
  return report;
}
