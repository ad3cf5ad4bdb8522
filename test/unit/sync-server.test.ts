// The sync engine against a real libSQL server (sqld) over HTTP: auth, an unreachable server, server errors and
// lost responses injected by a proxy in front of it. Each test gets its own server, so verify sees only its data.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SessionStore } from '../../src/core/store/session-store';
import { Remote } from '../../src/core/remote/connect';
import { runSync, type SyncReport } from '../../src/core/sync/engine';
import { verifyPassed, verifyRemote } from '../../src/core/sync/verify';
import { archivedIdsIn } from '../../src/core/archive/archive';
import type { RetryPolicy } from '../../src/core/sync/retry';
import { continueSession, generateSessions, mutationRng } from '../../src/lab/generator';
import { startShapedProxy } from '../../src/lab/shaped-proxy';
import { startSqld, type SqldServer } from '../support/sqld';
import { failEvery, seededRng, startFaultProxy, type FaultProxy } from '../support/fault-proxy';

const NOW = Date.UTC(2025, 5, 1, 12);
const SEEDED = generateSessions({ count: 200, seed: 'sync-server', now: NOW });
const FAST: RetryPolicy = { attempts: 2, baseDelayMs: 10, maxDelayMs: 20 };
const cleanups: (() => Promise<void> | void)[] = [];

after(async () => {
  for (const c of cleanups.reverse()) await c();
});

async function server(auth = false): Promise<SqldServer> {
  const s = await startSqld({ auth });
  cleanups.push(() => s.stop());
  return s;
}

async function proxyTo(s: SqldServer): Promise<FaultProxy> {
  const p = await startFaultProxy({ target: { host: '127.0.0.1', port: Number(new URL(s.httpUrl).port) } });
  cleanups.push(() => p.close());
  return p;
}

async function storeWith(count: number): Promise<SessionStore> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sync-server-test-'));
  const { store } = await SessionStore.open(dir);
  store.upsertMany(SEEDED.slice(0, count));
  cleanups.push(async () => {
    await store.close().catch(() => undefined);
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return store;
}

function remote(url: string, authToken?: string): Remote {
  const r = new Remote({ url, authToken });
  cleanups.push(() => r.close());
  return r;
}

function assertOk(r: SyncReport): void {
  assert.equal(r.result, 'ok', `sync failed: ${r.error}`);
}

/** Verifies straight against the server (not through a fault proxy): the data itself must be right. */
async function assertVerified(store: SessionStore, s: SqldServer): Promise<void> {
  const v = await verifyRemote(store, remote(s.httpUrl, s.token), () => archivedIdsIn(store.dir));
  assert.ok(verifyPassed(v), `verify: ${JSON.stringify(v)}`);
  assert.equal(v.remote, store.count());
}

async function scalar(s: SqldServer, sql: string): Promise<number> {
  const rs = await remote(s.httpUrl, s.token).execute(sql);
  return Number(rs.rows[0][0]);
}

describe('sync to sqld over HTTP', () => {
  test('initial sync sends everything, reports the server\'s row counters, and verifies', async () => {
    const s = await server();
    const store = await storeWith(150);
    const r = await runSync(store, remote(s.httpUrl));
    assertOk(r);
    assert.equal(r.sent, 150);
    assert.equal(typeof r.rowsWritten, 'number');
    assert.ok(r.rowsWritten! >= 150, `rowsWritten ${r.rowsWritten}`);
    assert.equal(typeof r.rowsRead, 'number');
    assert.ok(r.bytesSent > 0 && r.bytesSent < r.bytesRaw / 2, `${r.bytesSent} of ${r.bytesRaw} on the wire`);
    assert.ok(r.roundTrips >= 3 && r.roundTrips <= 6, `${r.roundTrips} round trips: schema, two batches, little else`);
    await assertVerified(store, s);
    const again = await runSync(store, remote(s.httpUrl));
    assertOk(again);
    assert.equal(again.sent, 0);
    assert.equal(again.roundTrips, 0);
  });

  test('a bad token fails at once with a message that says what to do, and marks nothing synced', async () => {
    const s = await server(true);
    const store = await storeWith(40);
    const bad = await runSync(store, remote(s.httpUrl, s.badToken), { retry: FAST });
    assert.equal(bad.result, 'failed');
    assert.match(bad.error ?? '', /token/);
    assert.match(bad.error ?? '', /Configure Remote/);
    assert.equal(bad.problem, 'auth');
    assert.equal(bad.sent, 0);
    assert.equal(store.pendingCount('sessions'), 40);
    const none = await runSync(store, remote(s.httpUrl), { retry: FAST });
    assert.equal(none.result, 'failed');
    assert.match(none.error ?? '', /token/);
    const good = await runSync(store, remote(s.httpUrl, s.token), { retry: FAST });
    assertOk(good);
    assert.equal(good.sent, 40);
    await assertVerified(store, s);
  });

  test('a server that is down fails after the retries with "Cannot reach", and marks nothing synced', async () => {
    const s = await server();
    const store = await storeWith(30);
    await s.stop();
    const r = await runSync(store, remote(s.httpUrl), { retry: FAST });
    assert.equal(r.result, 'failed');
    assert.match(r.error ?? '', /Cannot reach/);
    assert.equal(r.problem, 'network');
    assert.equal(r.sent, 0);
    assert.equal(store.pendingCount('sessions'), 30);
  });

  test('a connection reset on every request: the sync gives up after exactly the policy\'s attempts', async () => {
    const s = await server();
    const proxy = await proxyTo(s);
    proxy.setSchedule(() => 'reset-before');
    const store = await storeWith(10);
    const r = await runSync(store, remote(proxy.url), { retry: { attempts: 3, baseDelayMs: 1, maxDelayMs: 2 } });
    assert.equal(r.result, 'failed');
    assert.equal(r.problem, 'network');
    assert.equal(proxy.requests().length, 3, 'one request per attempt, and no more after the last');
    assert.equal(store.pendingCount('sessions'), 10);
  });

  test('20% of requests answered with HTTP 500: the sync completes and verifies', async () => {
    const s = await server();
    const proxy = await proxyTo(s);
    proxy.setSchedule(failEvery(0.2, seededRng(7)));
    const store = await storeWith(200);
    const r = await runSync(store, remote(proxy.url), { batchSize: 20,
      retry: { attempts: 8, baseDelayMs: 5, maxDelayMs: 20 } });
    assertOk(r);
    assert.equal(r.sent, 200);
    const injected = proxy.requests().filter((q) => q.status === 500).length;
    assert.ok(injected >= 1, 'the proxy did inject server errors');
    assert.equal(await scalar(s, 'SELECT count(*) FROM sessions'), 200);
    assert.equal(await scalar(s, 'SELECT sum(records) FROM sync_batches'), 200);
    await assertVerified(store, s);
  });

  test('a lost response to the first batch: the retry is recognised and nothing is duplicated', async () => {
    const s = await server();
    const proxy = await proxyTo(s);
    // The first request over 40 KB is the first batch (the schema is small, the dictionary 32 KB at most): the
    // server commits it, and its reply is lost.
    let hit: number | undefined;
    proxy.setSchedule((n, req) => {
      if (hit === undefined && req.method === 'POST' && Number(req.headers['content-length'] ?? 0) > 40_000) hit = n;
      return n === hit ? 'reset-after' : 'pass';
    });
    const store = await storeWith(200);
    const r = await runSync(store, remote(proxy.url), { batchSize: 50, concurrency: 1,
      retry: { attempts: 4, baseDelayMs: 5, maxDelayMs: 20 } });
    assertOk(r);
    assert.ok(hit !== undefined && proxy.requests()[hit].fault === 'reset-after', 'the fault was injected');
    assert.equal(r.sent + r.reconciled, 200);
    assert.equal(r.reconciled, 50, 'the committed batch was recognised, not resent');
    assert.equal(store.pendingCount('sessions'), 0);
    assert.equal(await scalar(s, 'SELECT count(*) FROM sessions'), 200);
    assert.equal(await scalar(s, 'SELECT count(*) FROM sync_batches'), 4);
    assert.equal(await scalar(s, 'SELECT sum(records) FROM sync_batches'), 200);
    await assertVerified(store, s);
  });

  test('an auto-sync of one grown session is one request of under 1,300 B, counted exactly by the meter', async () => {
    const s = await server();
    const proxy = await startShapedProxy({ target: { host: '127.0.0.1', port: Number(new URL(s.httpUrl).port) } });
    cleanups.push(() => proxy.close());
    const store = await storeWith(1);
    assertOk(await runSync(store, remote(proxy.url('http'))));
    let session = store.get(SEEDED[0].id)!;
    for (let i = 1; i <= 3; i++) {
      session = continueSession(session, mutationRng('auto', `${i}`), NOW + i * 60_000);
      store.upsertMany([session]);
      proxy.resetStats();
      // A fresh Remote per run, as the editor opens one for every sync.
      const r = await runSync(store, remote(proxy.url('http')));
      assertOk(r);
      assert.equal(r.sent, 1);
      assert.equal(r.roundTrips, 1, 'one request, no version probe');
      assert.equal(r.bytesSent, proxy.stats().bytesUp, 'the meter counts what the socket carried');
      assert.ok(r.bytesSent < 1300, `${r.bytesSent} B up for one grown session`);
    }
    await assertVerified(store, s);
  });

  test('naiveBytes of an optimized run is what naive really sends for the same records, within 1%', async () => {
    const s = await server();
    const proxy = await startShapedProxy({ target: { host: '127.0.0.1', port: Number(new URL(s.httpUrl).port) } });
    cleanups.push(() => proxy.close());
    const url = proxy.url('http');
    // Naive's own set-up (its schema check), measured alone on an empty store, is not part of "the same records".
    // Measured on the second run: the first also creates the tables, which the runs below find already there.
    const empty = await storeWith(0);
    assertOk(await runSync(empty, remote(url), { strategy: 'naive' }));
    proxy.resetStats();
    assertOk(await runSync(empty, remote(url), { strategy: 'naive' }));
    const naiveSetup = proxy.stats().bytesUp;
    for (const count of [1, 150]) {
      const store = await storeWith(count);
      proxy.resetStats();
      assertOk(await runSync(store, remote(url), { strategy: 'naive' }));
      const naive = proxy.stats().bytesUp - naiveSetup;
      const optimized = await runSync(store, remote(url));
      assertOk(optimized);
      const estimate = optimized.naiveBytes!;
      assert.ok(Math.abs(estimate - naive) / naive < 0.01, `${count} records: estimate ${estimate} B, naive sent ${naive} B`);
    }
  });
});

