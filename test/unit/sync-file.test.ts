// The sync engine against the embedded remote: a real libSQL database file through @libsql/client (the native
// module), and a real sql.js store. Covers dedup, deltas, verify, pull, the naive baseline, replays, the
// newer-wins rule, and resuming from a checkpoint.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { switchSyncState } from '../../src/core/store/sync-state';
import { SessionStore } from '../../src/core/store/session-store';
import { Remote } from '../../src/core/remote/connect';
import { embeddedRemoteUrl } from '../../src/core/remote/target';
import { runSync, type SyncReport } from '../../src/core/sync/engine';
import { sessionsNextSyncSends } from '../../src/core/sync/remote-identity';
import { verifyPassed, verifyRemote } from '../../src/core/sync/verify';
import { archivedIdsIn } from '../../src/core/archive/archive';
import { pullRemote } from '../../src/core/sync/pull';
import { readRemoteSessions } from '../../src/core/sync/remote-read';
import { CheckpointWriter, checkpointPath, loadCheckpoint, type Checkpoint, type CheckpointBatch } from '../../src/core/sync/checkpoint';
import { continueSession, generateSessions, mutationRng } from '../../src/lab/generator';
import { sessionToJson, type Session } from '../../src/core/model';
import { exportText } from '../support/helpers';

const NOW = Date.UTC(2025, 5, 1, 12);
const SEEDED = generateSessions({ count: 300, seed: 'sync-file', now: NOW });
const dirs: string[] = [];
const opened: { store: SessionStore; remotes: Remote[] }[] = [];

function tempDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'sync-file-test-'));
  dirs.push(d);
  return d;
}

/** A store in a fresh folder, filled with `sessions`, and a Remote on that folder's embedded database. */
async function setup(sessions: Session[] = SEEDED): Promise<{ dir: string; store: SessionStore; remote: Remote }> {
  const dir = tempDir();
  const { store } = await SessionStore.open(dir);
  store.upsertMany(sessions);
  const remote = new Remote({ url: embeddedRemoteUrl(dir) });
  opened.push({ store, remotes: [remote] });
  return { dir, store, remote };
}

/** Another store (another machine) that syncs to `remote`'s database. */
async function otherStore(remote: Remote): Promise<{ store: SessionStore; remote: Remote }> {
  const { store } = await SessionStore.open(tempDir());
  const again = new Remote({ url: remote.target.url });
  opened.push({ store, remotes: [again] });
  return { store, remote: again };
}

after(async () => {
  for (const o of opened) {
    for (const r of o.remotes) r.close();
    await o.store.close().catch(() => undefined);
  }
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

async function remoteScalar(remote: Remote, sql: string): Promise<number> {
  const rs = await remote.execute(sql);
  return Number(rs.rows[0][0]);
}

async function assertVerified(store: SessionStore, remote: Remote, strategy: 'optimized' | 'naive' = 'optimized') {
  const v = await verifyRemote(store, remote, () => archivedIdsIn(store.dir), strategy);
  assert.ok(verifyPassed(v), `verify: ${JSON.stringify(v)}`);
  assert.equal(v.local, store.count());
  assert.equal(v.remote, store.count());
}

function assertOk(r: SyncReport): void {
  assert.equal(r.result, 'ok', `sync failed: ${r.error}`);
  assert.equal(r.error, null);
}

const continued = (s: Session, now = NOW + 3_600_000): Session => continueSession(s, mutationRng('m', s.id), now);

describe('optimized sync to the embedded remote', () => {
  let ctx: Awaited<ReturnType<typeof setup>>;
  let initial: SyncReport;
  before(async () => { ctx = await setup(); });

  test('the first sync sends every session, compressed, and verify passes', async () => {
    initial = await runSync(ctx.store, ctx.remote);
    assertOk(initial);
    assert.equal(initial.sent, 300);
    assert.equal(initial.skipped, 0);
    assert.equal(initial.batches, 3);
    assert.ok(initial.bytesSent < initial.bytesRaw / 3, `${initial.bytesSent} of ${initial.bytesRaw}`);
    assert.equal(ctx.store.pendingCount('sessions'), 0);
    assert.equal(await remoteScalar(ctx.remote, 'SELECT count(*) FROM sessions'), 300);
    await assertVerified(ctx.store, ctx.remote);
  });

  test('a second sync with nothing new sends nothing and makes no request', async () => {
    const r = await runSync(ctx.store, ctx.remote);
    assertOk(r);
    assert.equal(r.sent, 0);
    assert.equal(r.skipped, 300);
    assert.equal(r.roundTrips, 0);
    assert.equal(r.bytesSent, 0);
    await assertVerified(ctx.store, ctx.remote);
  });

  test('continuing 5% of the sessions sends exactly those, as a small delta', async () => {
    const chosen = SEEDED.filter((_, i) => i % 20 === 7);
    assert.equal(chosen.length, 15);
    assert.equal(ctx.store.upsertMany(chosen.map((s) => continued(s))), 15);
    const r = await runSync(ctx.store, ctx.remote);
    assertOk(r);
    assert.equal(r.sent, 15);
    assert.equal(r.skipped, 285);
    assert.ok(r.bytesSent < initial.bytesSent * 0.1, `delta sent ${r.bytesSent} B, initial ${initial.bytesSent} B`);
    assert.ok(r.bytesSent < r.bytesRaw / 5, 'appends send far less than the whole records');
    await assertVerified(ctx.store, ctx.remote);
    // A second round of changes to the same sessions extends them again.
    ctx.store.upsertMany(chosen.map((s) => continued(continued(s), NOW + 7_200_000)));
    assertOk(await runSync(ctx.store, ctx.remote));
    await assertVerified(ctx.store, ctx.remote);
  });

  test('pull into an empty store rebuilds it byte for byte, and it has nothing to send back', async () => {
    const other = await otherStore(ctx.remote);
    const pulled = await pullRemote(other.store, other.remote, () => archivedIdsIn(other.store.dir));
    assert.deepEqual(pulled, { remote: 300, archived: 0, added: 300, updated: 0, unchanged: 0,
      undecodable: { count: 0, ids: [], first: null } });
    assert.equal(await exportText(other.store), await exportText(ctx.store));
    assert.equal(other.store.pendingCount('sessions'), 0);
    const back = await runSync(other.store, other.remote);
    assertOk(back);
    assert.equal(back.sent, 0);
    // A change made on the second machine still travels as a delta after the pull.
    const one = other.store.get(SEEDED[3].id)!;
    other.store.upsert(continued(one, NOW + 9_000_000));
    const delta = await runSync(other.store, other.remote);
    assertOk(delta);
    assert.equal(delta.sent, 1);
    assert.ok(delta.bytesSent < initial.bytesSent / 100);
    await assertVerified(other.store, other.remote);
  });
});

describe('the preset dictionary', () => {
  test('a second machine syncing to the same remote compresses with the dictionary the remote holds', async () => {
    const first = await setup(SEEDED.slice(0, 100));
    assertOk(await runSync(first.store, first.remote));
    const mine = generateSessions({ count: 50, seed: 'second machine', now: NOW, idPrefix: 'laptop' });
    const second = await otherStore(first.remote);
    second.store.upsertMany(mine);
    assertOk(await runSync(second.store, second.remote));
    const key = `dictionary:${first.remote.displayUrl}`;
    assert.ok(first.store.getMeta(key), 'the first machine cached the dictionary it stored');
    assert.equal(second.store.getMeta(key), first.store.getMeta(key), 'the second machine uses the same one');
    const third = await otherStore(first.remote);
    const pulled = await pullRemote(third.store, third.remote, () => archivedIdsIn(third.store.dir));
    assert.equal(pulled.remote, 150, 'every frame of both machines decodes');
  });
});

describe('naive baseline', () => {
  test('sends every session every time, and verifies against its own table', async () => {
    const { store, remote } = await setup(SEEDED.slice(0, 120));
    const first = await runSync(store, remote, { strategy: 'naive' });
    assertOk(first);
    assert.equal(first.sent, 120);
    const second = await runSync(store, remote, { strategy: 'naive' });
    assertOk(second);
    assert.equal(second.sent, 120);
    assert.ok(second.bytesSent >= second.bytesRaw, 'whole JSON records, uncompressed');
    assert.equal(await remoteScalar(remote, 'SELECT count(*) FROM sessions_naive'), 120);
    await assertVerified(store, remote, 'naive');
  });
});

describe('sync state per remote', () => {
  test('switching to another database and back sends only what changed, to each of them', async () => {
    const { dir, store, remote: usual } = await setup(SEEDED.slice(0, 120));
    const other = new Remote({ url: `file:${path.join(dir, 'other.db')}` });
    opened.push({ store, remotes: [other] });
    assert.equal((await runSync(store, usual)).sent, 120);
    // A mistyped URL or "Use Local Database": everything goes there once...
    assert.equal((await runSync(store, other)).sent, 120);
    // ...and back at the usual remote nothing is re-sent.
    assert.equal(store.pendingCount('sessions'), 0);
    const back = await runSync(store, usual);
    assertOk(back);
    assert.equal(back.sent, 0, 'the usual remote already holds every session');
    store.upsert(continueSession(SEEDED[3], mutationRng('switch', '1'), NOW + 60_000));
    assert.equal((await runSync(store, usual)).sent, 1);
    const toOther = await runSync(store, other);
    assertOk(toOther);
    assert.equal(toOther.sent, 1, 'the other remote gets only the session that changed since it was last synced');
    await assertVerified(store, usual);
    await assertVerified(store, other);
  });

  test('what the next sync to a remote not in use would send is judged by what is kept of that remote', async () => {
    const { dir, store, remote: usual } = await setup(SEEDED.slice(0, 40));
    const other = new Remote({ url: `file:${path.join(dir, 'other.db')}` });
    opened.push({ store, remotes: [other] });
    assertOk(await runSync(store, usual));
    assertOk(await runSync(store, other)); // what the store knew of the usual remote is now kept aside
    store.upsert(continueSession(SEEDED[5], mutationRng('kept', '1'), NOW + 60_000));
    assert.equal(sessionsNextSyncSends(store, usual), 1, 'only the session changed since the usual remote got it');
    const never = new Remote({ url: `file:${path.join(dir, 'never.db')}` });
    opened.push({ store, remotes: [never] });
    assert.equal(sessionsNextSyncSends(store, never), 40, 'a remote never used gets every session');
  });
});

describe('replays and conflicts', () => {
  test('forgetting what was synced and syncing again duplicates nothing', async () => {
    const { store, remote } = await setup(SEEDED.slice(0, 150));
    assertOk(await runSync(store, remote));
    switchSyncState(store, undefined, 'no remote kept'); // drops the sync state: nothing was kept for that name
    assert.equal(store.pendingCount('sessions'), 150);
    const again = await runSync(store, remote);
    assertOk(again);
    assert.equal(store.pendingCount('sessions'), 0);
    assert.equal(await remoteScalar(remote, 'SELECT count(*) FROM sessions'), 150);
    await assertVerified(store, remote);
  });

  test('a batch replayed with the same batch id is recognised and changes nothing', async () => {
    const { dir, store, remote } = await setup(SEEDED.slice(0, 150));
    let planned: Checkpoint | undefined;
    const first = await runSync(store, remote, { batchSize: 50, concurrency: 1, onProgress: () => {
      // The checkpoint as planned, before any batch committed: what a run killed mid-request leaves.
      planned ??= JSON.parse(fs.readFileSync(checkpointPath(dir), 'utf8')) as Checkpoint;
    } });
    assertOk(first);
    assert.ok(planned);
    for (const b of planned.batches) b.completed = false;
    // The store lost its record of the upload too (it was killed before saving).
    switchSyncState(store, undefined, 'no remote kept');
    fs.writeFileSync(checkpointPath(dir), JSON.stringify(planned));
    const replay = await runSync(store, remote, { batchSize: 50, concurrency: 1 });
    assertOk(replay);
    assert.equal(replay.resumed, true);
    assert.equal(replay.sent, 0, 'nothing resent');
    assert.equal(replay.reconciled, 150);
    assert.equal(store.pendingCount('sessions'), 0);
    assert.equal(await remoteScalar(remote, 'SELECT count(*) FROM sessions'), 150);
    assert.equal(await remoteScalar(remote, 'SELECT count(*) FROM sync_batches'), 3);
    assert.equal(await remoteScalar(remote, 'SELECT sum(records) FROM sync_batches'), 150);
    assert.equal(fs.existsSync(checkpointPath(dir)), false);
    await assertVerified(store, remote);
    // The reconciled records still sync normally afterwards.
    store.upsert(continued(SEEDED[0]));
    const next = await runSync(store, remote);
    assertOk(next);
    assert.equal(next.sent, 1);
    await assertVerified(store, remote);
  });

  test('an older copy from another machine never overwrites the newer one on the remote', async () => {
    const base = SEEDED.slice(0, 3);
    const newer = continued(base[1]);
    const a = await setup([base[0], newer, base[2]]);
    assertOk(await runSync(a.store, a.remote));
    const b = await otherStore(a.remote);
    b.store.upsertMany(base);
    assertOk(await runSync(b.store, b.remote));
    const onRemote = new Map<string, Session>();
    for await (const r of readRemoteSessions(a.remote)) onRemote.set(r.session.id, r.session);
    assert.equal(sessionToJson(onRemote.get(newer.id)!), sessionToJson(newer));
    await assertVerified(a.store, a.remote);
  });
});

describe('checkpoints', () => {
  test('an interrupted sync resumes from its checkpoint and skips the batches that committed', async () => {
    const { dir, store, remote } = await setup(SEEDED.slice(0, 200));
    const abort = new AbortController();
    const cut = await runSync(store, remote, { batchSize: 40, concurrency: 1, signal: abort.signal,
      onProgress: (p) => { if (p.batchesDone >= 1) abort.abort(); } });
    assert.equal(cut.result, 'cancelled');
    assert.equal(cut.sent, 40);
    assert.ok(fs.existsSync(checkpointPath(dir)), 'the checkpoint is kept for the next run');
    assert.equal(store.pendingCount('sessions'), 160);
    const resumed = await runSync(store, remote, { batchSize: 40, concurrency: 1 });
    assertOk(resumed);
    assert.equal(resumed.resumed, true);
    assert.ok(resumed.skippedBatches >= 1, `skippedBatches ${resumed.skippedBatches}`);
    assert.equal(resumed.sent, 160);
    assert.equal(fs.existsSync(checkpointPath(dir)), false);
    assert.equal(await remoteScalar(remote, 'SELECT count(*) FROM sessions'), 200);
    await assertVerified(store, remote);
  });

  test('checkpoint saves asked for in a burst share writes, and the file ends with the last state', async () => {
    const dir = tempDir();
    const batches: CheckpointBatch[] = Array.from({ length: 100 }, (_, i) => ({ batchId: `b${i}`, recordIds: [`r${i}`],
      completed: false, error: null }));
    const writer = new CheckpointWriter(dir, { format: 'session-sync-checkpoint', version: 1, runId: 'run', remote: 'r',
      strategy: 'optimized', createdAt: 0, batches });
    // Counts the renames that land the file (writeFileAtomic's last step): one per write.
    const rename = fs.promises.rename;
    let writes = 0;
    fs.promises.rename = (async (from: fs.PathLike, to: fs.PathLike) => {
      if (String(to) === checkpointPath(dir)) writes++;
      return rename(from, to);
    }) as typeof rename;
    try {
      const saves: Promise<void>[] = [];
      for (const b of batches) {
        b.completed = true;
        saves.push(writer.save());
      }
      await Promise.all(saves);
    } finally {
      fs.promises.rename = rename;
    }
    assert.ok(writes <= 2, `${writes} writes for 100 saves`);
    const loaded = loadCheckpoint(dir, 'r', 'optimized').checkpoint!;
    assert.equal(loaded.batches.filter((b) => b.completed).length, 100);
    // Batches serialized before are reused only while unchanged: a later change still reaches the file.
    batches[7].completed = false;
    batches[7].error = 'HTTP 500';
    await writer.save();
    assert.deepEqual(JSON.parse(fs.readFileSync(checkpointPath(dir), 'utf8')), writer.checkpoint);
  });

  test('a corrupt checkpoint file is set aside and the run plans afresh', async () => {
    const { dir, store, remote } = await setup(SEEDED.slice(0, 60));
    fs.writeFileSync(checkpointPath(dir), '{"format":"session-sync-checkpoint","batches":[{"batchId":');
    const logs: string[] = [];
    const r = await runSync(store, remote, { log: (m) => logs.push(m) });
    assertOk(r);
    assert.equal(r.resumed, false);
    assert.equal(r.sent, 60);
    const aside = fs.readdirSync(dir).filter((n) => n.startsWith('sync-checkpoint.json.corrupt-'));
    assert.equal(aside.length, 1);
    assert.ok(logs.some((m) => m.includes(aside[0])), logs.join('\n'));
    await assertVerified(store, remote);
  });
});
