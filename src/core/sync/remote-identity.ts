import type { SessionStore } from '../store/session-store';
import type { Remote } from '../remote/connect';
import { SESSIONS_TABLE } from '../remote/sessions-table';
import { pendingForKept, switchSyncState } from '../store/sync-state';

/** The live store's meta key naming the remote that sync_status describes. */
export const SYNC_REMOTE_META = 'sync-remote';

/**
 * sync_status says what "the remote" holds. When the user points Session Sync at another database (a sync or a
 * pull), the state about the previous one is kept aside and the state about this one, if it was ever used, comes
 * back: a mistyped URL, or "Use Local Database" and back, costs no full re-send.
 */
export function followRemote(store: SessionStore, remote: Remote): void {
  const current = store.getMeta(SYNC_REMOTE_META);
  if (current === remote.displayUrl) return;
  store.transaction(() => {
    switchSyncState(store, current, remote.displayUrl);
    store.setMeta(SYNC_REMOTE_META, remote.displayUrl);
  });
}

/** How many sessions the next optimized sync to `remote` sends, judged by what the store knows of that remote. */
export function sessionsNextSyncSends(store: SessionStore, remote: Remote): number {
  return store.getMeta(SYNC_REMOTE_META) === remote.displayUrl ? store.pendingCount(SESSIONS_TABLE)
    : pendingForKept(store, remote.displayUrl);
}
