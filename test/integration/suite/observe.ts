// What the tests of states, notifications and settings read back: the notifications, and a workspace's synced files
// in a libSQL database.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { Remote } from '../../../src/core/remote/connect';
import { loadDictionaries } from '../../../src/core/remote/dictionaries';
import { decodeFrames } from '../../../src/core/codec/frames';
import { ui, type Toast } from './ui-bridge';
import { eventually } from './helpers';

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
