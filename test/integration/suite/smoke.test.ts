// Smoke tests in a real VS Code extension host: the extension loads, exposes its API and command,
// and "Session Sync: Sync Now" run from the command palette ends with "Synced" in the status bar.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { ui } from './ui-bridge';
import { eventually, sessionSyncApi, syncRunCount } from './helpers';


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

  test('"Session Sync: Sync Now" from the command palette ends with "Synced"', async function () {
    if (!ui.available) this.skip();
    const api = await sessionSyncApi();
    // The recorder hands over at most one snapshot a second: let the workbench's own start-up activity settle
    // into the store, so nothing new arrives just after the sync and turns "Synced" into "1 pending".
    await api.flush();
    await new Promise((resolve) => setTimeout(resolve, 1200));
    await api.flush();
    const runsBefore = await syncRunCount(api.storeDir);
    await ui.palette('Session Sync: Sync Now');
    const text = await ui.statusBarText('Synced');
    assert.match(text, /Synced/);
    await eventually('the sync run to be recorded', async () =>
      ((await syncRunCount(api.storeDir)) > runsBefore ? true : undefined));
    await ui.screenshot('statusbar-synced');
  });
});
