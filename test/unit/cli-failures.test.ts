// The CLI (the built dist/cli.js in its own process) when things go wrong the way they do for users: a full disk,
// a closed pipe, a read-only or foreign store, bad import lines, a database nothing was synced to, a bad remote
// row. Each ends in one line that says what to do, the documented exit code, and no success line before a failure.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import initSqlJs from 'sql.js';
import { createClient } from '@libsql/client';
import { embeddedRemoteUrl } from '../../src/core/remote/target';
import { sessionToJson } from '../../src/core/model';
import { generateSessions } from '../../src/lab/generator';

const ROOT = path.resolve(__dirname, '../..');
const CLI = path.join(ROOT, 'dist/cli.js');
const IS_ROOT = process.getuid?.() === 0;
const dirs: string[] = [];

const cleanEnv = () => Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('SESSION_SYNC_')));

interface Run { code: number | null; stdout: string; stderr: string }

function sh(command: string): Run {
  const r = spawnSync('sh', ['-c', command], { encoding: 'utf8', env: cleanEnv(), timeout: 90_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function cli(...args: string[]): Run {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: cleanEnv(), timeout: 90_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function tempDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-failures-test-'));
  dirs.push(d);
  return d;
}

function seeded(count = 50): string {
  const store = path.join(tempDir(), 'store');
  const r = cli('seed', '--store', store, '--count', String(count));
  assert.equal(r.code, 0, r.stderr);
  return store;
}

/** Exactly one line on stderr, no stack trace, no "unexpected error". */
function assertOneLine(r: Run, pattern: RegExp): void {
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one line expected:\n${r.stderr}`);
  assert.match(lines[0], pattern);
  assert.doesNotMatch(r.stderr, /unexpected error|\n\s+at /);
}

before(() => {
  execFileSync(process.execPath, ['esbuild.js'], { cwd: ROOT, stdio: 'inherit' });
});

after(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

describe('output', () => {
  test('`export | head` ends quietly, `export > /dev/full` with one line', () => {
    const store = seeded(2000);
    const piped = sh(`"${process.execPath}" "${CLI}" export --store "${store}" | head -c 100 >/dev/null; echo "exit=$?"`);
    assert.equal(piped.stderr, '');
    const full = sh(`"${process.execPath}" "${CLI}" export --store "${store}" > /dev/full`);
    assert.equal(full.code, 1);
    assertOneLine(full, /^session-sync: cannot write the output: .*disk is full.*\(ENOSPC\)\.$/);
  });

  test('on a full disk a writing command prints no success line, only the failure', { skip: !IS_ROOT &&
    'needs root to mount a small tmpfs (a real full disk)' }, () => {
    const mnt = tempDir();
    const r = sh(`unshare -m sh -c 'mount -t tmpfs -o size=400k tmpfs "${mnt}" && ` +
      `"${process.execPath}" "${CLI}" seed --store "${mnt}/store" --count 3000'`);
    if (/mount|unshare/.test(r.stderr) && r.code !== 1) return; // no mount namespace here: nothing to test
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stdout, '', 'nothing says it worked');
    assertOneLine(r, /disk is full.*\(ENOSPC\)/);
  });
});

describe('expected failures say what to do', () => {
  test('a read-only store folder: EACCES with the path and what to do', () => {
    const store = seeded(5);
    fs.chmodSync(path.dirname(store), 0o755);
    fs.chmodSync(store, 0o555);
    // root may write anywhere: run the command as nobody, as a user without rights would.
    const as = IS_ROOT ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'] : [];
    const r = spawnSync(as[0] ?? process.execPath, [...as.slice(1), ...(IS_ROOT ? [process.execPath] : []), CLI,
      'seed', '--store', store, '--count', '1'], { encoding: 'utf8', env: cleanEnv() });
    fs.chmodSync(store, 0o700);
    assert.equal(r.status, 1);
    assertOneLine({ code: r.status, stdout: r.stdout, stderr: r.stderr },
      /may not read or write there: fix the permissions, or use another --store folder \(EACCES\)/);
  });

  test("another program's sessions.sqlite: named as such, with what to do", async () => {
    const store = path.join(tempDir(), 'foreign');
    fs.mkdirSync(store);
    const SQL = await initSqlJs();
    const db = new SQL.Database();
    db.run('CREATE TABLE sessions (x); CREATE TABLE other (y)');
    fs.writeFileSync(path.join(store, 'sessions.sqlite'), db.export());
    db.close();
    for (const verb of [['status'], ['seed', '--count', '1']]) {
      const r = cli(verb[0], '--store', store, ...verb.slice(1));
      assert.equal(r.code, 1);
      assertOneLine(r, /not a Session Sync store .*Use another --store folder, or move that file away/);
    }
  });

  test('a new store folder is created owner-only (0700)', () => {
    const store = seeded(1);
    assert.equal(fs.statSync(store).mode & 0o777, 0o700);
  });
});

describe('import', () => {
  test('each value that cannot survive the round trip is refused with its line and field; nothing is imported', () => {
    const store = seeded(3);
    const [good] = generateSessions({ count: 1, seed: 'cli-failures' });
    const cases: [string, RegExp][] = [
      [sessionToJson({ ...good, id: 'a\u0000b' }), /"id" contains a NUL character/],
      [sessionToJson({ ...good, endedAt: good.startedAt - 1 }), /"endedAt" must not be before "startedAt"/],
      [sessionToJson(good).replace('"languages":{', '"languages":{"__proto__":2,'), /"languages" cannot have the key "__proto__"/],
    ];
    for (const [line, field] of cases) {
      const file = path.join(tempDir(), 'in.jsonl');
      fs.writeFileSync(file, `${sessionToJson(good)}\n${line}\n`);
      const r = cli('import', '--store', store, file);
      assert.equal(r.code, 1);
      assertOneLine(r, new RegExp(`line 2: ${field.source}.*Nothing was imported`));
      assert.equal(r.stdout, '');
    }
    assert.match(cli('status', '--store', store).stdout, /Sessions: 3\b/);
  });
});

describe('verify and pull', () => {
  test('against a database nothing was synced to: one line, exit 0, and no file created', () => {
    const store = seeded(7);
    for (const verb of ['verify', 'pull']) {
      const r = cli(verb, '--store', store);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, 'Nothing has been synced to this database yet; `session-sync sync` sends 7 sessions.\n');
      assert.equal(r.stderr, '');
    }
    assert.equal(fs.existsSync(path.join(store, 'remote.db')), false);
  });

  test('a remote row that does not decode: pull recovers the rest, names it, exits 1', async () => {
    const store = seeded(30);
    assert.equal(cli('sync', '--store', store).code, 0);
    const client = createClient({ url: embeddedRemoteUrl(store) });
    const victim = String((await client.execute('SELECT id FROM sessions ORDER BY id LIMIT 1 OFFSET 9')).rows[0][0]);
    await client.execute({ sql: "UPDATE sessions SET files = x'0badf00d' WHERE id = ?", args: [victim] });
    client.close();
    const fresh = path.join(tempDir(), 'fresh');
    const r = cli('pull', '--store', fresh, '--remote', embeddedRemoteUrl(store));
    assert.equal(r.code, 1);
    assert.match(r.stdout, /^Pulled 30 sessions: 29 added, 0 updated, 0 unchanged, 1 undecodable\.$/m);
    assertOneLine(r, new RegExp(`1 remote sessions could not be decoded \\(${victim}; first: .*\\); the others were read`));
    const v = cli('verify', '--store', store);
    assert.equal(v.code, 1);
    assert.match(v.stdout, /29 missing|1 undecodable/);
  });
});
