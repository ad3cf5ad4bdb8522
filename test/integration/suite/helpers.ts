// What several integration test files need: the extension's API, a real edit in the workspace, and polling.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { SessionSyncApi } from '../../../src/extension';
import { SessionStore } from '../../../src/core/store/session-store';
import { listRuns, type SyncRun } from '../../../src/core/store/run-history';
import { ui } from './ui-bridge';

export type { SessionSyncApi };

export const EXTENSION_ID = 'session-sync.session-sync';

/** Activates the extension under test and returns what `activate` returned. */
export async function sessionSyncApi(): Promise<SessionSyncApi> {
  const ext = vscode.extensions.getExtension<SessionSyncApi>(EXTENSION_ID);
  assert.ok(ext, `extension ${EXTENSION_ID} is not installed in the extension host`);
  const api = await ext.activate();
  assert.equal(ext.isActive, true, 'extension did not become active');
  return api;
}

/** Types `text` at the top of a workspace file (created when missing) and saves it, as a user would. */
export async function editAndSave(name: string, text: string): Promise<void> {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'the test workspace has no folder');
  const uri = vscode.Uri.joinPath(folder.uri, name);
  try {
    await vscode.workspace.fs.stat(uri);
  } catch {
    await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode('export {};\n'));
  }
  const doc = await vscode.workspace.openTextDocument(uri);
  const editor = await vscode.window.showTextDocument(doc);
  assert.ok(await editor.edit((e) => e.insert(new vscode.Position(0, 0), text)), 'the edit was not applied');
  // Right after the workbench starts, the first save of a file can be refused (save() is false, the document stays
  // dirty) and the same save a moment later succeeds: retry, as a user pressing Ctrl+S again would.
  await eventually('the document to be saved', async () => ((await doc.save()) || !doc.isDirty ? true : undefined), 10_000);
}

/** Polls `probe` until it returns a value other than undefined; fails with `what` after `ms`. */
export async function eventually<T>(what: string, probe: () => Promise<T | undefined>, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`timed out waiting for ${what}${last ? ` (last error: ${(last as Error).message ?? String(last)})` : ''}`);
}

/** The newest sync run, read from the store file once the owning window has saved everything. */
export async function newestRun(api: SessionSyncApi): Promise<SyncRun | undefined> {
  await api.flush();
  const { store } = await SessionStore.open(api.storeDir, { readOnly: true });
  try {
    return listRuns(store, 1)[0];
  } finally {
    await store.close();
  }
}

/**
 * Runs "Session Sync: Sync Now" from the palette and resolves with the run it recorded. Waiting for the run, not for
 * a status text: the text before the sync ("Synced 14:05 · recording") may already contain what comes after it.
 */
export async function syncNowFromPalette(api: SessionSyncApi): Promise<SyncRun> {
  const before = (await newestRun(api))?.id ?? 0;
  await ui.palette('Session Sync: Sync Now');
  return eventually('Sync Now to record a new sync run', async () => {
    const run = await newestRun(api);
    return run && (run.id ?? 0) > before ? run : undefined;
  });
}

/** The status bar text after a successful `run`, computed here independently of the extension's own formatting. */
export function syncedText(run: SyncRun, recording = false): string {
  const at = new Date(run.endedAt ?? run.startedAt);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `Synced ${pad(at.getHours())}:${pad(at.getMinutes())}${recording ? ' · recording' : ''}`;
}

/** The recorder hands over at most one snapshot a second: let that trailing update land before a sync. */
export async function settleRecorder(api: SessionSyncApi): Promise<void> {
  await api.flush();
  await new Promise((resolve) => setTimeout(resolve, 1500));
  await api.flush();
}

/** The remote URL set in the user's settings (undefined for the embedded default). */
export const remoteSetting = (): string | undefined =>
  vscode.workspace.getConfiguration('sessionSync').inspect<string>('remote.url')?.globalValue;

/** "Session Sync: Configure Remote" from the palette, answered with `url` and `token`; waits until the URL is saved. */
export async function configureRemote(url: string, token: string): Promise<void> {
  await ui.palette('Session Sync: Configure Remote');
  await ui.quickInput(url);
  await ui.quickInput(token);
  await eventually('the remote setting to name the new URL', async () => (remoteSetting() === url ? true : undefined));
}
