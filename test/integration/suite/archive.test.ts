// Archiving in a real VS Code: old sessions handed in through the store's inbox (as another window would)
// are synced, then the webview's dry run counts exactly those older than the days set on the page, and
// "Session Sync: Archive Old Sessions" is a real command.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { postToInbox } from '../../../src/core/store/inbox';
import { generateSessions } from '../../../src/core/generator';
import { ui } from './ui-bridge';
import { sessionSyncApi, syncNowFromPalette } from './helpers';

const DAY = 86_400_000;

suite('archive', () => {
  suiteTeardown(async () => {
    await vscode.workspace.getConfiguration('sessionSync').update('archive.olderThanDays', undefined,
      vscode.ConfigurationTarget.Global);
  });

  test('the dry run in the webview counts the synced sessions older than the days set there', async function () {
    if (!ui.available) this.skip();
    const sessionSync = await sessionSyncApi();
    const now = Date.now();
    const old = generateSessions({ count: 24, days: 365, seed: 'archive-it', now, idPrefix: 'archive-it' });
    const expected = old.filter((s) => s.updatedAt < now - 200 * DAY).length;
    assert.ok(expected > 0 && expected < old.length, `a mix of ages (${expected} of ${old.length} older than 200 days)`);
    for (const s of old) await postToInbox(sessionSync.storeDir, s);
    await sessionSync.flush();

    // Wait for the run itself: the status bar may already read "Synced HH:MM" from an earlier sync.
    const run = await syncNowFromPalette(sessionSync);
    assert.ok(run.result === 'ok' && run.sent >= old.length, `the sync sent the ${old.length} old sessions (sent ${run.sent})`);
    const commands = await vscode.commands.getCommands(true);
    assert.ok(commands.includes('sessionSync.archiveOldSessions') && commands.includes('sessionSync.restoreArchivedSessions'));

    await ui.palette('Session Sync: Show Sync History');
    await ui.webviewText('Sync runs');
    await ui.webviewFill('#archive-days', 200);
    await ui.webviewClick('#archive-preview');
    await ui.webviewText(`Dry run: ${expected} sessions older than 200 days would be archived`);
  });
});
