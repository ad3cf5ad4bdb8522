// pull and verify as a user meets them: a database nothing was synced to yet (said in one line, nothing created),
// and a remote row that does not decode (reported by id, the rest recovered). Real libSQL: file: and sqld.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type Cleanups, tempRemote, tempStore } from '../support/helpers';
import { embeddedRemoteUrl } from '../../src/core/remote/target';
import { runSync } from '../../src/core/sync/engine';
import { verifyPassed, verifyRemote } from '../../src/core/sync/verify';
import { archivedIdsIn } from '../../src/core/archive/archive';
import { pullRemote } from '../../src/core/sync/pull';
import { generateSessions } from '../../src/lab/generator';
import { startSqld } from '../support/sqld';

const NOW = Date.UTC(2025, 5, 1, 12);
const SEEDED = generateSessions({ count: 30, seed: 'remote-reads', now: NOW });
const cleanups: Cleanups = [];

after(async () => {
  for (const c of cleanups.reverse()) await c();
});

describe('a database nothing has been synced to', () => {
  test('verify and pull against a missing file: say so, count what the next sync sends, create no file', async () => {
    const store = await tempStore('remote-reads', SEEDED.slice(0, 12), cleanups);
    const file = path.join(store.dir, 'remote.db');
    const v = await verifyRemote(store, tempRemote(cleanups, embeddedRemoteUrl(store.dir)), () => archivedIdsIn(store.dir));
    assert.deepEqual(v.nothingSynced, { willSend: 12 });
    const p = await pullRemote(store, tempRemote(cleanups, embeddedRemoteUrl(store.dir)), () => archivedIdsIn(store.dir));
    assert.deepEqual(p.nothingSynced, { willSend: 12 });
    assert.equal(fs.existsSync(file), false, 'no remote file was created just to read it');
    assert.equal(store.count(), 12);
  });

  test('verify and pull against an empty server database: the same, with no error about tables', async () => {
    const s = await startSqld();
    cleanups.push(() => s.stop());
    const store = await tempStore('remote-reads', SEEDED.slice(0, 5), cleanups);
    const r = tempRemote(cleanups, s.httpUrl);
    assert.deepEqual((await verifyRemote(store, r, () => archivedIdsIn(store.dir))).nothingSynced, { willSend: 5 });
    assert.deepEqual((await pullRemote(store, r, () => archivedIdsIn(store.dir))).nothingSynced, { willSend: 5 });
    const t = await r.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'libsql%'");
    assert.equal(Number(t.rows[0][0]), 0, 'reading created nothing');
  });
});

describe('a remote row that does not decode', () => {
  test('verify and pull report its id, and every other session is compared and recovered', async () => {
    const store = await tempStore('remote-reads', SEEDED.slice(0, 30), cleanups);
    const r = tempRemote(cleanups, embeddedRemoteUrl(store.dir));
    assert.equal((await runSync(store, r)).result, 'ok');
    const victims = [SEEDED[4].id, SEEDED[17].id];
    for (const id of victims) await r.execute({ sql: "UPDATE sessions SET events = x'00112233' WHERE id = ?", args: [id] });

    const v = await verifyRemote(store, r, () => archivedIdsIn(store.dir));
    assert.equal(verifyPassed(v), false);
    assert.equal(v.undecodable.count, 2);
    assert.deepEqual([...v.undecodable.ids].sort(), [...victims].sort());
    assert.match(v.undecodable.first ?? '', /events/);
    assert.equal(v.missing + v.mismatched + v.extra, 0, 'the 28 others match, the bad ones are not also "missing"');
    assert.equal(v.remote, 30);

    const other = await tempStore('remote-reads', SEEDED.slice(0, 0), cleanups);
    const p = await pullRemote(other, tempRemote(cleanups, r.target.url), () => archivedIdsIn(other.dir));
    assert.equal(p.undecodable.count, 2);
    assert.equal(p.added, 28);
    assert.equal(other.count(), 28);
    for (const id of victims) assert.equal(other.get(id), undefined);
  });
});
