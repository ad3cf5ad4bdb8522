// What the tests of states, notifications and settings read back: the toasts on screen, the newest sync run, and
// a session's synced files in a libSQL database.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { Remote } from '../../../src/core/remote/connect';
import { loadDictionaries } from '../../../src/core/remote/dictionaries';
import { SessionStore } from '../../../src/core/store/session-store';
import { listRuns, type SyncRun } from '../../../src/core/sync/history';
import { decodeFrames } from '../../../src/core/codec/frames';
import { ui, type Toast } from './ui-bridge';
import { eventually, type SessionSyncApi } from './helpers';

/** The recorder hands over at most one snapshot a second: let the trailing update land before a sync. */
export async function settle(api: SessionSyncApi): Promise<void> {
  await api.flush();
  await new Promise((resolve) => setTimeout(resolve, 1500));
  await api.flush();
}

/** The newest sync run, read from the store file once the owning window saved everything. */
export async function latestRun(api: SessionSyncApi): Promise<SyncRun | undefined> {
  await api.flush();
  const { store } = await SessionStore.open(api.storeDir, { readOnly: true });
  try {
    return listRuns(store, 1)[0];
  } finally {
    await store.close();
  }
}

/** Runs Sync Now from the palette and waits for the run it records (not for a text the old state may show). */
export async function syncFromPalette(api: SessionSyncApi): Promise<SyncRun> {
  const before = (await latestRun(api))?.id ?? 0;
  await ui.palette('Session Sync: Sync Now');
  return eventually('Sync Now to record a sync run', async () => {
    const run = await latestRun(api);
    return run && (run.id ?? 0) > before ? run : undefined;
  });
}

/**
 * Waits for a notification whose message is exactly `message` (or matches it, a RegExp); returns every notification
 * with that message.
 */
export async function toast(message: string | RegExp, severity: Toast['severity']): Promise<Toast[]> {
  let seen: Toast[] = [];
  const found = await eventually(`a notification "${message}"`, async () => {
    seen = await ui.notifications();
    const same = seen.filter((t) => (typeof message === 'string' ? t.message === message : message.test(t.message)));
    return same.length ? same : undefined;
  }).catch((err: Error) => {
    throw new Error(`${err.message}; on screen: ${JSON.stringify(seen)}`);
  });
  assert.deepEqual(found.map((t) => t.severity), found.map(() => severity), `the toast is a ${severity}`);
  return found;
}

/** Closes every notification (the workbench's own command), so a test reads only the ones it caused. */
export async function clearToasts(): Promise<void> {
  await vscode.commands.executeCommand('notifications.clearAll');
}

/** Notifications not closed yet whose message matches `re`. */
export async function toastsMatching(re: RegExp): Promise<Toast[]> {
  return (await ui.notifications()).filter((t) => re.test(t.message));
}

/**
 * Every file path in the synced sessions of `workspace`, decoded from the remote's `files` frames (with the preset
 * dictionaries the remote holds, as any reader of the database would).
 */
export async function syncedFiles(url: string, workspace: string): Promise<string[]> {
  const remote = new Remote({ url });
  try {
    const dicts = await loadDictionaries(remote);
    const rs = await remote.execute({ sql: 'SELECT files FROM sessions WHERE workspace = ?', args: [workspace] });
    return rs.rows.flatMap((r) => decodeFrames(r[0] as ArrayBuffer, 'files', dicts).flat() as string[]);
  } finally {
    remote.close();
  }
}
