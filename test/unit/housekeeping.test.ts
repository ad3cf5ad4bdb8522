// Files and rows that would otherwise pile up forever: temporary files a killed process left beside the
// checkpoint and in the inbox, and the sync history (kept for a year, at most RUN_HISTORY_MAX runs).
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SessionStore } from '../../src/core/store/session-store';
import { Remote } from '../../src/core/remote/connect';
import { embeddedRemoteUrl } from '../../src/core/remote/target';
import { runSync } from '../../src/core/sync/engine';
import { countRuns, listRuns, recordRun, RUN_HISTORY_MAX, type SyncRun } from '../../src/core/store/run-history';
import { inboxDir, postToInbox, readInbox } from '../../src/core/store/inbox';
import { generateSessions } from '../../src/lab/generator';

const SESSIONS = generateSessions({ count: 10, seed: 'housekeeping' });
const DAY = 86_400_000;
const cleanups: (() => Promise<void> | void)[] = [];

after(async () => {
  for (const c of cleanups.reverse()) await c();
});

async function store(): Promise<SessionStore> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'housekeeping-test-'));
  const { store: s } = await SessionStore.open(dir);
  cleanups.push(async () => {
    await s.close().catch(() => undefined);
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return s;
}

const run = (startedAt: number): SyncRun => ({ startedAt, endedAt: startedAt + 10, strategy: 'optimized', remote: 'r',
  result: 'ok', sent: 0, skipped: 0, batches: 0, bytesRaw: 0, bytesSent: 0, roundTrips: 0, rowsWritten: null,
  rowsRead: null, resumed: false, phases: {}, error: null, naiveBytes: null, setupBytes: 0 });

describe('leftover temporary files', () => {
  test("a sync removes the checkpoint's temporary files a killed run left", async () => {
    const s = await store();
    s.upsertMany(SESSIONS);
    const leftover = path.join(s.dir, '.sync-checkpoint.json.4242.0badcafe.tmp');
    fs.writeFileSync(leftover, '{"half":');
    const remote = new Remote({ url: embeddedRemoteUrl(s.dir) });
    cleanups.push(() => remote.close());
    assert.equal((await runSync(s, remote)).result, 'ok');
    assert.equal(fs.existsSync(leftover), false);
  });

  test('reading the inbox removes abandoned temporary files, but not one a live window may be writing', async () => {
    const s = await store();
    await postToInbox(s.dir, SESSIONS[0]);
    const dir = inboxDir(s.dir);
    const old = path.join(dir, '.1-aa.json.4242.0badcafe.tmp');
    const fresh = path.join(dir, '.2-bb.json.4243.0badcafe.tmp');
    fs.writeFileSync(old, '{');
    fs.writeFileSync(fresh, '{');
    const hourAgo = new Date(Date.now() - 3_600_000);
    fs.utimesSync(old, hourAgo, hourAgo);
    const batch = await readInbox(s.dir);
    assert.equal(batch.sessions.length, 1);
    assert.equal(fs.existsSync(old), false);
    assert.equal(fs.existsSync(fresh), true);
  });
});

describe('sync_runs', () => {
  test('keeps a year of runs: older ones go when a run is recorded', async () => {
    const s = await store();
    const now = Date.now();
    for (const age of [500, 400, 366, 364, 10]) recordRun(s, run(now - age * DAY));
    assert.equal(countRuns(s), 3, 'recording the 10-day-old run dropped those more than a year older than it');
    recordRun(s, run(now));
    assert.deepEqual(listRuns(s).map((r) => Math.round((now - r.startedAt) / DAY)), [0, 10, 364]);
  });

  test(`keeps at most ${RUN_HISTORY_MAX} runs`, async () => {
    const s = await store();
    const now = Date.now();
    s.transaction(() => { for (let i = 0; i < RUN_HISTORY_MAX + 50; i++) recordRun(s, run(now - 1000 + i)); });
    assert.equal(countRuns(s), RUN_HISTORY_MAX);
    assert.equal(listRuns(s, 1)[0].startedAt, now - 1000 + RUN_HISTORY_MAX + 49, 'the newest are kept');
  });
});
