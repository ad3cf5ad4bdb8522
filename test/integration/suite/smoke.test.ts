// Smoke tests in a real VS Code extension host: the extension loads, exposes its API and command,
// and "Session Sync: Sync Now" run from the command palette ends with "Synced HH:MM" in the status bar.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { ui } from './ui-bridge';
import { sessionSyncApi, settleRecorder, syncNowFromPalette, syncedText } from './helpers';


suite('smoke', () => {
  test('the extension activates and returns its API', async () => {
    const api = await sessionSyncApi();
    assert.equal(typeof api.storeDir, 'string');
    assert.ok(api.storeDir.length > 0, 'storeDir is empty');
    assert.equal(typeof api.remoteUrl(), 'string');
    await api.flush();
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
