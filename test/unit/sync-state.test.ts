// What the status bar says, decided against a real sql.js store: right after a successful sync the open session's
// new changes read as being recorded, not as a backlog; after a failed or cancelled sync they stay pending.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SessionStore } from '../../src/core/store/session-store';
import { generateSessions } from '../../src/lab/generator';
import { SESSIONS_TABLE } from '../../src/core/remote/sessions-table';
import { formatWhen, splitPending, statusDetails, statusText, type SyncState } from '../../src/core/sync-state';

const NOW = new Date(2026, 10, 30, 14, 5, 0).getTime();
const dirs: string[] = [];
after(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

/** A store holding `count` sessions, all synced; returns it with the sessions' ids. */
async function syncedStore(count: number): Promise<{ store: SessionStore; ids: string[] }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sync-state-test-'));
  dirs.push(dir);
  const { store } = await SessionStore.open(dir);
  const sessions = generateSessions({ count, seed: 7, now: NOW });
  store.upsertMany(sessions);
  store.markSynced(SESSIONS_TABLE, store.pending(SESSIONS_TABLE), NOW);
  return { store, ids: sessions.map((s) => s.id) };
}

/** The recorder's path: the open session gains a note at `at`, after the sync marked it. */
function touch(store: SessionStore, id: string, at = NOW + 60_000): void {
  const s = store.get(id)!;
  assert.ok(store.record({ ...s, notes: [...s.notes, { at, text: 'one more change' }], updatedAt: at }));
}

const text = (s: Partial<SyncState>) => statusText({ kind: 'idle', pending: 0, recording: false, ...s }, NOW).text;
const okRun = { startedAt: NOW - 60_000, endedAt: NOW - 59_000, result: 'ok' as const };

test('after a successful sync the open session changing again is "recording", not "1 pending"', async () => {
  const { store, ids } = await syncedStore(3);
  touch(store, ids[2]);
  assert.equal(store.pendingCount(SESSIONS_TABLE), 1);
  const split = splitPending(store, ids[2], 'ok');
  assert.deepEqual(split, { pending: 0, recording: true });
  assert.equal(text({ ...split, lastRun: okRun }), '$(check) Synced 14:04 · recording');
  assert.ok(statusDetails({ kind: 'idle', ...split, lastRun: okRun }, NOW)
    .includes('The open session is being recorded; its latest changes go with the next sync.'));
});

test('a session that failed to sync, or whose sync was cancelled, stays pending even while it is open', async () => {
  const { store, ids } = await syncedStore(3);
  touch(store, ids[2]);
  for (const result of ['failed', 'cancelled'] as const) {
    const split = splitPending(store, ids[2], result);
    assert.deepEqual(split, { pending: 1, recording: false }, result);
    assert.equal(text({ ...split, lastRun: { ...okRun, result } }), '$(cloud-upload) 1 pending');
  }
  assert.equal(text({ kind: 'error', pending: 1 }), '$(error) Sync failed');
});

test('a closed session with unsynced changes is a backlog; the open one is counted apart from it', async () => {
  const { store, ids } = await syncedStore(3);
  touch(store, ids[0]);
  assert.deepEqual(splitPending(store, ids[2], 'ok'), { pending: 1, recording: false }, 'the open one is synced');
  touch(store, ids[2]);
  const split = splitPending(store, ids[2], 'ok');
  assert.deepEqual(split, { pending: 1, recording: true });
  assert.equal(text({ ...split, lastRun: okRun }), '$(cloud-upload) 1 pending');
  assert.equal(text({ ...split, kind: 'paused', lastRun: okRun }), '$(debug-pause) Sync paused (2 pending)',
    'nothing leaves while paused: the open session waits like the others');
  assert.deepEqual(splitPending(store, undefined, 'ok'), { pending: 2, recording: false }, 'no open session');
});

test('a change recorded while a sync ran, before it marked the session, counts as pending, never as hidden', async () => {
  const { store, ids } = await syncedStore(2);
  touch(store, ids[1], NOW - 1); // older than the mark at NOW, yet not what the sync sent
  assert.equal(store.pendingCount(SESSIONS_TABLE), 1);
  assert.deepEqual(splitPending(store, ids[1], 'ok'), { pending: 1, recording: false });
});

test('asking on every recorded change does not write the open session into the database', async () => {
  const { store, ids } = await syncedStore(2);
  touch(store, ids[1]);
  splitPending(store, ids[1], 'ok');
  assert.ok(store.recording.has(ids[1]), 'the open session stays in memory, where the store keeps it while recorded');
});

test('a first-hour user: nothing recorded, then recording before the first sync, then synced', () => {
  assert.equal(text({}), '$(check) Nothing to sync yet');
  assert.equal(text({ recording: true }), '$(record) Recording, not synced yet');
  assert.equal(text({ lastRun: okRun }), '$(check) Synced 14:04');
  assert.deepEqual(statusDetails({ kind: 'idle', pending: 0, recording: false }, NOW),
    ['Not synced yet', 'No other session is waiting to sync.']);
});

test('the last sync\'s time is a clock time today and a date before today', () => {
  assert.equal(formatWhen(new Date(2026, 10, 30, 9, 7).getTime(), NOW), '09:07');
  assert.equal(formatWhen(new Date(2026, 10, 28, 23, 59).getTime(), NOW), '2026-11-28');
});
