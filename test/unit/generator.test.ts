import { test } from 'node:test';
import assert from 'node:assert/strict';
import { continueSession, generateSessions, iterateSessions, languageOf, mutateSessions } from '../../src/lab/generator';
import { EVENT_KINDS, parseSession, sessionToJson, type Session } from '../../src/core/model';
import { Rng } from '../../src/lab/rng';
import { iterateWildSessions } from '../../src/lab/generator-wild';

const NOW = Date.UTC(2025, 5, 1, 12);
const DAY = 86_400_000;

/** Everything a consumer of generated data relies on: valid JSON shape, consistent counters, sane times. */
function checkSession(s: Session, now: number): void {
  const json = sessionToJson(s);
  assert.equal(sessionToJson(parseSession(JSON.parse(json))), json, `${s.id} round-trips through parseSession`);
  assert.ok(s.startedAt < s.endedAt && s.endedAt <= now, `${s.id}: startedAt < endedAt <= now`);
  assert.ok(s.activeMs <= s.endedAt - s.startedAt, `${s.id}: activeMs fits in the session`);
  assert.ok(s.updatedAt >= s.endedAt, `${s.id}: updatedAt >= endedAt`);
  let last = s.startedAt;
  let edits = 0, added = 0, removed = 0;
  const langs: Record<string, number> = {};
  for (const e of s.events) {
    assert.ok(e.t >= last && e.t <= s.endedAt, `${s.id}: events in time order inside the session`);
    last = e.t;
    if (e.kind !== 'edit') continue;
    edits++;
    added += e.added ?? 0;
    removed += e.removed ?? 0;
    const lang = languageOf(s.files[e.file ?? -1]);
    langs[lang] = (langs[lang] ?? 0) + 1;
  }
  assert.deepEqual([s.edits, s.charsAdded, s.charsRemoved], [edits, added, removed], `${s.id}: counters match events`);
  assert.deepEqual({ ...s.languages }, langs, `${s.id}: languages count edit events`);
  for (const n of s.notes) assert.ok(n.at >= s.startedAt && n.at <= s.endedAt, `${s.id}: note inside the session`);
  assert.equal(new Set(s.files).size, s.files.length, `${s.id}: files are unique`);
  for (const f of s.files) assert.ok(!f.startsWith('/') && f.length > 0, `${s.id}: relative paths only`);
}

const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.floor(q * (xs.length - 1))];

test('the same seed gives byte-identical sessions; another seed gives different ones', () => {
  const a = generateSessions({ count: 50, seed: 'demo', now: NOW }).map(sessionToJson);
  const b = generateSessions({ count: 50, seed: 'demo', now: NOW }).map(sessionToJson);
  const c = generateSessions({ count: 50, seed: 'other', now: NOW }).map(sessionToJson);
  assert.deepEqual(a, b);
  assert.ok(a.every((json, i) => json !== c[i]));
});

test('a session does not depend on how many were generated', () => {
  const few = generateSessions({ count: 3, seed: 9, now: NOW }).map(sessionToJson);
  const many = generateSessions({ count: 40, seed: 9, now: NOW }).map(sessionToJson);
  assert.deepEqual(many.slice(0, 3), few);
});

test('ids are deterministic, unique and use the prefix', () => {
  const ids = generateSessions({ count: 20, seed: 5, now: NOW, idPrefix: 'bench' }).map((s) => s.id);
  assert.equal(ids[7], 'bench-5-000007');
  assert.equal(new Set(ids).size, 20);
});

test('generated sessions are valid, consistent and inside the requested window', () => {
  const sessions = generateSessions({ count: 300, seed: 3, days: 10, now: NOW });
  for (const s of sessions) {
    checkSession(s, NOW);
    assert.equal(s.updatedAt, s.endedAt);
    assert.ok(s.startedAt >= NOW - 10 * DAY || s.endedAt - s.startedAt > 10 * DAY, `${s.id} starts in the window`);
    assert.ok(s.branch === null || /^(main|(feature|fix|refactor|chore)\/[\w-]+)$/.test(s.branch), `${s.branch}`);
  }
  const kinds = new Set(sessions.flatMap((s) => s.events.map((e) => e.kind)));
  assert.deepEqual([...kinds].sort(), [...EVENT_KINDS].sort(), 'every event kind occurs');
  const workspaces = new Set(sessions.map((s) => s.workspace));
  assert.ok(workspaces.size >= 3 && workspaces.size <= 8, `a small pool of workspaces (${workspaces.size})`);
});

test('files recur within a session and across sessions of the same workspace', () => {
  const sessions = generateSessions({ count: 200, seed: 11, now: NOW });
  const fileEvents = sessions.reduce((n, s) => n + s.events.filter((e) => e.file !== undefined).length, 0);
  const files = sessions.reduce((n, s) => n + s.files.length, 0);
  assert.ok(fileEvents / files > 10, `each file is used many times in a session (${fileEvents / files})`);
  const byWorkspace = new Map<string, Session[]>();
  for (const s of sessions) byWorkspace.set(s.workspace, [...(byWorkspace.get(s.workspace) ?? []), s]);
  const [, biggest] = [...byWorkspace].sort((a, b) => b[1].length - a[1].length)[0];
  const seen = new Map<string, number>();
  for (const s of biggest) for (const f of s.files) seen.set(f, (seen.get(f) ?? 0) + 1);
  const top = Math.max(...seen.values());
  assert.ok(top / biggest.length > 0.3, `the hottest file is in ${top} of ${biggest.length} sessions`);
});

test('sizes look like real recordings: median of several KB and a heavy tail', () => {
  const sizes: number[] = [];
  const events: number[] = [];
  for (const s of iterateSessions({ count: 1000, seed: 1, now: NOW })) {
    sizes.push(Buffer.byteLength(sessionToJson(s)));
    events.push(s.events.length);
  }
  const median = quantile(sizes, 0.5);
  assert.ok(median >= 5_000 && median <= 15_000, `median ${median} bytes`);
  assert.ok(quantile(sizes, 0.99) > 5 * median, 'heavy tail');
  const medianEvents = quantile(events, 0.5);
  assert.ok(medianEvents >= 150 && medianEvents <= 300, `median ${medianEvents} events`);
  assert.ok(Math.max(...events) >= 1500, 'some very long sessions');
});

test('notes read like English and sometimes carry code and markup characters', () => {
  const notes = generateSessions({ count: 300, seed: 2, now: NOW }).flatMap((s) => s.notes.map((n) => n.text));
  assert.ok(notes.length > 50);
  assert.ok(notes.some((t) => /[<&"]/.test(t)), 'markup characters');
  assert.ok(notes.some((t) => t.includes('```')), 'code snippets');
  assert.ok(notes.some((t) => t.length > 400) && notes.some((t) => t.length < 120), 'short and long notes');
  assert.ok(notes.every((t) => !/\{\w+\}/.test(t)), 'no unfilled template slots');
});

test('continueSession appends only, to a new object, and bumps updatedAt', () => {
  const now = NOW + DAY;
  for (const s of generateSessions({ count: 30, seed: 4, now: NOW })) {
    const before = sessionToJson(s);
    const c = continueSession(s, Rng.from(`c/${s.id}`), now);
    assert.equal(sessionToJson(s), before, 'input untouched');
    checkSession(c, now);
    assert.equal(c.id, s.id);
    assert.deepEqual(c.events.slice(0, s.events.length), s.events, 'old events unchanged');
    assert.deepEqual(c.files.slice(0, s.files.length), s.files, 'files are append-only');
    assert.deepEqual(c.notes.slice(0, s.notes.length), s.notes);
    const added = c.events.slice(s.events.length);
    assert.ok(added.length >= 5 && added.length <= 200, `${added.length} new events`);
    assert.ok(added.every((e) => e.t > s.endedAt), 'new events after the old end');
    assert.ok(c.updatedAt > s.updatedAt && c.updatedAt === now && c.endedAt > s.endedAt);
    assert.ok(c.activeMs >= s.activeMs && c.edits >= s.edits);
  }
});

test('continueSession squeezes into a short gap before now', () => {
  const [s] = generateSessions({ count: 1, seed: 4, now: NOW });
  const c = continueSession(s, Rng.from('tight'), s.endedAt + 5_000);
  checkSession(c, s.endedAt + 5_000);
  assert.ok(c.events.length > s.events.length);
});

test('mutateSessions continues a deterministic fraction of the sessions', () => {
  const sessions = generateSessions({ count: 400, seed: 6, now: NOW });
  const changed = mutateSessions(sessions, 0.1, 'm1', NOW + DAY);
  assert.equal(changed.length, 40);
  const again = mutateSessions([...sessions].reverse(), 0.1, 'm1', NOW + DAY);
  assert.deepEqual(again.map((s) => s.id).sort(), changed.map((s) => s.id).sort(), 'choice ignores input order');
  const other = mutateSessions(sessions, 0.1, 'm2', NOW + DAY).map((s) => s.id);
  assert.notDeepEqual(other.sort(), changed.map((s) => s.id).sort());
  const byId = new Map(sessions.map((s) => [s.id, s]));
  for (const c of changed) {
    assert.ok(c.events.length > byId.get(c.id)!.events.length);
    assert.ok(c.updatedAt > byId.get(c.id)!.updatedAt);
  }
  assert.equal(mutateSessions(sessions, 0, 'm1', NOW).length, 0);
  assert.equal(mutateSessions(sessions, 1, 'm1', NOW + DAY).length, 400);
});

test('Rng: seeded, child streams independent of consumption, bounds inclusive', () => {
  const a = Rng.from('x');
  const b = Rng.from('x');
  const seq = (r: Rng) => Array.from({ length: 20 }, () => r.int(0, 1000));
  assert.deepEqual(seq(a), seq(b));
  assert.deepEqual(seq(Rng.from('x').child('k')), seq(a.child('k')), 'child ignores how much the parent was used');
  assert.notDeepEqual(seq(Rng.from('x').child('k')), seq(Rng.from('x').child('j')));
  const r = Rng.from(1);
  const seen = new Set<number>();
  for (let i = 0; i < 500; i++) seen.add(r.int(1, 3));
  assert.deepEqual([...seen].sort(), [1, 2, 3]);
  let heavy = 0;
  for (let i = 0; i < 2000; i++) if (r.weighted([['a', 9], ['b', 1]]) === 'a') heavy++;
  assert.ok(heavy > 1700 && heavy < 1900, `weighted pick ${heavy}/2000`);
  assert.throws(() => r.pick([]));
});

test('the wild corpus is valid and differs on purpose: tails, depth, sizes, notes and machines', () => {
  const sessions = [...iterateWildSessions({ count: 400, seed: 'w', now: NOW })];
  for (const s of sessions) checkSession(s, NOW);
  assert.deepEqual([...iterateWildSessions({ count: 3, seed: 'w', now: NOW })].map(sessionToJson),
    sessions.slice(0, 3).map(sessionToJson), 'deterministic, and independent of the count');
  const events = sessions.map((s) => s.events.length);
  assert.ok(Math.min(...events) <= 5 && Math.max(...events) >= 2000, `events from a few to thousands: ${Math.min(...events)}..${Math.max(...events)}`);
  const depths = sessions.flatMap((s) => s.files.map((f) => f.split('/').length));
  assert.ok(Math.max(...depths) >= 10 && quantile(depths, 0.5) >= 5, 'deep paths');
  const gaps = sessions.flatMap((s) => s.events.slice(1).map((e, i) => e.t - s.events[i].t));
  assert.ok(quantile(gaps, 0.99) / Math.max(1, quantile(gaps, 0.5)) > 50, 'heavy-tailed gaps');
  const edits = sessions.flatMap((s) => s.events.filter((e) => e.kind === 'edit').map((e) => e.added ?? 0)).filter((n) => n > 0);
  assert.ok(Math.min(...edits) < 10 && Math.max(...edits) > 100_000, 'edit sizes of every magnitude');
  const noteChars = sessions.map((s) => s.notes.reduce((n, x) => n + x.text.length, 0));
  assert.ok(noteChars.filter((n) => n === 0).length > sessions.length / 2 && Math.max(...noteChars) > 5000,
    'most sessions have no notes, some have long ones');
  const idStyles = new Set(sessions.map((s) => (/^[0-9a-f]{8}-/.test(s.id) ? 'uuid' : /^01[0-9A-Z]+$/.test(s.id) ? 'sortable' : 'host')));
  assert.equal(idStyles.size, 3, 'ids from several machines');
  assert.equal(new Set(sessions.map((s) => s.id)).size, sessions.length, 'unique ids');
});
