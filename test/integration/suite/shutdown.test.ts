// Deactivating the extension while a sync uploads: the sync is cancelled and awaited before the store closes, so
// the store file agrees with the remote and keeps every session, the checkpoint is left for the next start, and the
// next start resumes from it, sending only what the interrupted run did not.
//
// The route: the extension's own `deactivate` (what VS Code calls when the window closes or reloads), then its
// `activate` again with the same ExtensionContext (what VS Code does at the next start: the same storage, secrets and
// settings), both reached through the API the suite already uses (`lifecycle`). A real reload would also end the
// extension host, and with it this suite, so it cannot be driven from here; what differs (the process, and the
// modules and the encode workers it keeps loaded) is not what this test is about: the order of the shutdown and what
// is on disk after it.
//
// The remote is a real sqld behind a hop (held-remote.ts) that lets two batches through and holds the third: the
// sync is then mid-upload with a batch in flight, whatever the machine's speed. The second test holds the first batch
// and starts Restore from the palette meanwhile, which waits behind the sync: the window closing must not close the
// store under the restore that follows.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { startSqld, type SqldServer } from '../../../src/lab/bench/sqld-process';
import { Remote } from '../../../src/core/remote/connect';
import { postToInbox } from '../../../src/core/store/inbox';
import { generateSessions } from '../../../src/lab/generator';
import { SessionStore } from '../../../src/core/store/session-store';
import { checkpointProgress } from '../../../src/core/sync/checkpoint';
import { listRuns } from '../../../src/core/store/run-history';
import { sessionSyncApi, type SessionSyncApi } from './helpers';
import { startHeldRemote, type HeldRemote } from './held-remote';
import { archiveElsewhere, storedCount } from './archive-fixture';
import { ui } from './ui-bridge';
import { clearToasts, toast } from './observe';

const BATCH = 5;
const PASSED = 2;
const config = () => vscode.workspace.getConfiguration('sessionSync');
const setGlobal = (key: string, value: unknown) => config().update(key, value, vscode.ConfigurationTarget.Global);
const SETTINGS = ['remote.url', 'sync.auto', 'sync.batchSize', 'sync.concurrency'];

/**
 * The remote behind `hop`, no automatic sync (the palette's sync is the only one), one batch of five at a time, and
 * `count` new sessions (ids `${seed}-…`) in the store waiting to go.
 */
async function sessionsWaitingFor(api: SessionSyncApi, hop: HeldRemote, seed: string, count: number): Promise<void> {
  await setGlobal('sync.auto', false);
  await setGlobal('sync.batchSize', BATCH);
  await setGlobal('sync.concurrency', 1);
  await setGlobal('remote.url', hop.url);
  for (const s of generateSessions({ count, days: 10, seed, now: Date.now(), idPrefix: seed })) await postToInbox(api.storeDir, s);
  await api.flush();
}

/** What the store file says once the window let go of it: runs, sessions, and which of them are still to send. */
async function readStore(dir: string) {
  const { store } = await SessionStore.open(dir, { readOnly: true });
  try {
    const pending = new Set(store.pending('sessions').map((p) => p.id));
    const hashes = new Map([...store.iterate()].map((s) => [s.id, store.contentHash(s.id)!]));
    return { runs: listRuns(store, 2), pending, hashes };
  } finally {
    await store.close();
  }
}

/** The remote's sessions (id -> content hash) and the records its batch ledger says were written. */
async function readRemote(url: string) {
  const remote = new Remote({ url });
  try {
    const rows = (await remote.execute('SELECT id, content_hash FROM sessions')).rows;
    const ledger = Number((await remote.execute('SELECT COALESCE(SUM(records), 0) FROM sync_batches')).rows[0][0]);
    return { hashes: new Map(rows.map((r) => [String(r[0]), String(r[1])])), ledger };
  } finally {
    remote.close();
  }
}

suite('shutdown during a sync', () => {
  let server: SqldServer | undefined;
  let hop: HeldRemote | undefined;
  let restoreHop: HeldRemote | undefined;
  let api: SessionSyncApi;
  let active = true;

  /** Deactivates while `held` holds a batch, then lets it go: says whether deactivate returned before or after. */
  async function deactivateWhileHeld(held: HeldRemote): Promise<string[]> {
    const order: string[] = [];
    const stopped = api.lifecycle.deactivate().then(() => { order.push('deactivate returned'); });
    active = false;
    // A deactivate that does not wait for the sync returns here; one that waits cannot until the batch is let go.
    await Promise.race([stopped, new Promise((resolve) => setTimeout(resolve, 3000))]);
    order.push('held batch released');
    held.release();
    await stopped;
    return order;
  }

  suiteTeardown(async () => {
    hop?.release();
    restoreHop?.release();
    if (!active) await api.lifecycle.activate();
    for (const key of SETTINGS) await setGlobal(key, undefined);
    await hop?.close();
    await restoreHop?.close();
    await server?.stop();
  });

  test('deactivating cancels the sync and waits for it, keeps the checkpoint, and the next start resumes it', async function () {
    this.timeout(120_000);
    api = await sessionSyncApi();
    server = await startSqld();
    hop = await startHeldRemote(server.httpUrl, PASSED);
    await sessionsWaitingFor(api, hop, 'shutdown-it', 40);

    const syncing = vscode.commands.executeCommand('sessionSync.syncNow');
    await hop.held;
    assert.deepEqual(await deactivateWhileHeld(hop), ['held batch released', 'deactivate returned'],
      'deactivate waited for the batch in flight');
    await syncing; // the palette's Sync Now ends quietly: a cancelled sync shows nothing

    // The store file, read after the window let go of it, against the remote.
    const sent = (PASSED + 1) * BATCH;
    const after = await readStore(api.storeDir);
    const remote = await readRemote(server.httpUrl);
    assert.equal(after.runs[0]?.result, 'cancelled', 'the interrupted run was recorded as cancelled');
    assert.equal(after.runs[0]?.sent, sent, 'the run counted the three batches the remote committed');
    assert.equal(remote.hashes.size, sent, 'the remote holds the three batches, the one in flight included');
    for (const [id, hash] of remote.hashes) {
      assert.ok(after.hashes.has(id), `${id}: a session the remote holds is still in the store`);
      // Only a session that changed here since (the one the recorder ended at deactivate) may be pending again.
      assert.ok(!(after.pending.has(id) && after.hashes.get(id) === hash), `${id}: the store knows the remote holds it`);
    }
    for (const id of after.hashes.keys()) {
      if (!after.pending.has(id)) assert.ok(remote.hashes.has(id), `${id}: marked synced, and on the remote`);
    }
    assert.ok(after.pending.size > 0, 'sessions are left for the next start');
    const checkpoint = checkpointProgress(api.storeDir);
    assert.ok(checkpoint, 'the checkpoint file is there for the next start');
    assert.equal(checkpoint.completed, PASSED + 1, 'the checkpoint marks the three batches complete');
    assert.ok(checkpoint.batches > PASSED + 1, 'and keeps the batches still to send');

    // The next start resumes: it sends what was left, once.
    await api.lifecycle.activate();
    active = true;
    await vscode.commands.executeCommand('sessionSync.syncNow');
    const end = await readStore(api.storeDir);
    const run = end.runs[0];
    assert.equal(run?.result, 'ok', `the next sync succeeded: ${run?.error ?? ''}`);
    assert.equal(run.resumed, true, 'the next sync resumed from the checkpoint');
    assert.equal(run.sent, after.pending.size, 'it sent only what was left');
    assert.equal(checkpointProgress(api.storeDir), null, 'the finished run removed the checkpoint');
    assert.equal(end.pending.size, 0);
    const final = await readRemote(server.httpUrl);
    assert.deepEqual(final.hashes, end.hashes, 'the remote holds every session of the store, as it is');
    assert.equal(final.ledger, after.runs[0].sent + run.sent, 'no session was written twice');
  });

  test('a restore waiting behind the sync when the window closes is finished before the store closes, and nothing is lost', async function () {
    if (!ui.available) this.skip();
    this.timeout(120_000);
    api = await sessionSyncApi();
    server ??= await startSqld();
    const archived = await archiveElsewhere(api.storeDir, 'shutdown-restore');
    // A remote this store never synced to, and sessions to send: the sync's first batch is held at the hop.
    restoreHop = await startHeldRemote(server.httpUrl, 0);
    await sessionsWaitingFor(api, restoreHop, 'shutdown-restore-live', 10);
    const syncing = vscode.commands.executeCommand('sessionSync.syncNow');
    await restoreHop.held;

    // Restore from the palette: it waits in line behind the sync, and says so.
    await clearToasts();
    await ui.palette('Session Sync: Restore Archived Sessions');
    await ui.quickPick('Session Sync: Restore Archived Sessions', 'All archived sessions');
    await toast(/restoring archived sessions.*waiting for the sync to finish/, 'info');

    assert.deepEqual(await deactivateWhileHeld(restoreHop), ['held batch released', 'deactivate returned'],
      'deactivate waited for the sync and the restore');
    await syncing;
    // The restore ran to its end (after the cancelled sync) before the store was saved and closed.
    await toast(/^Session Sync: Restored \d+ sessions; 0 remain archived\.$/, 'info');
    assert.equal(await storedCount(api.storeDir, archived), archived.length, 'every restored session is in the store file');

    await api.lifecycle.activate();
    active = true;
    await api.flush();
    assert.equal(await storedCount(api.storeDir, archived), archived.length, 'and still there after the next start');
  });
});
