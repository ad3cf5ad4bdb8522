// Values that cannot make the round trip to the remote unchanged are refused at every edge where sessions come in
// (import, the inbox, pull, the recorder), naming the field; and a sync never marks such a session synced.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MAX_TIME, parseSession, sessionToJson } from '../../src/core/model';
import { SessionBuilder } from '../../src/core/session-builder';
import { type Cleanups, tempStore } from '../support/helpers';
import { inboxDir, readInbox } from '../../src/core/store/inbox';
import { writeFileAtomic } from '../../src/core/store/atomic-file';
import { Remote } from '../../src/core/remote/connect';
import { embeddedRemoteUrl } from '../../src/core/remote/target';
import { runSync } from '../../src/core/sync/engine';
import { pullRemote } from '../../src/core/sync/pull';
import { verifyPassed, verifyRemote } from '../../src/core/sync/verify';
import { archivedIdsIn } from '../../src/core/archive/archive';
import { generateSessions } from '../../src/lab/generator';

const NOW = Date.UTC(2025, 5, 1, 12);
const [GOOD, ...MORE] = generateSessions({ count: 12, seed: 'input-validation', now: NOW });
const cleanups: Cleanups = [];

after(async () => {
  for (const c of cleanups.reverse()) await c();
});


/** A session as JSON with one change, as an import line or an inbox file would carry it. */
function variant(change: (s: Record<string, unknown>) => void): unknown {
  const s = JSON.parse(sessionToJson(GOOD)) as Record<string, unknown>;
  change(s);
  return s;
}

const firstEvent = (s: Record<string, unknown>) => (s.events as Record<string, unknown>[])[0];

/** Each value the audit sent through import, and the field the error must name. */
const BAD_VALUES: [string, (s: Record<string, unknown>) => void, RegExp][] = [
  ['NUL in the id', (s) => { s.id = 'same-prefix\u0000a'; }, /"id" contains a NUL character/],
  ['NUL in a file name', (s) => { (s.files as string[])[0] = 'a\u0000b.ts'; }, /"files"\[0\] contains a NUL/],
  ['lone surrogate in the workspace', (s) => { s.workspace = 'ws\uD800'; }, /"workspace" contains a lone UTF-16 surrogate/],
  ['lone surrogate in a note', (s) => { s.notes = [{ at: s.startedAt, text: 'x\uDC00y' }]; }, /note 0: "text" contains a lone/],
  ['event time gap past 2^53', (s) => { firstEvent(s).t = -(2 ** 52); }, /event 0: "t" must be a time/],
  ['end before start', (s) => { s.endedAt = (s.startedAt as number) - 1; }, /"endedAt" must not be before "startedAt"/],
  ['negative count in an event', (s) => { firstEvent(s).added = -5; }, /event 0: "added" must be a non-negative/],
  ['negative language count', (s) => { s.languages = { ts: -1 }; }, /"languages"\."ts" must be a non-negative/],
  ['date past 9999', (s) => { s.updatedAt = MAX_TIME + 1; }, /"updatedAt" must be a time in ms from 1970 to the end of year 9999/],
  ['__proto__ language key', (s) => { s.languages = JSON.parse('{"__proto__": 3}'); }, /"languages" cannot have the key "__proto__"/],
];

describe('parseSession refuses what the remote cannot store identically', () => {
  for (const [what, change, field] of BAD_VALUES) {
    test(what, () => {
      assert.throws(() => parseSession(variant(change)), field);
    });
  }
  test('a good session still passes, and the last millisecond of 9999 is a valid time', () => {
    assert.doesNotThrow(() => parseSession(variant((s) => { s.updatedAt = MAX_TIME; })));
  });
});

describe('the inbox', () => {
  test('a file with a NUL in it is set aside as .bad with its field named; good files are taken', async () => {
    const store = await tempStore('input-validation', [], cleanups);
    const dir = inboxDir(store.dir);
    fs.mkdirSync(dir, { recursive: true });
    await writeFileAtomic(path.join(dir, '1-bad.json'), JSON.stringify(variant((s) => { s.workspace = 'a\u0000b'; })));
    await writeFileAtomic(path.join(dir, '2-good.json'), sessionToJson(GOOD));
    const batch = await readInbox(store.dir);
    assert.deepEqual(batch.sessions.map((s) => s.id), [GOOD.id]);
    assert.equal(batch.rejected.length, 1);
    assert.match(batch.rejected[0], /^1-bad\.json: "workspace" contains a NUL character/);
    assert.ok(fs.existsSync(path.join(dir, '1-bad.json.bad')));
  });
});

describe('the recorder', () => {
  test('editor text with a NUL or a lone surrogate is kept as U+FFFD, and a __proto__ language is dropped', () => {
    const b = new SessionBuilder({ workspace: 'ws\u0000', branch: () => 'main\uD800', newId: () => 's1' });
    b.record({ kind: 'terminal', detail: 'bash\u0000x' }, NOW);
    b.record({ kind: 'edit', file: 'a\uDC00.ts', added: 3, language: '__proto__' }, NOW + 1000);
    const s = b.addNote('note \uD83D', NOW + 2000)!;
    const round = parseSession(JSON.parse(JSON.stringify(s)));
    assert.equal(round.workspace, 'ws\uFFFD');
    assert.equal(round.branch, 'main\uFFFD');
    assert.equal(round.events[0].detail, 'bash\uFFFDx');
    assert.deepEqual(round.files, ['a\uFFFD.ts']);
    assert.equal(round.notes[0].text, 'note \uFFFD');
    assert.deepEqual(Object.keys(round.languages), []);
  });
});

describe('sync and pull', () => {
  test('sync refuses a stored session the remote could not store identically, and leaves it pending', async () => {
    const store = await tempStore('input-validation', MORE, cleanups);
    // A record kept from before these checks existed: two ids that a NUL would cut to the same prefix.
    store.upsert({ ...GOOD, id: 'dup\u0000one' });
    store.upsert({ ...GOOD, id: 'dup\u0000two' });
    const remote = new Remote({ url: embeddedRemoteUrl(store.dir) });
    cleanups.push(() => remote.close());
    const report = await runSync(store, remote);
    assert.equal(report.result, 'failed');
    assert.match(report.error ?? '', /^2 sessions were not sent: the remote could not store them as they are \(dup\u0000one, dup\u0000two; "id" contains a NUL/);
    assert.equal(report.sent, MORE.length, 'the others were sent');
    assert.equal(store.pendingCount('sessions'), 2, 'the refused ones stay pending, not marked synced');
  });

  test('pull reports a remote row that fails the checks (end before start) and recovers the rest', async () => {
    const store = await tempStore('input-validation', MORE, cleanups);
    const remote = new Remote({ url: embeddedRemoteUrl(store.dir) });
    cleanups.push(() => remote.close());
    assert.equal((await runSync(store, remote)).result, 'ok');
    await remote.execute({ sql: 'UPDATE sessions SET ended_at = started_at - 1 WHERE id = ?', args: [MORE[2].id] });
    const other = await tempStore('input-validation', [], cleanups);
    const p = await pullRemote(other, remote, () => archivedIdsIn(other.dir));
    assert.equal(p.undecodable.count, 1);
    assert.deepEqual(p.undecodable.ids, [MORE[2].id]);
    assert.match(p.undecodable.first ?? '', /"endedAt" must not be before "startedAt"/);
    assert.equal(other.count(), MORE.length - 1);
    assert.equal(verifyPassed(await verifyRemote(store, remote, () => archivedIdsIn(store.dir))), false);
  });
});
