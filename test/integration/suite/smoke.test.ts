// Smoke tests in a real VS Code extension host: the extension loads, exposes its API and command,
// and "Session Sync: Sync Now" run from the command palette ends with "Synced HH:MM" in the status bar.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import * as path from 'node:path';
import { embeddedRemoteUrl } from '../../../src/core/remote/target';
import { SessionStore } from '../../../src/core/store/session-store';
import { EXTENSION_ID, editAndSave } from './helpers';
import { ui } from './ui-bridge';
import { sessionSyncApi, settleRecorder, syncNowFromPalette, syncedText } from './helpers';


suite('smoke', () => {
  test('the extension activates; its API names the store and the embedded remote, and flush() saves an edit', async () => {
    const api = await sessionSyncApi();
    assert.equal(path.basename(api.storeDir), EXTENSION_ID, 'the store lives in the extension\'s global storage');
    assert.equal(api.remoteUrl(), embeddedRemoteUrl(api.storeDir), 'with no remote set, the embedded database beside it');
    await editAndSave('smoke.ts', '// saved by the smoke test\n');
    await api.flush();
    const { store } = await SessionStore.open(api.storeDir, { readOnly: true });
    try {
      const mine = [...store.iterate()].filter((s) => s.workspace === vscode.workspace.name);
      assert.ok(mine.some((s) => s.files.includes('smoke.ts')), `the store file holds the edit: ${JSON.stringify(mine.map((s) => s.files))}`);
    } finally {
      await store.close();
    }
  });

  test('sessionSync.syncNow is a registered command', async () => {
    await sessionSyncApi();
    const commands = await vscode.commands.getCommands(true);
    assert.ok(commands.includes('sessionSync.syncNow'), 'sessionSync.syncNow is not registered');
  });

  test('the status bar shows a Session Sync item', async function () {
    if (!ui.available) this.skip();
    await sessionSyncApi();
    const text = await ui.statusBarText(/Session Sync|Synced/);
    assert.match(text, /Session Sync|Synced/);
  });

  test('"Session Sync: Sync Now" from the command palette ends with "Synced HH:MM"', async function () {
    if (!ui.available) this.skip();
    const api = await sessionSyncApi();
    // The recorder hands over at most one snapshot a second: let the workbench's own start-up activity settle
    // into the store, so nothing new arrives just after the sync and adds " · recording".
    await settleRecorder(api);
    const run = await syncNowFromPalette(api);
    assert.equal(run.result, 'ok', `the sync succeeded: ${run.error ?? ''}`);
    await ui.statusBarExact(syncedText(run));
    await ui.screenshot('statusbar-synced');
  });
});
