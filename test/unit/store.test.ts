// The local store against a real sql.js: upserts, persistence, corrupt and foreign files, dedup bookkeeping,
// the owner lock across real processes, and the inbox that other windows (processes) post to.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { inflateSync } from 'node:zlib';
import { switchSyncState } from '../../src/core/store/sync-state';
import { SessionStore, STORE_FILE, StoreCorruptError } from '../../src/core/store/session-store';
import { SCHEMA_VERSION, StoreVersionError } from '../../src/core/store/schema';
import { listRuns } from '../../src/core/store/run-history';
import { acquireOwnerLock, isOwned, lockTarget, StoreBusyError } from '../../src/core/store/owner-lock';
import { inboxDir, readInbox, removeFromInbox } from '../../src/core/store/inbox';
import { loadSqlJs } from '../../src/core/store/sqljs';
import { freePageReserve } from '../../src/core/store/free-pages';
import { continueSession, generateSessions, mutationRng } from '../../src/lab/generator';
import { sessionToJson, type Session } from '../../src/core/model';

const NOW = Date.UTC(2025, 5, 1, 12);
const SRC = path.resolve(__dirname, '../../src');
const dirs: string[] = [];
const children = new Set<ChildProcess>();

function tempDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'store-test-'));
  dirs.push(d);
  return d;
}

after(() => {
  for (const c of children) c.kill('SIGKILL');
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

const sessions = (count: number, seed: string | number = 1, idPrefix = 'gen'): Session[] =>
  generateSessions({ count, seed, now: NOW, idPrefix });

/** A newer version of `s` (more events, later updatedAt), as the recorder would write it. */
const continued = (s: Session, seed = 'c'): Session => continueSession(s, mutationRng(seed, s.id), NOW + 60_000);

async function withStore<T>(dir: string, fn: (s: SessionStore) => T | Promise<T>): Promise<T> {
  const { store } = await SessionStore.open(dir);
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

/** Runs a small TypeScript program in a new Node process (tsx), with `src` imports resolved to this repo. */
function runScript(dir: string, body: string, args: string[]): ChildProcess {
  const file = path.join(dir, `script-${randomBytes(4).toString('hex')}.ts`);
  fs.writeFileSync(file, body.replaceAll('@src/', `${SRC}/`));
  const child = spawn(process.execPath, ['--import', 'tsx', file, ...args], {
    stdio: ['pipe', 'pipe', 'pipe'], cwd: path.resolve(__dirname, '../..'),
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/** Resolves with the first stdout line that matches `re`; rejects if the process exits first. */
function waitForLine(child: ChildProcess, re: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stderr!.on('data', (b: Buffer) => { err += b.toString(); });
    const onData = (b: Buffer) => {
      out += b.toString();
      const line = out.split('\n').find((l) => re.test(l));
      if (line) {
        child.stdout!.off('data', onData);
        resolve(line);
      }
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`child exited (${code}) before ${re}: ${out}${err}`)));
  });
}

const exited = (child: ChildProcess): Promise<number | null> =>
  child.exitCode !== null || child.signalCode !== null ? Promise.resolve(child.exitCode)
    : new Promise((resolve) => child.once('exit', (code) => resolve(code)));

describe('session store', () => {
  test('upsert then get returns the same session, in canonical form', async () => {
    const [s] = sessions(1);
    await withStore(tempDir(), (store) => {
      assert.equal(store.upsert(s), true);
      assert.equal(sessionToJson(store.get(s.id)!), sessionToJson(s));
      assert.equal(store.get('no-such-id'), undefined);
      assert.equal(store.upsert(s), false, 'the same content again is not a change');
    });
  });

  test('an older updatedAt never replaces a newer session', async () => {
    const [s] = sessions(1);
    const newer = continued(s);
    await withStore(tempDir(), (store) => {
      store.upsert(newer);
      assert.equal(store.upsert(s), false);
      assert.equal(sessionToJson(store.get(s.id)!), sessionToJson(newer));
      assert.equal(store.upsertMany([s]), 0);
      assert.equal(store.get(s.id)!.events.length, newer.events.length);
    });
  });

  test('upsertMany is all or nothing: an element that throws leaves nothing behind', async () => {
    const list = sessions(5);
    function* failing(): Generator<Session> {
      yield list[0];
      yield list[1];
      throw new Error('recorder crashed');
    }
    await withStore(tempDir(), (store) => {
      store.upsert(list[4]);
      assert.throws(() => store.upsertMany(failing()), /recorder crashed/);
      assert.equal(store.count(), 1);
      assert.equal(store.get(list[0].id), undefined);
      assert.equal(store.upsertMany(list.slice(0, 4)), 4, 'the same sessions go in once the error is gone');
      assert.equal(store.count(), 5);
    });
  });

  test('sessions survive close and reopen', async () => {
    const dir = tempDir();
    const list = sessions(20);
    await withStore(dir, (store) => store.upsertMany(list));
    await withStore(dir, (store) => {
      assert.equal(store.count(), 20);
      assert.deepEqual([...store.iterate(7)].map(sessionToJson), list.map(sessionToJson).sort((a, b) =>
        JSON.parse(a).id < JSON.parse(b).id ? -1 : 1));
    });
  });

  test('a store file of random bytes is set aside with its bytes kept, and a fresh store starts', async () => {
    const dir = tempDir();
    const junk = randomBytes(8192);
    fs.writeFileSync(path.join(dir, STORE_FILE), junk);
    const { store, recoveredFrom } = await SessionStore.open(dir);
    try {
      assert.ok(recoveredFrom, 'recoveredFrom is reported');
      assert.match(path.basename(recoveredFrom), /^sessions\.sqlite\.corrupt-/);
      assert.deepEqual(fs.readFileSync(recoveredFrom), junk, 'the original bytes are kept');
      assert.equal(store.count(), 0);
      store.upsert(sessions(1)[0]);
    } finally {
      await store.close();
    }
    assert.deepEqual(fs.readFileSync(recoveredFrom), junk, 'saving the new store did not overwrite it');
    await withStore(dir, (s) => assert.equal(s.count(), 1));
  });

  test('a truncated store file is set aside, not overwritten', async () => {
    const dir = tempDir();
    await withStore(dir, (store) => store.upsertMany(sessions(60)));
    const file = path.join(dir, STORE_FILE);
    const whole = fs.readFileSync(file);
    const cut = whole.subarray(0, Math.floor(whole.length / 2));
    fs.writeFileSync(file, cut);
    const { store, recoveredFrom } = await SessionStore.open(dir);
    try {
      assert.ok(recoveredFrom, 'recoveredFrom is reported');
      assert.match(path.basename(recoveredFrom), /^sessions\.sqlite\.corrupt-/);
      assert.deepEqual(fs.readFileSync(recoveredFrom), cut);
      assert.equal(store.count(), 0);
    } finally {
      await store.close();
    }
  });

  test('a read-only open of a corrupt file fails and changes nothing on disk', async () => {
    const dir = tempDir();
    const junk = randomBytes(4096);
    fs.writeFileSync(path.join(dir, STORE_FILE), junk);
    const tmp = path.join(dir, `.${STORE_FILE}.${process.pid}.0badcafe.tmp`);
    fs.writeFileSync(tmp, 'a save in progress');
    await assert.rejects(SessionStore.open(dir, { readOnly: true }), StoreCorruptError);
    assert.deepEqual(fs.readdirSync(dir).sort(), [path.basename(tmp), STORE_FILE].sort());
    assert.deepEqual(fs.readFileSync(path.join(dir, STORE_FILE)), junk);
  });

  test('a temp file left by a killed save is removed on open', async () => {
    const dir = tempDir();
    await withStore(dir, (store) => store.upsert(sessions(1)[0]));
    const tmp = path.join(dir, `.${STORE_FILE}.4242.deadbeef.tmp`);
    fs.writeFileSync(tmp, 'half a database');
    await withStore(dir, (store) => assert.equal(store.count(), 1));
    assert.equal(fs.existsSync(tmp), false);
  });

  test('a store from a newer schema is refused and left untouched', async () => {
    const dir = tempDir();
    await withStore(dir, (store) => store.upsert(sessions(1)[0]));
    const file = path.join(dir, STORE_FILE);
    const SQL = await loadSqlJs();
    const db = new SQL.Database(fs.readFileSync(file));
    db.exec('PRAGMA user_version = 99');
    fs.writeFileSync(file, db.export());
    db.close();
    const before = fs.readFileSync(file);
    await assert.rejects(SessionStore.open(dir), (err: Error) =>
      err instanceof StoreVersionError && /newer/.test(err.message) && /99/.test(err.message));
    assert.deepEqual(fs.readFileSync(file), before);
    assert.deepEqual(fs.readdirSync(dir).filter((n) => n.includes('corrupt')), []);
  });

  test('a store of the previous schema is migrated once, keeps its sessions and runs, and is saved migrated', async () => {
    const dir = tempDir();
    const list = sessions(3);
    await withStore(dir, (store) => store.upsertMany(list));
    // Turn the file back into a schema-2 store, as the previous release wrote it, with one run in its history.
    const file = path.join(dir, STORE_FILE);
    const SQL = await loadSqlJs();
    const old = new SQL.Database(fs.readFileSync(file));
    old.exec(`DROP TABLE sync_status_kept; DROP TABLE sync_shape_kept;
      ALTER TABLE sync_runs DROP COLUMN naive_bytes; ALTER TABLE sync_runs DROP COLUMN setup_bytes;
      INSERT INTO sync_runs (started_at, ended_at, strategy, remote, result) VALUES (1, 2, 'optimized', 'file:x', 'ok');
      PRAGMA user_version = 2;`);
    fs.writeFileSync(file, old.export());
    old.close();
    await withStore(dir, (store) => {
      assert.equal(store.count(), 3);
      const [run] = listRuns(store);
      assert.equal(run.naiveBytes, null, 'a run from before has no naive comparison');
      assert.equal(run.setupBytes, 0);
    });
    const saved = new SQL.Database(fs.readFileSync(file));
    assert.equal(Number(saved.exec('PRAGMA user_version')[0].values[0][0]), SCHEMA_VERSION,
      'the snapshot on disk is migrated, not migrated again at every open');
    saved.close();
  });

  test('a saved store keeps free pages in reserve, and sessions written after the next open go into them, not into a longer file', async () => {
    // sql.js copies the whole in-memory file the first time SQLite extends it after a load (475 ms at 100,000
    // sessions, at the first auto-sync of every start): the reserve is what keeps a working session from doing that.
    const dir = tempDir();
    const { store } = await SessionStore.open(dir);
    store.upsertMany(sessions(300, 'reserve'));
    await store.close();
    const SQL = await loadSqlJs();
    const db = new SQL.Database(fs.readFileSync(path.join(dir, STORE_FILE)));
    try {
      const pragma = (name: string) => Number(db.exec(`PRAGMA ${name}`)[0].values[0][0]);
      const pages = pragma('page_count');
      assert.ok(pragma('freelist_count') >= freePageReserve(pages), `${pragma('freelist_count')} free of ${pages} pages`);
      // New sessions, as a working day adds them, up to half the reserve: the file keeps its length.
      const rows = db.exec('SELECT * FROM sessions LIMIT 20')[0];
      const insert = db.prepare(`INSERT INTO sessions (${rows.columns.join(', ')}) VALUES (${rows.columns.map(() => '?').join(', ')})`);
      let added = 0;
      for (let i = 0; added < (freePageReserve(pages) * pragma('page_size')) / 2; i++) {
        const row = [...rows.values[i % rows.values.length]];
        row[rows.columns.indexOf('id')] = `reserve-new-${i}`;
        insert.run(row);
        added += row.reduce<number>((n, v) => n + (v instanceof Uint8Array ? v.length : String(v).length), 0);
      }
      insert.free();
      assert.equal(pragma('page_count'), pages, 'the file did not grow');
    } finally {
      db.close();
    }
    // And the store still reads back whole.
    const reopened = (await SessionStore.open(dir, { readOnly: true })).store;
    assert.equal(reopened.count(), 300);
    await reopened.close();
  });

  test('getStoredMany reads any number of ids, across statement chunks and after a save, leaving out unknown ids',
    async () => {
      const list = sessions(230);
      await withStore(tempDir(), async (store) => {
        store.upsertMany(list);
        await store.flush(); // a save frees sql.js statements: the cached ones must be prepared again
        const ids = [...list.map((s) => s.id).reverse(), 'no-such-id'];
        const stored = store.getStoredMany(ids);
        assert.equal(stored.size, 230);
        for (const s of [list[0], list[99], list[100], list[229]]) {
          const got = stored.get(s.id)!;
          assert.equal(got.hash, store.contentHash(s.id));
          assert.equal(inflateSync(got.body).toString('utf8'), sessionToJson(s));
        }
        assert.equal(stored.has('no-such-id'), false);
      });
    });

  test('pending() lists what changed since markSynced, and only that', async () => {
    const list = sessions(4);
    await withStore(tempDir(), (store) => {
      store.upsertMany(list);
      const pending = store.pending('sessions');
      assert.deepEqual(pending.map((p) => p.id).sort(), list.map((s) => s.id).sort());
      assert.ok(pending.every((p) => p.hash === store.contentHash(p.id) && (p.size ?? 0) > 0));
      store.markSynced('sessions', pending, NOW);
      assert.deepEqual(store.pending('sessions'), []);
      assert.equal(store.pendingCount('sessions'), 0);
      store.upsertMany(list); // the same content: no work for the next sync
      assert.equal(store.pendingCount('sessions'), 0);
      store.upsert(continued(list[2]));
      assert.deepEqual(store.pending('sessions').map((p) => p.id), [list[2].id]);
      store.markSynced('sessions', store.pending('sessions'), NOW);
      store.markSynced('sessions', [{ id: list[2].id, hash: store.contentHash(list[2].id)! }], NOW);
      assert.equal(store.pendingCount('sessions'), 0, 'marking twice is harmless');
      switchSyncState(store, undefined, 'no remote kept'); // drops the sync state: nothing was kept for that name
      assert.equal(store.pendingCount('sessions'), 4);
    });
  });
});

// Holds the store lock until told on stdin: "release" releases it and stays alive, "exit" (or EOF) exits.
const LOCK_HOLDER = `
import { acquireOwnerLock } from '@src/core/store/owner-lock';
(async () => {
  const lock = await acquireOwnerLock(process.argv[2]);
  process.stdout.write('locked\\n');
  const exit = async () => { await lock.release(); process.exit(0); };
  process.stdin.on('data', async (b) => {
    if (String(b).includes('exit')) return exit();
    await lock.release();
    process.stdout.write('released\\n');
  });
  process.stdin.once('end', exit);
})().catch((e) => { process.stdout.write('error ' + e.constructor.name + ': ' + e.message + '\\n'); process.exit(3); });
`;

async function startHolder(dir: string): Promise<ChildProcess> {
  const holder = runScript(dir, LOCK_HOLDER, [dir]);
  assert.equal(await waitForLine(holder, /^(locked|error)/), 'locked');
  return holder;
}

async function releaseIn(holder: ChildProcess): Promise<void> {
  const released = waitForLine(holder, /^released/);
  holder.stdin!.write('release\n');
  await released;
}


describe('owner lock across processes', () => {
  test('a second process is refused with StoreBusyError while the first holds it, and gets it once it exits',
    async () => {
      const dir = tempDir();
      const holder = await startHolder(dir);
      assert.equal(await isOwned(dir), true);
      await assert.rejects(acquireOwnerLock(dir), (err: Error) =>
        err instanceof StoreBusyError && err.message.includes(dir));
      holder.stdin!.write('exit\n');
      assert.equal(await exited(holder), 0);
      const lock = await acquireOwnerLock(dir);
      assert.equal(lock.compromised, false);
      await lock.release();
    });

  test('a lock released by a process that is still running can be taken by another', async () => {
    const dir = tempDir();
    const holder = await startHolder(dir);
    await releaseIn(holder);
    assert.equal(await isOwned(dir), false, 'isOwned after release');
    const lock = await acquireOwnerLock(dir);
    await lock.release();
    holder.stdin!.write('exit\n');
    await exited(holder);
  });

  test('after release the same process can take the lock again', async () => {
    const dir = tempDir();
    const first = await acquireOwnerLock(dir);
    await first.release();
    assert.equal(await isOwned(dir), false, 'isOwned after release');
    const second = await acquireOwnerLock(dir);
    await second.release();
  });

  test('a lock whose owner died before writing its pid file is taken over without waiting for it to go stale', async () => {
    const dir = tempDir();
    // What a kill between taking the lock and writing the pid file leaves: the lock folder alone.
    const lockDir = `${lockTarget(dir)}.lock`;
    fs.mkdirSync(lockDir);
    const past = new Date(Date.now() - 5_000);
    fs.utimesSync(lockDir, past, past);
    // A wait of 0: taking the lock must not need a single retry (a stale-time wait would throw StoreBusyError).
    const lock = await acquireOwnerLock(dir, 0);
    await lock.release();
  });

  test('the lock of a SIGKILLed process is taken over at once', async () => {
    const dir = tempDir();
    const holder = await startHolder(dir);
    holder.kill('SIGKILL');
    await exited(holder);
    const lock = await acquireOwnerLock(dir);
    assert.equal(lock.compromised, false);
    await lock.release();
  });

  test('a dead lock whose owner cannot be checked (another host) is taken over once stale',
    async () => {
      const dir = tempDir();
      const holder = await startHolder(dir);
      holder.kill('SIGKILL');
      await exited(holder);
      // The store is on a shared drive and the owner ran elsewhere: only the lock's age can tell.
      const lockDir = `${lockTarget(dir)}.lock`;
      const ownerFile = `${lockTarget(dir)}.pid.json`;
      const owner = JSON.parse(fs.readFileSync(ownerFile, 'utf8')) as Record<string, unknown>;
      fs.writeFileSync(ownerFile, JSON.stringify({ ...owner, host: 'another-machine' }));
      await assert.rejects(acquireOwnerLock(dir), StoreBusyError, 'fresh: the owner may only be slow');
      // Nobody refreshes it any more; age it past the 15 s stale time instead of waiting for it.
      const past = new Date(Date.now() - 20_000);
      fs.utimesSync(lockDir, past, past);
      const lock = await acquireOwnerLock(dir);
      await lock.release();
    });
});

const INBOX_POSTER = `
import { postToInbox } from '@src/core/store/inbox';
import { continueSession, generateSessions, mutationRng } from '@src/lab/generator';
(async () => {
  const [dir, prefix, sharedVariant] = process.argv.slice(2);
  const now = ${NOW};
  const own = generateSessions({ count: 40, seed: prefix, now, idPrefix: prefix });
  let shared = generateSessions({ count: 10, seed: 'shared', now, idPrefix: 'shared' });
  if (sharedVariant === 'newer') shared = shared.map((s) => continueSession(s, mutationRng('c', s.id), now + 60_000));
  for (let i = 0; i < own.length; i++) {
    await postToInbox(dir, own[i]);
    if (i < shared.length) await postToInbox(dir, shared[i]);
  }
  process.stdout.write('posted\\n');
})().catch((e) => { process.stderr.write(String(e && e.stack) + '\\n'); process.exit(3); });
`;

describe('inbox', () => {
  test('two processes post snapshots while the owner ingests: no session is lost, the newest wins', async () => {
    const dir = tempDir();
    const posters = [runScript(dir, INBOX_POSTER, [dir, 'winA', 'older']),
      runScript(dir, INBOX_POSTER, [dir, 'winB', 'newer'])];
    const codes = Promise.all(posters.map(exited));
    let running = true;
    void codes.then(() => { running = false; });
    const { store } = await SessionStore.open(dir);
    let rejected: string[] = [];
    try {
      for (;;) {
        const wasRunning = running;
        const batch = await readInbox(dir, 25);
        rejected = rejected.concat(batch.rejected);
        store.upsertMany(batch.sessions);
        await store.flush();
        await removeFromInbox(batch.files);
        if (!wasRunning && batch.files.length === 0) break;
        if (batch.files.length === 0) await new Promise((r) => setTimeout(r, 20));
      }
    } finally {
      await store.close();
    }
    assert.deepEqual(await codes, [0, 0]);
    assert.deepEqual(rejected, []);
    assert.deepEqual(fs.readdirSync(inboxDir(dir)), []);
    const expected = [...sessions(40, 'winA', 'winA'), ...sessions(40, 'winB', 'winB'),
      ...sessions(10, 'shared', 'shared').map((s) => continued(s))];
    await withStore(dir, (reopened) => {
      assert.equal(reopened.count(), expected.length);
      for (const s of expected) assert.equal(sessionToJson(reopened.get(s.id)!), sessionToJson(s), s.id);
    });
  });
});
