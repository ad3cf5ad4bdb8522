// The journaled store against a real sql.js and real files: a change appends a small record instead of rewriting
// the database, opening replays it, a torn or foreign journal never stops the store from opening, compaction
// folds the journal in exactly once, and a former owner's late write is never replayed.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SessionStore, STORE_FILE } from '../../src/core/store/session-store';
import { JOURNAL_FILE, HEADER_BYTES, frameRecord, scanJournal } from '../../src/core/store/journal';
import { applyPatch, diffSession } from '../../src/core/store/session-patch';
import { SessionBuilder } from '../../src/core/session-builder';
import { continueSession, generateSessions, mutationRng } from '../../src/lab/generator';
import { parseSession, sessionToJson, type Session } from '../../src/core/model';
import { recordRun, listRuns, type SyncRun } from '../../src/core/store/run-history';

const NOW = Date.UTC(2025, 5, 1, 12);
const dirs: string[] = [];
after(() => { for (const d of dirs) fs.rmSync(d, { recursive: true, force: true }); });

function tempDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'journal-test-'));
  dirs.push(d);
  return d;
}

const journalPath = (dir: string) => path.join(dir, JOURNAL_FILE);
const sizeOf = (file: string) => fs.statSync(file).size;

/** A builder whose open session already holds `events` events, at a fixed clock. */
function builderWith(events: number): { builder: SessionBuilder; at: () => number } {
  let t = NOW;
  const builder = new SessionBuilder({ workspace: 'ws', branch: () => 'main', newId: () => 'open-1', idleTimeoutMs: 3600_000 });
  for (let i = 0; builder.current()?.events.length !== events; i++) {
    t += 3000;
    builder.apply(i % 3 ? { kind: 'edit', file: `src/f${i % 40}.ts`, language: 'typescript', added: 5, removed: 1 }
      : { kind: 'save', file: `src/f${i % 40}.ts` }, t);
  }
  return { builder, at: () => (t += 3000) };
}

/**
 * A store whose journal holds `kept` committed as one record, then `last` as the final record; returns the dir, the
 * journal's size before that final record, and its bytes (to damage the final record with).
 */
async function journalEndingWith(kept: Session[], last: Session): Promise<{ dir: string; good: number; bytes: Buffer }> {
  const dir = tempDir();
  const { store } = await SessionStore.open(dir);
  store.upsertMany(kept);
  await store.flush();
  const good = sizeOf(journalPath(dir));
  store.upsert(last);
  await store.flush();
  store.abandon();
  return { dir, good, bytes: fs.readFileSync(journalPath(dir)) };
}

/** A sync_runs row as a sync of `sent` sessions would write it. */
function aRun(sent: number): SyncRun {
  return { startedAt: NOW, endedAt: NOW + 5, strategy: 'optimized', remote: 'file:x', result: 'ok', sent, skipped: 0,
    batches: 1, bytesRaw: 100, naiveBytes: 300, setupBytes: 0, bytesSent: 20, roundTrips: 1, rowsWritten: null,
    rowsRead: null, resumed: false,
    phases: {}, error: null };
}

async function exportAll(store: SessionStore): Promise<string[]> {
  return [...store.iterateJson()].map(([, json]) => json);
}

describe('journaled store', () => {
  test('a snapshot of a long open session appends a small record; the database file is not rewritten', async () => {
    const dir = tempDir();
    const { store } = await SessionStore.open(dir);
    const { builder, at } = builderWith(2000);
    store.record(builder.current()!);
    await store.flush();
    const snapshotBytes = fs.readFileSync(path.join(dir, STORE_FILE));
    const before = sizeOf(journalPath(dir));
    const snapshotWrites = store.io.snapshotBytes;
    for (let i = 0; i < 50; i++) {
      builder.apply({ kind: 'edit', file: `src/new${i}.ts`, language: 'typescript', added: 3, removed: 0 }, at());
      assert.equal(store.record(builder.current()!), true);
      await store.flush();
    }
    const perSnapshot = (sizeOf(journalPath(dir)) - before) / 50;
    assert.ok(perSnapshot < 1024, `a snapshot that adds one event journals ${perSnapshot} bytes`);
    assert.deepEqual(fs.readFileSync(path.join(dir, STORE_FILE)), snapshotBytes, 'sessions.sqlite untouched');
    assert.equal(store.io.snapshotBytes, snapshotWrites, 'no compaction ran');
    await store.close();
    const { store: reopened, journal } = await SessionStore.open(dir);
    assert.equal(journal.problems.length, 0);
    assert.equal(sessionToJson(reopened.get('open-1')!), sessionToJson(builder.current()!));
    await reopened.close();
  });

  test('reopening replays sessions, sync marks, runs and meta exactly as they were', async () => {
    const dir = tempDir();
    const list = generateSessions({ count: 30, seed: 'replay', now: NOW });
    const { store } = await SessionStore.open(dir);
    store.upsertMany(list);
    store.markSynced('sessions', store.pending('sessions').slice(0, 10), NOW);
    for (const s of list.slice(0, 5)) store.record(continueSession(s, mutationRng('m', s.id), NOW + 60_000));
    recordRun(store, aRun(10));
    store.setMeta('k', 'v');
    const expected = { sessions: await exportAll(store), pending: store.pending('sessions'), runs: listRuns(store, 10) };
    await store.flush();
    store.abandon(); // as a crash would: no compaction, no close
    const { store: reopened } = await SessionStore.open(dir);
    assert.deepEqual(await exportAll(reopened), expected.sessions);
    assert.deepEqual(reopened.pending('sessions'), expected.pending);
    assert.equal(reopened.pendingCount('sessions'), expected.pending.length);
    assert.deepEqual(listRuns(reopened, 10), expected.runs);
    assert.equal(reopened.getMeta('k'), 'v');
    await reopened.close();
  });

  test('a torn tail is cut at the last good record and reported; everything before it is kept', async () => {
    const list = generateSessions({ count: 3, seed: 'torn', now: NOW });
    const { dir, good, bytes: full } = await journalEndingWith(list.slice(0, 2), list[2]);
    fs.writeFileSync(journalPath(dir), full.subarray(0, good + Math.floor((full.length - good) / 2)));

    const { store: ro, journal: roReport } = await SessionStore.open(dir, { readOnly: true });
    assert.ok(roReport.cutBytes > 0);
    assert.equal(ro.count(), 2);
    await ro.close();
    assert.equal(sizeOf(journalPath(dir)), good + Math.floor((full.length - good) / 2), 'read-only leaves the file alone');

    const { store: reopened, journal } = await SessionStore.open(dir);
    assert.equal(reopened.count(), 2);
    assert.ok(reopened.get(list[0].id) && reopened.get(list[1].id));
    assert.match(journal.problems.join('\n'), /unfinished write/);
    assert.equal(sizeOf(journalPath(dir)), good, 'the torn tail is cut');
    reopened.upsert(list[2]);
    await reopened.close();
    const { store: third, journal: clean } = await SessionStore.open(dir);
    assert.equal(third.count(), 3);
    assert.deepEqual(clean.problems, []);
    await third.close();
  });

  test('a record that fails its checksum ends the journal there, it is not applied', async () => {
    const list = generateSessions({ count: 2, seed: 'crc', now: NOW });
    const { dir, good, bytes } = await journalEndingWith(list.slice(0, 1), list[1]);
    bytes[bytes.length - 3] ^= 0xff;
    fs.writeFileSync(journalPath(dir), bytes);
    const { store: reopened, journal } = await SessionStore.open(dir);
    assert.equal(reopened.count(), 1);
    assert.equal(journal.cutBytes, bytes.length - good);
    await reopened.close();
  });

  test('a journal that is not ours is kept aside and reported; the store opens from its snapshot', async () => {
    const dir = tempDir();
    const [s] = generateSessions({ count: 1, seed: 'foreign', now: NOW });
    const { store } = await SessionStore.open(dir);
    store.upsert(s);
    await store.compact();
    await store.close();
    fs.writeFileSync(journalPath(dir), 'PK\u0003\u0004 not a journal at all');
    await assert.rejects(SessionStore.open(dir, { readOnly: true }), /journal .* cannot be read/);
    const { store: reopened, journal } = await SessionStore.open(dir);
    assert.equal(reopened.count(), 1);
    assert.ok(journal.keptAs && fs.existsSync(journal.keptAs));
    assert.match(journal.problems[0], /kept as/);
    await reopened.close();
  });

  test('compaction folds the journal into the snapshot once: a journal left by a crash after it is not replayed again', async () => {
    const dir = tempDir();
    const list = generateSessions({ count: 5, seed: 'compact', now: NOW });
    const { store } = await SessionStore.open(dir);
    store.upsertMany(list);
    recordRun(store, aRun(5));
    await store.flush();
    const oldJournal = fs.readFileSync(journalPath(dir));
    await store.compact();
    assert.equal(sizeOf(journalPath(dir)), HEADER_BYTES, 'a fresh, empty journal');
    assert.equal(scanJournal(fs.readFileSync(journalPath(dir))).seq, scanJournal(oldJournal).seq + 1);
    store.abandon();
    // The crash: the new snapshot is in place but the old journal was never replaced.
    fs.writeFileSync(journalPath(dir), oldJournal);
    const { store: reopened } = await SessionStore.open(dir);
    assert.equal(reopened.count(), 5);
    assert.equal(listRuns(reopened, 10).length, 1, 'the run row was not inserted twice');
    assert.ok(!fs.existsSync(journalPath(dir)) || scanJournal(fs.readFileSync(journalPath(dir))).seq > scanJournal(oldJournal).seq);
    await reopened.close();
  });

  test('a bulk change larger than the snapshot is written as a new snapshot, not journaled first', async () => {
    const dir = tempDir();
    const { store } = await SessionStore.open(dir);
    const before = { ...store.io };
    store.upsertMany(generateSessions({ count: 2500, seed: 'bulk', now: NOW }));
    await store.flush();
    assert.equal(store.io.journalBytes, before.journalBytes, 'nothing went to the journal');
    assert.equal(store.io.compactions, before.compactions + 1);
    assert.equal(sizeOf(journalPath(dir)), HEADER_BYTES);
    store.abandon();
    const { store: reopened } = await SessionStore.open(dir, { readOnly: true });
    assert.equal(reopened.count(), 2500);
    await reopened.close();
  });

  test('records written by an owner older than one already in the journal are skipped on replay', async () => {
    const dir = tempDir();
    const [a, b] = generateSessions({ count: 2, seed: 'gen', now: NOW });
    const first = await SessionStore.open(dir, { generation: 5 });
    first.store.upsert(a);
    await first.store.flush();
    first.store.abandon();
    const second = await SessionStore.open(dir, { generation: 6 });
    second.store.upsert(b);
    await second.store.flush();
    second.store.abandon();
    // The stalled owner (generation 5) wakes and appends after generation 6 took over.
    const late = continueSession(a, mutationRng('late', a.id), NOW + 120_000);
    const record = Buffer.from(JSON.stringify({ g: 5, ops: [{ o: 'q', s: 'DELETE FROM sessions WHERE id = ?', p: [b.id] }] }));
    fs.appendFileSync(journalPath(dir), frameRecord(record));
    const { store, journal } = await SessionStore.open(dir);
    assert.ok(store.get(b.id), 'the late write of the former owner was not applied');
    assert.equal(journal.skipped, 1);
    assert.notEqual(sessionToJson(store.get(a.id)!), sessionToJson(late));
    await store.close();
  });

  test('a store written before the journal existed opens, keeps its sessions and journals from then on', async () => {
    const dir = tempDir();
    const list = generateSessions({ count: 4, seed: 'legacy', now: NOW });
    const { store } = await SessionStore.open(dir);
    store.upsertMany(list);
    await store.compact();
    store.abandon();
    fs.rmSync(journalPath(dir)); // what the previous release left: sessions.sqlite alone, no journal_seq
    const { store: reopened } = await SessionStore.open(dir);
    assert.equal(reopened.count(), 4);
    reopened.upsert(continueSession(list[0], mutationRng('x', list[0].id), NOW + 60_000));
    await reopened.close();
    const { store: third } = await SessionStore.open(dir);
    assert.equal(third.get(list[0].id)!.updatedAt, NOW + 60_000);
    await third.close();
  });

  test('pendingCount follows records, syncs and new changes without a query over the store', async () => {
    const dir = tempDir();
    const list = generateSessions({ count: 8, seed: 'pending', now: NOW });
    const { store } = await SessionStore.open(dir);
    store.upsertMany(list);
    assert.equal(store.pendingCount('sessions'), 8);
    store.markSynced('sessions', store.pending('sessions'), NOW);
    assert.equal(store.pendingCount('sessions'), 0);
    const { builder, at } = builderWith(20);
    store.record(builder.current()!);
    assert.equal(store.pendingCount('sessions'), 1);
    const planned = store.pending('sessions');
    builder.apply({ kind: 'save', file: 'src/x.ts' }, at());
    store.record(builder.current()!); // changed again while its sync ran
    store.markSynced('sessions', planned, NOW);
    assert.equal(store.pendingCount('sessions'), 1, 'the newer content is still pending');
    store.markSynced('sessions', store.pending('sessions'), NOW);
    assert.equal(store.pendingCount('sessions'), 0);
    await store.close();
  });
});

describe('session patches', () => {
  test('diff then apply gives back the newer session, for every kind of change the generator makes', () => {
    for (const s of generateSessions({ count: 40, seed: 'patch', now: NOW })) {
      const next = continueSession(s, mutationRng('p', s.id), NOW + 60_000);
      const patch = diffSession(s, next);
      assert.equal(sessionToJson(applyPatch(s, patch)), sessionToJson(next), s.id);
      assert.ok(JSON.stringify(patch).length < sessionToJson(next).length);
    }
  });

  test('a list that shrank or changed in the middle is replaced from the first difference', () => {
    const [s] = generateSessions({ count: 1, seed: 'shrink', now: NOW });
    const next: Session = { ...s, events: s.events.slice(0, 2), notes: [{ at: 1, text: 'new' }, ...s.notes], updatedAt: s.updatedAt + 1 };
    assert.equal(sessionToJson(applyPatch(s, diffSession(s, next))), sessionToJson(next));
    assert.deepEqual(parseSession(JSON.parse(sessionToJson(next))).events.length, 2);
  });

  test('a patch for another version is refused rather than applied', () => {
    const [s] = generateSessions({ count: 1, seed: 'mismatch', now: NOW });
    const next = continueSession(s, mutationRng('p', s.id), NOW + 60_000);
    assert.throws(() => applyPatch({ ...s, updatedAt: s.updatedAt - 1 }, diffSession(s, next)), /expects version/);
  });
});
