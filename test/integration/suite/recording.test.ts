// The whole slice in a real VS Code: editing a file records a session, the status bar shows it being recorded,
// "Session Sync: Sync Now" from the command palette sends it, and it is in the embedded libSQL remote.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { createClient } from '@libsql/client';
import { decodeFrames } from '../../../src/core/codec/frames';
import { ui } from './ui-bridge';
import { editAndSave, newestRun, sessionSyncApi, settleRecorder, syncNowFromPalette, syncedText } from './helpers';

suite('recording and sync', () => {
  test('an edit is recorded, synced from the palette, and lands in the embedded remote', async function () {
    if (!ui.available) this.skip();
    const sessionSync = await sessionSyncApi();
    await editAndSave('hello.ts', '// recorded by the integration test\n');
    await sessionSync.flush();
    // After an earlier successful sync the new changes are being recorded, not a backlog ("1 pending").
    const previous = await newestRun(sessionSync);
    assert.ok(!previous || previous.result === 'ok', `the earlier sync succeeded: ${previous?.error ?? ''}`);
    await ui.statusBarExact(previous ? syncedText(previous, true) : 'Recording, not synced yet');

    await settleRecorder(sessionSync);
    const run = await syncNowFromPalette(sessionSync);
    assert.equal(run.result, 'ok');
    await ui.statusBarExact(syncedText(run));

    const url = sessionSync.remoteUrl();
    assert.match(url, /^file:/, 'with no remote configured the embedded file database is used');
    const db = createClient({ url });
    try {
      const rs = await db.execute('SELECT workspace, files, event_count FROM sessions');
      const mine = rs.rows.filter((r) => r[0] === vscode.workspace.name);
      assert.equal(mine.length, 1, `one session of workspace ${vscode.workspace.name} in the remote`);
      const files = decodeFrames(mine[0][1] as ArrayBuffer, 'files').flat();
      assert.ok(files.includes('hello.ts'), `files recorded relative to the workspace: ${JSON.stringify(files)}`);
      assert.ok(Number(mine[0][2]) >= 2, 'the timeline holds at least the open and the edit');
    } finally {
      db.close();
    }
  });
});
