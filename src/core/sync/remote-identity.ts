import type { SessionStore } from '../store/session-store';
import type { Remote } from '../remote/connect';
import { SESSIONS_TABLE } from '../remote/schema';

/** The live store's meta key naming the remote that sync_status describes. */
export const SYNC_REMOTE_META = 'sync-remote';

/**
 * sync_status says what "the remote" holds; when the user points Session Sync at another database (a sync or a
 * pull), that knowledge is void and every session must go to the new one.
 */
export function forgetOtherRemote(store: SessionStore, remote: Remote): void {
  if (store.getMeta(SYNC_REMOTE_META) === remote.displayUrl) return;
  if (store.getMeta(SYNC_REMOTE_META) !== undefined) store.clearSyncState();
  store.setMeta(SYNC_REMOTE_META, remote.displayUrl);
}

/** How many sessions the next optimized sync to `remote` sends (all of them when the store knows another remote). */
export function sessionsNextSyncSends(store: SessionStore, remote: Remote): number {
  return store.getMeta(SYNC_REMOTE_META) === remote.displayUrl ? store.pendingCount(SESSIONS_TABLE) : store.count();
}
