// What Session Sync writes is the user's alone (files 0600, folders 0700, remote.db included), and a file where the
// archive should be that is not an archive (zero bytes, another program's database) is set aside, never taken as
// empty and overwritten.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import initSqlJs from 'sql.js';
import { SessionStore } from '../../src/core/store/session-store';
import { Remote } from '../../src/core/remote/connect';
import { embeddedRemoteUrl } from '../../src/core/remote/target';
import { runSync } from '../../src/core/sync/engine';
import { generateSessions } from '../../src/lab/generator';
import { postToInbox } from '../../src/core/store/inbox';
import { ARCHIVE_FILE, ArchiveStore } from '../../src/core/archive/archive-store';
import { openArchiveFor } from '../../src/core/archive/archive';
import { errorOf } from '../support/helpers';

const SESSIONS = generateSessions({ count: 20, seed: 'private-files' });
const cleanups: (() => Promise<void> | void)[] = [];

after(async () => {
  for (const c of cleanups.reverse()) await c();
});

function tempDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'private-files-test-'));
  cleanups.push(() => fs.rmSync(d, { recursive: true, force: true }));
  return d;
}

const mode = (p: string) => fs.statSync(p).mode & 0o777;

describe('file modes', () => {
  test('remote.db is created 0600 in a folder made 0700, and the inbox folder is 0700, whatever the umask', async () => {
    const dir = path.join(tempDir(), 'nested', 'store');
    const old = process.umask(0o022);
    try {
      // The remote's folder does not exist yet: the driver must not be the one creating either of them.
      const remote = new Remote({ url: embeddedRemoteUrl(path.join(dir, 'elsewhere')) });
      const { store } = await SessionStore.open(dir);
      cleanups.push(async () => { remote.close(); await store.close().catch(() => undefined); });
      store.upsertMany(SESSIONS);
      assert.equal((await runSync(store, remote)).result, 'ok');
      assert.equal(mode(path.join(dir, 'elsewhere', 'remote.db')), 0o600);
      assert.equal(mode(path.join(dir, 'elsewhere')), 0o700);
      await postToInbox(dir, SESSIONS[0]);
      assert.equal(mode(path.join(dir, 'inbox')), 0o700);
      for (const f of fs.readdirSync(path.join(dir, 'inbox'))) assert.equal(mode(path.join(dir, 'inbox', f)), 0o600);
    } finally {
      process.umask(old);
    }
  });
});

describe('a file that is not an archive where archive.sqlite should be', () => {
  async function storeIn(dir: string): Promise<SessionStore> {
    const { store } = await SessionStore.open(dir);
    cleanups.push(() => store.close().catch(() => undefined));
    return store;
  }

  test('zero bytes: set aside with its name given, a new archive started; read-only openers refuse', async () => {
    const dir = tempDir();
    const store = await storeIn(dir);
    fs.writeFileSync(path.join(dir, ARCHIVE_FILE), '');
    assert.match((await errorOf(ArchiveStore.open(dir, { readOnly: true }))).message, /empty \(zero-byte\) file/);
    const warnings: string[] = [];
    const archive = await openArchiveFor(store, (m) => warnings.push(m));
    archive.close();
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], /is an empty \(zero-byte\) file; it was kept as .*archive\.sqlite\.unrecognised-/);
    assert.ok(fs.readdirSync(dir).some((n) => n.startsWith(`${ARCHIVE_FILE}.unrecognised-`)));
  });

  test("another program's database: kept byte for byte aside, never migrated or overwritten", async () => {
    const dir = tempDir();
    const store = await storeIn(dir);
    const SQL = await initSqlJs();
    const foreign = new SQL.Database();
    foreign.run('CREATE TABLE photos (id INTEGER PRIMARY KEY, path TEXT)');
    foreign.run("INSERT INTO photos (path) VALUES ('a.jpg')");
    const bytes = foreign.export();
    foreign.close();
    fs.writeFileSync(path.join(dir, ARCHIVE_FILE), bytes);
    const warnings: string[] = [];
    const archive = await openArchiveFor(store, (m) => warnings.push(m));
    await archive.save();
    archive.close();
    assert.match(warnings[0] ?? '', /is not a Session Sync archive \(it holds photos\)/);
    const aside = fs.readdirSync(dir).find((n) => n.startsWith(`${ARCHIVE_FILE}.unrecognised-`));
    assert.ok(aside);
    assert.deepEqual(new Uint8Array(fs.readFileSync(path.join(dir, aside))), bytes);
  });
});
