// The remote's schema as a fact checked on every run, not a cache: a newer release's remote is never written or
// read by an older one, another program's database is refused before anything is written, a remote that cannot
// keep data is refused, and the schema moves forward by numbered steps. Real libSQL: the file: remote and sqld.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Remote } from '../../src/core/remote/connect';
import { embeddedRemoteUrl, resolveRemoteTarget, RemoteUrlError } from '../../src/core/remote/target';
import { REMOTE_MIGRATIONS, REMOTE_SCHEMA_VERSION, ensureRemoteSchema } from '../../src/core/remote/schema';
import { SESSIONS_COLUMNS, SESSIONS_TABLE } from '../../src/core/remote/sessions-table';
import { runSync } from '../../src/core/sync/engine';
import { verifyRemote } from '../../src/core/sync/verify';
import { archivedIdsIn } from '../../src/core/archive/archive';
import { pullRemote } from '../../src/core/sync/pull';
import { continueSession, generateSessions, mutationRng } from '../../src/lab/generator';
import { startSqld } from '../support/sqld';
import { type Cleanups, errorOf, tempRemote, tempStore } from '../support/helpers';

const NOW = Date.UTC(2025, 5, 1, 12);
const SEEDED = generateSessions({ count: 40, seed: 'remote-schema', now: NOW });
const cleanups: Cleanups = [];

after(async () => {
  for (const c of cleanups.reverse()) await c();
});

async function tables(r: Remote): Promise<string[]> {
  const rs = await r.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name");
  return rs.rows.map((row) => String(row[0]));
}

const bumpVersion = (r: Remote, v: number) => r.execute({
  sql: "UPDATE session_sync_meta SET value = ? WHERE key = 'schema_version'", args: [String(v)] });

describe('the remote sessions table', () => {
  test('a remote built by the numbered steps has exactly the columns the writer and the reader use, in their order', async () => {
    const store = await tempStore('sessions-table', [], cleanups);
    const r = tempRemote(cleanups, embeddedRemoteUrl(store.dir));
    await ensureRemoteSchema(r);
    const rs = await r.execute(`SELECT name FROM pragma_table_info('${SESSIONS_TABLE}') ORDER BY cid`);
    assert.deepEqual(rs.rows.map((row) => String(row[0])), [...SESSIONS_COLUMNS]);
  });
});

describe('the remote schema version', () => {
  test('a remote moved on by a newer release after the first sync is not written, and the check costs no round trip', async () => {
    const s = await startSqld();
    cleanups.push(() => s.stop());
    const store = await tempStore('remote-schema', SEEDED.slice(0, 20), cleanups);
    const r = tempRemote(cleanups, s.httpUrl);
    assert.equal((await runSync(store, r)).result, 'ok');
    // A steady-state sync is one request: the version check rides in it.
    store.upsert(continueSession(SEEDED[3], mutationRng('a', SEEDED[3].id), NOW + 60_000));
    const steady = await runSync(store, r);
    assert.equal(steady.result, 'ok');
    assert.equal(steady.roundTrips, 1);

    await bumpVersion(r, REMOTE_SCHEMA_VERSION + 1);
    const changed = continueSession(SEEDED[5], mutationRng('b', SEEDED[5].id), NOW + 120_000);
    store.upsert(changed);
    const refused = await runSync(store, r);
    assert.equal(refused.result, 'failed');
    assert.match(refused.error ?? '', /newer Session Sync \(schema 3; this one knows 2\)\. Update Session Sync/);
    const onRemote = await r.execute({ sql: 'SELECT updated_at FROM sessions WHERE id = ?', args: [changed.id] });
    assert.notEqual(Number(onRemote.rows[0][0]), changed.updatedAt, 'the newer remote was not written');
    assert.equal(store.pendingCount('sessions'), 1, 'the session stays pending');
  });

  test('pull and verify refuse a remote with a newer schema', async () => {
    const store = await tempStore('remote-schema', SEEDED.slice(0, 10), cleanups);
    const r = tempRemote(cleanups, embeddedRemoteUrl(store.dir));
    assert.equal((await runSync(store, r)).result, 'ok');
    await bumpVersion(r, REMOTE_SCHEMA_VERSION + 1);
    assert.match((await errorOf(verifyRemote(store, r, () => archivedIdsIn(store.dir)))).message, /newer Session Sync/);
    const other = await tempStore('remote-schema', SEEDED.slice(0, 0), cleanups);
    assert.match((await errorOf(pullRemote(other, r, () => archivedIdsIn(other.dir)))).message, /newer Session Sync/);
    assert.equal(other.count(), 0);
  });

  test('a remote wiped after a sync (a new database at the same URL) gets its tables back from the next sync, and every session from the one after', async () => {
    const store = await tempStore('remote-schema', SEEDED.slice(0, 10), cleanups);
    const r = tempRemote(cleanups, embeddedRemoteUrl(store.dir));
    assert.equal((await runSync(store, r)).result, 'ok');
    for (const t of await tables(r)) await r.execute(`DROP TABLE ${t}`);
    // The store still knows the remote's schema, so the next sync goes straight to its batch, which meets no table.
    const changed = continueSession(SEEDED[2], mutationRng('wiped', SEEDED[2].id), NOW + 60_000);
    store.upsert(changed);
    const report = await runSync(store, r);
    assert.equal(report.result, 'ok', report.error ?? '');
    const onRemote = await r.execute({ sql: 'SELECT updated_at FROM sessions WHERE id = ?', args: [changed.id] });
    assert.equal(Number(onRemote.rows[0]?.[0]), changed.updatedAt);
    const v = await r.execute("SELECT value FROM session_sync_meta WHERE key = 'schema_version'");
    assert.equal(Number(v.rows[0][0]), REMOTE_SCHEMA_VERSION);
    // The other nine were lost with the tables: the store now counts them as pending, and the next sync sends them.
    assert.equal(store.pendingCount('sessions'), 9, 'what the wiped remote lost is pending again');
    const next = await runSync(store, r);
    assert.equal(next.result, 'ok', next.error ?? '');
    assert.equal(next.sent, 9);
    const held = await r.execute('SELECT id, content_hash FROM sessions ORDER BY id');
    assert.deepEqual(held.rows.map((row) => [String(row[0]), String(row[1])]),
      [...store.ids()].sort().map((id) => [id, store.contentHash(id)]), 'the remote holds every session again, as it is');
  });

  test('a remote at version 1 is moved forward by the numbered steps, then synced', async () => {
    const store = await tempStore('remote-schema', SEEDED.slice(0, 10), cleanups);
    const r = tempRemote(cleanups, embeddedRemoteUrl(store.dir));
    await r.batch([...REMOTE_MIGRATIONS[0], "INSERT INTO session_sync_meta VALUES ('schema_version', '1')"]);
    assert.equal((await tables(r)).includes('session_sync_dictionaries'), false);
    assert.equal((await runSync(store, r)).result, 'ok');
    assert.ok((await tables(r)).includes('session_sync_dictionaries'));
    const v = await r.execute("SELECT value FROM session_sync_meta WHERE key = 'schema_version'");
    assert.equal(Number(v.rows[0][0]), REMOTE_MIGRATIONS.length);
  });
});

describe('a remote Session Sync must not write', () => {
  test('a database with tables of its own is refused before anything is written', async () => {
    const store = await tempStore('remote-schema', SEEDED.slice(0, 10), cleanups);
    const r = tempRemote(cleanups, embeddedRemoteUrl(store.dir));
    await r.execute('CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)');
    const report = await runSync(store, r);
    assert.equal(report.result, 'failed');
    assert.match(report.error ?? '', /holds tables that are not Session Sync's \(invoices\); nothing was written/);
    assert.deepEqual(await tables(r), ['invoices']);
    assert.match((await errorOf(ensureRemoteSchema(r))).message, /invoices/);
    assert.deepEqual(await tables(r), ['invoices']);
  });

  test('file: URLs that keep nothing (no path, :memory:, mode=memory) are refused with one line', () => {
    for (const url of ['file:', 'file::memory:', 'file:?mode=memory', 'file:///tmp/x.db?mode=memory']) {
      assert.throws(() => resolveRemoteTarget('/tmp', url, undefined), (err: Error) => err instanceof RemoteUrlError &&
        /(names no database file|is an in-memory database): sessions synced there would be lost/.test(err.message) &&
        !err.message.includes('\n'), url);
    }
    assert.doesNotThrow(() => resolveRemoteTarget('/tmp', 'file:/tmp/kept.db', undefined));
  });
});
