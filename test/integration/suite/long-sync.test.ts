// A sync long enough to watch, in a real VS Code against a real libSQL server: sessions handed in through the store's
// inbox (as another window would) go up in batches of `sessionSync.sync.batchSize`, through a relay that holds every
// batch after the first until the test has read the status bar. So the status bar reads "Syncing 1/n" for as long as
// the test looks, n being the batches the waiting sessions make, and the same run then ends in "Synced HH:MM".
// Runs last: it points the extension at a server of its own, then back at the embedded default.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { startSqld, type SqldServer } from '../../../src/lab/bench/sqld-process';
import { generateSessions } from '../../../src/lab/generator';
import { postToInbox } from '../../../src/core/store/inbox';
import { SessionStore } from '../../../src/core/store/session-store';
import { SESSIONS_TABLE } from '../../../src/core/remote/sessions-table';
import { ui } from './ui-bridge';
import { startBatchGate, type BatchGate } from './batch-gate';
import {
  configureRemote, eventually, newestRun, remoteSetting, sessionSyncApi, settleRecorder, syncNowFromPalette, syncedText,
  type SessionSyncApi,
} from './helpers';

/** Sessions per batch while the test runs: small, so a handful of sessions makes several batches. */
const BATCH_SIZE = 3;
const SESSIONS = 10;

const config = () => vscode.workspace.getConfiguration('sessionSync');

suite('a long sync', () => {
  let server: SqldServer;
  let gate: BatchGate;

  suiteSetup(async function () {
    if (!ui.available) this.skip();
    this.timeout(60_000);
    server = await startSqld({ auth: true });
    gate = await startBatchGate(server.httpUrl);
    await configureRemote(gate.url, server.token!);
  });

  suiteTeardown(async () => {
    gate?.release();
    await vscode.commands.executeCommand('sessionSync.resumeAutoSync');
    await config().update('sync.batchSize', undefined, vscode.ConfigurationTarget.Global);
    if (remoteSetting()) await vscode.commands.executeCommand('sessionSync.useLocalDatabase');
    await gate?.close();
    await server?.stop();
  });

  test('"Syncing 1/n" while the batches go up (n from the waiting sessions and sync.batchSize), then "Synced HH:MM"', async function () {
    this.timeout(120_000);
    const api = await sessionSyncApi();
    await settleRecorder(api);
    // Everything the store held goes to the new server first, so what waits next is only what this test hands in.
    const first = await syncNowFromPalette(api);
    assert.equal(first.result, 'ok', `the first sync to the server succeeded: ${first.error ?? ''}`);
    await config().update('sync.batchSize', BATCH_SIZE, vscode.ConfigurationTarget.Global);
    // Paused while they are handed in, so no auto-sync takes some of them before they are counted.
    await vscode.commands.executeCommand('sessionSync.pauseAutoSync');
    const sessions = generateSessions({ count: SESSIONS, days: 3, seed: 'long-sync-it', now: Date.now(), idPrefix: 'long-sync-it' });
    for (const s of sessions) await postToInbox(api.storeDir, s);
    await settleRecorder(api);
    const waiting = await pendingCount(api);
    const batches = Math.ceil(waiting / BATCH_SIZE);
    assert.ok(waiting >= SESSIONS && batches >= 3, `the handed-in sessions wait (${waiting} sessions, ${batches} batches)`);

    // From here on, whichever sync starts first (an auto-sync or Sync Now, which then waits for it) meets the hold.
    const before = (await newestRun(api))?.id ?? 0;
    gate.holdAfter(1);
    try {
      await vscode.commands.executeCommand('sessionSync.resumeAutoSync');
      await ui.palette('Session Sync: Sync Now');
      await ui.statusBarExact(`Syncing 1/${batches}`);
    } finally {
      gate.release();
    }
    const run = await eventually('the held sync to record its run', async () => {
      const r = await newestRun(api);
      return r && (r.id ?? 0) > before ? r : undefined;
    });
    assert.equal(run.result, 'ok', `the sync succeeded: ${run.error ?? ''}`);
    assert.deepEqual({ sent: run.sent, batches: run.batches }, { sent: waiting, batches });
    await ui.statusBarExact(syncedText(run));
  });
});

/** Sessions waiting for a sync, read from the store file once the window saved everything. */
async function pendingCount(api: SessionSyncApi): Promise<number> {
  await api.flush();
  const { store } = await SessionStore.open(api.storeDir, { readOnly: true });
  try {
    return store.pendingCount(SESSIONS_TABLE);
  } finally {
    await store.close();
  }
}
