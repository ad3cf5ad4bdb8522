// Remote over Hrana v3 protobuf (HranaHttp) against a real sqld: the transaction, value and error behaviour the
// sync engine relies on must match @libsql/client's, while BLOBs cross the wire as raw bytes.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { LibsqlBatchError, LibsqlError } from '@libsql/client';
import { Remote } from '../../src/core/remote/connect';
import { HranaHttp, httpBaseUrl, protobufServerCounters } from '../../src/core/remote/hrana-http';
import { classifyRemoteError } from '../../src/core/remote/errors';
import { startShapedProxy, type ShapedProxy } from '../../src/lab/shaped-proxy';
import { startSqld, type SqldServer } from '../support/sqld';
import { startFaultProxy } from '../support/fault-proxy';
import { errorOf } from '../support/helpers';

const portOf = (url: string): number => Number(new URL(url).port);
const cleanups: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

function remote(url: string, authToken?: string): Remote {
  const r = new Remote({ url, authToken });
  cleanups.push(() => r.close());
  return r;
}

async function count(r: Remote, table: string): Promise<number> {
  return Number((await r.execute(`SELECT count(*) FROM ${table}`)).rows[0][0]);
}

describe('HranaHttp against sqld', () => {
  let server: SqldServer;
  let proxy: ShapedProxy;
  let db: Remote;
  before(async () => {
    server = await startSqld();
    proxy = await startShapedProxy({ target: { host: '127.0.0.1', port: portOf(server.httpUrl) } });
    cleanups.push(() => server.stop(), () => proxy.close());
    db = remote(proxy.url('http'));
    await db.batch(['CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT UNIQUE)', 'CREATE TABLE b (id INTEGER PRIMARY KEY, data BLOB)']);
  });

  test('a failing second statement rolls back the first: nothing is left of the batch', async () => {
    const err = await errorOf(db.batch([
      { sql: 'INSERT INTO t (id, v) VALUES (?, ?)', args: [1, 'first'] },
      { sql: 'INSERT INTO t (id, v) VALUES (?, ?)', args: [1, 'duplicate id'] },
    ], 'write'));
    assert.ok(err instanceof LibsqlBatchError, `expected LibsqlBatchError, got ${err.constructor.name}`);
    assert.equal(err.statementIndex, 1);
    assert.match(err.message, /UNIQUE constraint failed: t\.id/);
    assert.equal(await count(db, 't'), 0);
  });

  test('rowsAffected, rows and columns read like @libsql/client results', async () => {
    const [ins, upd, sel] = await db.batch([
      { sql: 'INSERT INTO t (id, v) VALUES (?, ?), (?, ?), (?, ?)', args: [10, 'a', 11, 'b', 12, 'c'] },
      { sql: 'UPDATE t SET v = v || ? WHERE id >= ?', args: ['!', 11] },
      'SELECT id, v FROM t WHERE id >= 10 ORDER BY id',
    ], 'write');
    assert.equal(ins.rowsAffected, 3);
    assert.equal(ins.lastInsertRowid, 12n);
    assert.equal(upd.rowsAffected, 2);
    assert.deepEqual(sel.columns, ['id', 'v']);
    assert.deepEqual(sel.rows.map((r) => [r[0], r[1]]), [[10, 'a'], [11, 'b!'], [12, 'c!']]);
    assert.equal(typeof sel.rows[0][0], 'number', "intMode 'number'");
    assert.equal(sel.rows[2].v, 'c!');
  });

  test('BLOBs round-trip byte for byte (zeros included) and come back as ArrayBuffer', async () => {
    const blobs = [new Uint8Array([0, 0, 1, 0, 255, 0]), new Uint8Array(randomBytes(70_000)), new Uint8Array(0)];
    await db.batch(blobs.map((data, i) => ({ sql: 'INSERT INTO b (id, data) VALUES (?, ?)', args: [i + 1, data] })), 'write');
    const rs = await db.execute('SELECT data FROM b ORDER BY id');
    assert.equal(rs.rows.length, 3);
    rs.rows.forEach((row, i) => {
      assert.ok(row[0] instanceof ArrayBuffer, `row ${i} is ${Object.prototype.toString.call(row[0])}`);
      assert.deepEqual(new Uint8Array(row[0]), blobs[i]);
    });
  });

  test('a 100 KB blob costs its size plus under 2% on the socket, and the meter agrees with the socket', async () => {
    const up0 = proxy.stats().bytesUp;
    const sent0 = db.meter.bytesSent;
    await db.batch([{ sql: 'INSERT INTO b (id, data) VALUES (?, ?)', args: [100, new Uint8Array(randomBytes(100_000))] }], 'write');
    const socket = proxy.stats().bytesUp - up0;
    const metered = db.meter.bytesSent - sent0;
    assert.ok(socket < 102_000, `${socket} bytes up for 100,000 bytes of BLOB (base64 JSON would be ~134 KB)`);
    assert.ok(Math.abs(metered - socket) / socket < 0.01, `meter ${metered} vs socket ${socket}`);
  });

  test('the meter counts the server’s rows written and read, and one round trip per call', async () => {
    const before = { ...db.meter };
    await db.batch([{ sql: 'INSERT INTO t (id, v) VALUES (?, ?), (?, ?)', args: [20, 'x', 21, 'y'] }], 'write');
    assert.equal(db.meter.roundTrips - before.roundTrips, 1);
    assert.ok(db.meter.rowsWritten - before.rowsWritten >= 2, `rowsWritten ${db.meter.rowsWritten - before.rowsWritten}`);
    await db.execute('SELECT * FROM t');
    assert.ok(db.meter.rowsRead > before.rowsRead, 'rowsRead grew after a SELECT');
  });

  test('a SQL constraint error keeps SQLite’s message and classifies as a constraint', async () => {
    await db.batch([{ sql: 'INSERT INTO t (id, v) VALUES (?, ?)', args: [30, 'taken'] }], 'write');
    const err = await errorOf(db.batch([{ sql: 'INSERT INTO t (id, v) VALUES (?, ?)', args: [31, 'taken'] }], 'write'));
    assert.match(err.message, /UNIQUE constraint failed: t\.v/);
    assert.equal(classifyRemoteError(err, 'x').problem, 'constraint');
  });

  test('libsql:// with ?tls=0 reaches the same server over plain HTTP; ws:// stays on @libsql/client', async () => {
    const viaLibsql = remote(`libsql://127.0.0.1:${portOf(server.httpUrl)}?tls=0`);
    assert.ok(await count(viaLibsql, 't') > 0);
    const viaWs = remote(server.wsUrl);
    assert.equal(await count(viaWs, 't'), await count(viaLibsql, 't'));
  });
});

describe('HranaHttp errors', () => {
  test('a bad token is HTTP 401, classified as auth', async () => {
    const s = await startSqld({ auth: true });
    cleanups.push(() => s.stop());
    const good = remote(s.httpUrl, s.token);
    await good.batch(['CREATE TABLE t (x)'], 'write');
    const err = await errorOf(remote(s.httpUrl, s.badToken).batch(['INSERT INTO t VALUES (1)'], 'write'));
    assert.match(err.message, /HTTP status 401/);
    assert.equal(classifyRemoteError(err, s.httpUrl).problem, 'auth');
    assert.equal(await count(good, 't'), 0);
  });

  test('a locked database (SQLITE_BUSY) is a retryable "busy" problem that says what happened', () => {
    // As sqld answered a 100,000-session bench run whose parallel batches outwaited its lock timeout. Built by hand:
    // sqld ends a blocking transaction after its own timeout, so a real one cannot be held long enough on cue.
    const err = new LibsqlError('SQLite error: database is locked', 'SQLITE_BUSY', undefined, undefined,
      Object.assign(new Error('SQLite error: database is locked'), { name: 'ResponseError' }));
    const c = classifyRemoteError(err, 'http://127.0.0.1:8080');
    assert.equal(c.problem, 'busy');
    assert.equal(c.retryable, true);
    assert.match(c.message, /busy with other writes/);
  });

  test('a server that is down is a network error (ECONNREFUSED)', async () => {
    const s = await startSqld();
    cleanups.push(() => s.stop());
    const port = portOf(s.httpUrl);
    await s.stop();
    const r = remote(`http://127.0.0.1:${port}`);
    const err = await errorOf(r.execute('SELECT 1'));
    const c = classifyRemoteError(err, 'x');
    assert.equal(c.problem, 'network');
    assert.match(c.message, /ECONNREFUSED/);
  });

  test('one request per call: no version probe first; an HTTP 500 is a retryable server error', async () => {
    const s = await startSqld();
    cleanups.push(() => s.stop());
    const proxy = await startFaultProxy({ target: { host: '127.0.0.1', port: portOf(s.httpUrl) },
      schedule: (n) => (n === 0 ? { status: 500 } : 'pass') });
    cleanups.push(() => proxy.close());
    const r = remote(proxy.url);
    const err = await errorOf(r.execute('SELECT 1'));
    assert.match(err.message, /HTTP status 500/);
    assert.equal(classifyRemoteError(err, 'x').problem, 'server');
    assert.equal(Number((await r.execute('SELECT 41 + 1')).rows[0][0]), 42);
    const paths = proxy.requests().map((q) => `${q.method} ${q.path}`);
    assert.deepEqual(paths, ['POST /v3-protobuf/pipeline', 'POST /v3-protobuf/pipeline']);
  });

  test('a server without the v3 endpoint (404) is probed for real and the call made again', async () => {
    const s = await startSqld();
    cleanups.push(() => s.stop());
    // Answers as a server without v3 would, until the real probe has been made; then passes through.
    let probed = false;
    const proxy = await startFaultProxy({ target: { host: '127.0.0.1', port: portOf(s.httpUrl) },
      schedule: (_n, req) => {
        if (req.method === 'GET') probed = true;
        return !probed && req.url?.startsWith('/v3-protobuf/pipeline') ? { status: 404 } : 'pass';
      } });
    cleanups.push(() => proxy.close());
    const r = remote(proxy.url);
    assert.equal(Number((await r.execute('SELECT 6 * 7')).rows[0][0]), 42);
    const paths = proxy.requests().map((q) => `${q.method} ${q.path}`);
    assert.deepEqual(paths, ['POST /v3-protobuf/pipeline', 'GET /v3-protobuf', 'POST /v3-protobuf/pipeline']);
  });

  test('HTTP 429 passes Retry-After on to the classifier', async () => {
    const s = await startSqld();
    cleanups.push(() => s.stop());
    const proxy = await startFaultProxy({ target: { host: '127.0.0.1', port: portOf(s.httpUrl) },
      schedule: (_n, req) => (req.method === 'POST' ? { status: 429, retryAfterSec: 7 } : 'pass') });
    cleanups.push(() => proxy.close());
    const c = classifyRemoteError(await errorOf(remote(proxy.url).batch(['SELECT 1'], 'write')), 'x');
    assert.equal(c.problem, 'rate-limited');
    assert.equal(c.retryAfterSec, 7);
  });
});

describe('HranaHttp pure parts', () => {
  test('URL schemes map as @libsql/client maps them', () => {
    assert.equal(httpBaseUrl('libsql://db-org.turso.io'), 'https://db-org.turso.io');
    assert.equal(httpBaseUrl('libsql://127.0.0.1:8080?tls=0'), 'http://127.0.0.1:8080');
    assert.equal(httpBaseUrl('https://h.example/db'), 'https://h.example/db');
    assert.throws(() => new HranaHttp('ws://h', undefined, fetch), /URL_SCHEME_NOT_SUPPORTED|supports/);
  });

  test('the protobuf scanner sums rows_read (6) and rows_written (7) of execute and batch results', () => {
    const varint = (n: number): number[] => {
      const out: number[] = [];
      for (; n >= 0x80; n = Math.floor(n / 128)) out.push((n % 128) | 0x80);
      return [...out, n];
    };
    const msg = (field: number, body: number[]): number[] => [...varint(field * 8 + 2), ...varint(body.length), ...body];
    const num = (field: number, n: number): number[] => [...varint(field * 8), ...varint(n)];
    const stmtResult = (read: number, written: number): number[] => [...num(3, 1), ...num(6, read), ...num(7, written)];
    const execute = msg(3, msg(1, msg(2, msg(1, stmtResult(5, 300)))));
    const step = (i: number, r: number[]): number[] => msg(1, [...num(1, i), ...msg(2, r)]);
    const batch = msg(3, msg(1, msg(3, msg(1, [...step(0, stmtResult(1, 2)), ...step(1, stmtResult(2 ** 33, 4))]))));
    const counters = protobufServerCounters(new Uint8Array([...execute, ...batch, ...msg(1, [97])]));
    assert.deepEqual(counters, { rowsRead: 5 + 1 + 2 ** 33, rowsWritten: 306 });
    assert.deepEqual(protobufServerCounters(new Uint8Array([0x1a, 0x7f])), { rowsRead: 0, rowsWritten: 0 });
  });
});
