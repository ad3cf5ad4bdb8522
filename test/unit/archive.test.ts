// Archiving against a real sql.js store, a real archive file and a real libSQL `file:` remote: what moves,
// what is skipped and why, that the sync and the cloud stay right across archive and restore, that SIGKILL
// at random moments never leaves a session in two places or none, and the CLI commands end to end.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SessionStore } from '../../src/core/store/session-store';
import { Remote } from '../../src/core/remote/connect';
import { embeddedRemoteUrl } from '../../src/core/remote/target';
import { runSync } from '../../src/core/sync/engine';
import { verifyPassed, verifyRemote } from '../../src/core/sync/verify';
import { generateSessions } from '../../src/lab/generator';
import type { Session } from '../../src/core/model';
import { Rng } from '../../src/lab/rng';
import { exportText } from '../support/helpers';
import {
  archiveSessions, archivedCountIn, archivedIdsIn, DAY_MS, deleteArchivedFromRemote, openArchiveFor, planArchive, restoreSessions,
} from '../../src/core/archive/archive';
import { ArchiveStore } from '../../src/core/archive/archive-store';

const NOW = Date.UTC(2025, 5, 1, 12);
const SESSIONS = generateSessions({ count: 500, days: 365, seed: 1, now: NOW });
const OLD = new Set(SESSIONS.filter((s) => s.updatedAt < NOW - 90 * DAY_MS).map((s) => s.id));
const ROOT = path.resolve(__dirname, '../..');
const dirs: string[] = [];
const children = new Set<ChildProcess>();
const cleanups: (() => Promise<void> | void)[] = [];

function tempDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'archive-test-'));
  dirs.push(d);
  return d;
}

after(async () => {
  for (const c of children) c.kill('SIGKILL');
  for (const f of cleanups) await f();
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

interface Setup { dir: string; store: SessionStore; remote: Remote; archive: ArchiveStore }

/** A store holding `sessions`, synced to its embedded remote, with its archive open. */
async function syncedStore(sessions: Session[] = SESSIONS): Promise<Setup> {
  const dir = tempDir();
  const { store } = await SessionStore.open(dir);
  store.upsertMany(sessions);
  const remote = new Remote({ url: embeddedRemoteUrl(dir) });
  const first = await runSync(store, remote);
  assert.equal(first.result, 'ok', String(first.error));
  assert.equal(first.sent, sessions.length);
  const archive = await openArchiveFor(store);
  cleanups.push(async () => { remote.close(); archive.close(); await store.close().catch(() => undefined); });
  return { dir, store, remote, archive };
}

const ids = (rows: { id: string }[]) => new Set(rows.map((r) => r.id));
const archivedIds = (a: ArchiveStore) => new Set(a.rows('SELECT id FROM archived_sessions').map((r) => String(r[0])));

async function syncSends(store: SessionStore, remote: Remote): Promise<number> {
  const r = await runSync(store, remote);
  assert.equal(r.result, 'ok', String(r.error));
  return r.sent;
}

async function assertVerified(store: SessionStore, remote: Remote): Promise<void> {
  const v = await verifyRemote(store, remote, () => archivedIdsIn(store.dir));
  assert.ok(verifyPassed(v), `verify: ${JSON.stringify(v)}`);
}

describe('archive and restore', () => {
  test('moves exactly the sessions not updated for 90 days, out of the sync, and back byte for byte', async () => {
    const { store, remote, archive } = await syncedStore();
    const exported = await exportText(store);
    await store.compact();
    const sizeBefore = fs.statSync(store.file).size;

    const plan = planArchive(store, { olderThanDays: 90, now: NOW });
    assert.deepEqual(ids(plan.candidates), OLD);
    assert.equal(plan.skipped.length, 0);
    assert.equal(plan.summary.oldestUpdatedAt, Math.min(...SESSIONS.filter((s) => OLD.has(s.id)).map((s) => s.updatedAt)));
    assert.ok(plan.summary.newestUpdatedAt! < NOW - 90 * DAY_MS);
    assert.ok(plan.summary.bytes > 0);

    const r = await archiveSessions(store, archive, plan);
    assert.equal(r.moved, OLD.size);
    assert.equal(store.count(), SESSIONS.length - OLD.size);
    assert.deepEqual(archivedIds(archive), OLD);
    assert.ok(store.ids().every((id) => !OLD.has(id)));
    assert.equal(await syncSends(store, remote), 0, 'archived sessions are not synced, the rest is up to date');
    const sizeAfter = fs.statSync(store.file).size;
    assert.ok(sizeAfter < sizeBefore * 0.5, `live file ${sizeBefore} -> ${sizeAfter} bytes`);
    assert.equal(await archivedCountIn(store.dir), OLD.size);

    const back = await restoreSessions(store, archive);
    assert.deepEqual(back, { restored: OLD.size, alreadyLive: 0, archived: 0 });
    assert.equal(await exportText(store), exported);
    assert.equal(await syncSends(store, remote), 0, 'restored sessions rejoin as synced: the remote kept them');
    await assertVerified(store, remote);
  });

  test('restore of a date range brings back only sessions last updated within it', async () => {
    const { store, archive } = await syncedStore();
    await archiveSessions(store, archive, planArchive(store, { olderThanDays: 90, now: NOW }));
    const since = Date.UTC(2024, 9, 1);
    const until = Date.UTC(2024, 10, 1) - 1;
    const inRange = SESSIONS.filter((s) => OLD.has(s.id) && s.updatedAt >= since && s.updatedAt <= until);
    assert.ok(inRange.length > 5);
    const r = await restoreSessions(store, archive, { since, until });
    assert.equal(r.restored, inRange.length);
    assert.equal(r.archived, OLD.size - inRange.length);
    for (const s of inRange) assert.ok(store.contentHash(s.id), `${s.id} is live again`);
    assert.equal(store.count(), SESSIONS.length - OLD.size + inRange.length);
  });

  test('an old session with changes the remote lacks is not archived, and the reason is given', async () => {
    const { store, remote, archive } = await syncedStore(SESSIONS.slice(0, 100));
    const old = SESSIONS.slice(0, 100).filter((s) => OLD.has(s.id));
    // Changed after the last sync (same updatedAt, other content), and one never synced at all.
    store.upsert({ ...old[0], activeMs: old[0].activeMs + 1 });
    const fresh: Session = { ...old[1], id: 'never-synced-1' };
    store.upsert(fresh);
    const plan = planArchive(store, { olderThanDays: 90, now: NOW });
    assert.deepEqual(plan.skipped.map((k) => [k.id, k.reason]).sort(),
      [[old[0].id, 'changed-since-sync'], ['never-synced-1', 'never-synced']]);
    assert.match(plan.skipped[0].message, /sync first/);
    await archiveSessions(store, archive, plan);
    assert.ok(store.contentHash(old[0].id) && store.contentHash('never-synced-1'), 'both stayed live');
    assert.equal(archive.count(), old.length - 1);
    assert.equal(await syncSends(store, remote), 2);
    const again = planArchive(store, { olderThanDays: 90, now: NOW });
    assert.equal(again.skipped.length, 0);
    assert.equal(again.candidates.length, 2, 'once synced, they can go');
  });

  test('a session changed during the move stays live; olderThanDays 0 plans nothing', async () => {
    const { store, archive } = await syncedStore(SESSIONS.slice(0, 60));
    const plan = planArchive(store, { olderThanDays: 90, now: NOW });
    const victim = SESSIONS.find((s) => s.id === plan.candidates[0].id)!;
    store.upsert({ ...victim, notes: [...victim.notes, { at: victim.updatedAt, text: 'late' }] });
    const r = await archiveSessions(store, archive, plan);
    assert.equal(r.stayedLive, 1);
    assert.ok(store.contentHash(victim.id));
    assert.ok(!archivedIds(archive).has(victim.id));
    assert.equal(planArchive(store, { olderThanDays: 0, now: NOW }).candidates.length, 0);
  });

  test('opt-in cloud deletion removes archived sessions from the remote; restore re-uploads them', async () => {
    const { store, remote, archive } = await syncedStore();
    const exported = await exportText(store);
    const r = await archiveSessions(store, archive, planArchive(store, { olderThanDays: 90, now: NOW }));
    const d = await deleteArchivedFromRemote(archive, remote, [...r.movedIds, SESSIONS.find((s) => !OLD.has(s.id))!.id]);
    assert.deepEqual(d, { requested: OLD.size, deleted: OLD.size }, 'a live session is never deleted from the cloud');
    const held = Number((await remote.execute('SELECT count(*) FROM sessions')).rows[0][0]);
    assert.equal(held, SESSIONS.length - OLD.size);
    await assertVerified(store, remote);
    await restoreSessions(store, archive);
    assert.equal(await syncSends(store, remote), OLD.size);
    assert.equal(await exportText(store), exported);
    await assertVerified(store, remote);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// SIGKILL at random moments, in real child processes.

const LOOP_SCRIPT = `
import { SessionStore } from '@src/core/store/session-store';
import { archiveSessions, openArchiveFor, planArchive, restoreSessions } from '@src/core/archive/archive';
(async () => {
  const [dir, now] = process.argv.slice(2);
  const { store } = await SessionStore.open(dir);
  const archive = await openArchiveFor(store);
  for (let cycle = 0; ; cycle++) {
    process.stdout.write('phase archive ' + cycle + '\\n');
    await archiveSessions(store, archive, planArchive(store, { olderThanDays: 90, now: Number(now) }), { chunkSize: 20 });
    process.stdout.write('phase restore ' + cycle + '\\n');
    await restoreSessions(store, archive, {}, { chunkSize: 20 });
  }
})();
`;

function runScript(dir: string, body: string, args: string[]): ChildProcess {
  const file = path.join(dir, `script-${randomBytes(4).toString('hex')}.ts`);
  fs.writeFileSync(file, body.replaceAll('@src/', `${ROOT}/src/`));
  const child = spawn(process.execPath, ['--import', 'tsx', file, ...args], { stdio: ['ignore', 'pipe', 'pipe'], cwd: ROOT });
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/** Lines the child printed so far, and a promise for the first line matching `re`. */
function watch(child: ChildProcess): { lines: string[]; waitFor(re: RegExp): Promise<void> } {
  const lines: string[] = [];
  let err = '';
  let buf = '';
  const waiters: { re: RegExp; resolve: () => void }[] = [];
  child.stderr!.on('data', (b: Buffer) => { err += b.toString(); });
  child.stdout!.on('data', (b: Buffer) => {
    buf += b.toString();
    const parts = buf.split('\n');
    buf = parts.pop()!;
    for (const l of parts) {
      lines.push(l);
      for (const w of waiters.filter((x) => x.re.test(l))) { waiters.splice(waiters.indexOf(w), 1); w.resolve(); }
    }
  });
  return {
    lines,
    waitFor: (re) => new Promise<void>((resolve, reject) => {
      waiters.push({ re, resolve });
      child.once('exit', (code) => reject(new Error(`child exited (${code}) before ${re}: ${err}`)));
    }),
  };
}

/** Sessions a killed process left mid-move (read before anything settles them). */
async function inFlight(dir: string): Promise<number> {
  const a = await ArchiveStore.open(dir, { readOnly: true });
  try {
    return Number(a.scalar('SELECT count(*) FROM in_flight'));
  } finally {
    a.close();
  }
}

/** Every original session is in exactly one place, with its original content. */
async function assertEachInOnePlace(dir: string, expected: Map<string, string>): Promise<void> {
  const { store } = await SessionStore.open(dir);
  const archive = await openArchiveFor(store);
  try {
    const live = new Map(store.hashPage('', Number.MAX_SAFE_INTEGER));
    const archived = new Map(archive.rows('SELECT id, content_hash FROM archived_sessions').map((r) => [String(r[0]), String(r[1])]));
    const both = [...live.keys()].filter((id) => archived.has(id));
    assert.deepEqual(both, [], 'no session is both live and archived');
    assert.equal(live.size + archived.size, expected.size, `live ${live.size} + archived ${archived.size}`);
    for (const [id, hash] of expected) assert.equal(live.get(id) ?? archived.get(id), hash, `${id} kept its content`);
    assert.equal(archive.count(), archived.size);
  } finally {
    archive.close();
    await store.close();
  }
}

describe('crash safety', () => {
  test('SIGKILL during archive or restore, at random moments, then a rerun: every session in exactly one place', async (t) => {
    const { dir, store, remote, archive } = await syncedStore();
    const expected = new Map(SESSIONS.map((s) => [s.id, store.contentHash(s.id)!]));
    const exported = await exportText(store);
    archive.close();
    await store.close();
    const killedIn = { archive: 0, restore: 0, midMove: 0 };
    // Seeded, so a failing run's kill moments are the same on a rerun (the children's own timing still varies).
    const rng = Rng.from('archive-kill-loop');
    for (let i = 0; i < 12; i++) {
      const phase = i % 2 === 0 ? 'archive' : 'restore';
      const child = runScript(dir, LOOP_SCRIPT, [dir, String(NOW)]);
      const w = watch(child);
      // Cycle 1, not 0: cycle 0 may have little to do after the previous kill, and end before the kill lands.
      await w.waitFor(new RegExp(`^phase ${phase} 1$`));
      await new Promise((r) => setTimeout(r, rng.int(0, 299)));
      const gone = new Promise((r) => child.once('exit', (_c, sig) => r(sig)));
      child.kill('SIGKILL');
      assert.equal(await gone, 'SIGKILL', 'the child was still working when killed');
      killedIn[w.lines[w.lines.length - 1].split(' ')[1] as 'archive' | 'restore']++;
      if (await inFlight(dir) > 0) killedIn.midMove++;
      await assertEachInOnePlace(dir, expected);
    }
    assert.ok(killedIn.archive >= 3 && killedIn.restore >= 3, `kills: ${JSON.stringify(killedIn)}`);
    // Most kills land between the two files' saves (that is where the time goes): the case that matters.
    assert.ok(killedIn.midMove >= 1, `kills: ${JSON.stringify(killedIn)}`);
    t.diagnostic(`kills: ${JSON.stringify(killedIn)}`);

    // The rerun: restore everything, and the store is as it was, still in step with the remote.
    const reopened = (await SessionStore.open(dir)).store;
    const a = await openArchiveFor(reopened);
    await restoreSessions(reopened, a);
    assert.equal(await exportText(reopened), exported);
    assert.equal(await syncSends(reopened, remote), 0);
    await assertVerified(reopened, remote);
    a.close();
    await reopened.close();
  });
});

// ---------------------------------------------------------------------------------------------------------------
// The CLI commands, through the built CLI (dist/cli.js).

describe('CLI', () => {
  before(() => {
    execFileSync(process.execPath, ['esbuild.js'], { cwd: ROOT, stdio: 'inherit' });
  });
  const cli = (...args: string[]) => spawnSync(process.execPath, ['dist/cli.js', ...args],
    { encoding: 'utf8', cwd: ROOT, timeout: 120_000, maxBuffer: 1 << 28, env: { ...process.env, SESSION_SYNC_REMOTE: '', SESSION_SYNC_TOKEN: '' } });
  const json = (r: ReturnType<typeof cli>) => {
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout) as Record<string, unknown>;
  };

  test('archive --dry-run, archive, restore and the usage errors', async () => {
    const dir = tempDir();
    json(cli('seed', '--store', dir, '--count', '300', '--days', '365', '--json'));
    const unsynced = json(cli('archive', '--store', dir, '--older-than', '90', '--dry-run', '--json'));
    assert.equal(unsynced.count, 0);
    assert.ok((unsynced.skipped as number) > 100);
    assert.equal((unsynced.skippedSessions as { reason: string }[])[0].reason, 'never-synced');
    json(cli('sync', '--store', dir, '--json'));
    const exported = cli('export', '--store', dir).stdout;
    const old = exported.trim().split('\n').map((l) => JSON.parse(l) as Session)
      .filter((s) => s.updatedAt < Date.now() - 90 * DAY_MS).length;

    const dry = json(cli('archive', '--store', dir, '--older-than', '90', '--dry-run', '--json'));
    assert.equal(dry.count, old);
    assert.match(String(dry.oldestUpdatedAt), /^\d{4}-\d{2}-\d{2}$/);
    assert.equal(await archivedCountIn(dir), 0, 'a dry run moves nothing');
    const moved = json(cli('archive', '--store', dir, '--older-than', '90', '--json'));
    assert.equal(moved.moved, old);
    assert.equal(moved.archived, old);
    assert.equal(await archivedCountIn(dir), old);
    assert.equal(json(cli('sync', '--store', dir, '--json')).sent, 0);

    const bad = cli('restore', '--store', dir, '--since', '2025-02-30');
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /"2025-02-30" is not a date; use YYYY-MM-DD/);
    const backwards = cli('restore', '--store', dir, '--since', '2025-03-01', '--until', '2025-01-01');
    assert.equal(backwards.status, 2);
    assert.match(backwards.stderr, /--since must not be after --until/);
    assert.equal(cli('archive', '--store', dir, '--older-than', 'soon').status, 2);

    const text = cli('restore', '--store', dir);
    assert.equal(text.status, 0, text.stderr);
    assert.match(text.stdout, new RegExp(`Restored ${old} sessions; 0 remain archived`));
    assert.equal(cli('export', '--store', dir).stdout, exported);
    assert.equal(json(cli('sync', '--store', dir, '--json')).sent, 0);
    assert.equal(cli('verify', '--store', dir).status, 0);
  });
});
