// What several integration test files need: the extension's API, a real edit in the workspace, and polling.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { SessionSyncApi } from '../../../src/extension';
import { SessionStore } from '../../../src/core/store/session-store';
import { countRuns } from '../../../src/core/sync/history';

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
  assert.ok(await doc.save(), 'the document was not saved');
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

/** How many sync runs the store in `storeDir` has recorded (read from the file the owning window saved). */
export async function syncRunCount(storeDir: string): Promise<number> {
  const { store } = await SessionStore.open(storeDir, { readOnly: true });
  try {
    return countRuns(store);
  } finally {
    await store.close();
  }
}
