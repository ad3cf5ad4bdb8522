// The `session-sync` command as a user runs it: the built bundle (dist/cli.js) in its own process, against a
// store folder and the embedded libSQL remote in it. Exit codes: 0 done, 1 failed (one line on stderr), 2 usage.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createClient } from '@libsql/client';
import { embeddedRemoteUrl } from '../../src/core/remote/target';
import { checkpointPath, type Checkpoint } from '../../src/core/sync/checkpoint';
import { lockTarget } from '../../src/core/store/owner-lock';

const ROOT = path.resolve(__dirname, '../..');
const CLI = path.join(ROOT, 'dist/cli.js');
const dirs: string[] = [];

/** The environment without SESSION_SYNC_* settings of whoever runs the tests. */
function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('SESSION_SYNC_')));
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function cli(...args: string[]): Run {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: cleanEnv(), timeout: 90_000,
    maxBuffer: 256 * 1024 * 1024 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Runs a command that must succeed and returns its `--json` output. */
function json<T = Record<string, unknown>>(...args: string[]): T {
  const r = cli(...args, '--json');
  assert.equal(r.code, 0, `${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

function tempDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-test-'));
  dirs.push(d);
  return d;
}

before(() => {
  // The bundle is what users run; build it from the current sources so the test sees what it checks.
  execFileSync(process.execPath, ['esbuild.js'], { cwd: ROOT, stdio: 'inherit' });
});

after(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

async function remoteScalar(storeDir: string, sql: string): Promise<number> {
  const client = createClient({ url: embeddedRemoteUrl(storeDir) });
  try {
    return Number((await client.execute(sql)).rows[0][0]);
  } finally {
    client.close();
  }
}

describe('session-sync CLI', () => {
  test('seed, sync, sync again, mutate, sync, verify', () => {
    const store = tempDir();
    assert.deepEqual(json('seed', '--store', store, '--count', '200'), { added: 200, sessions: 200 });
    const first = json('sync', '--store', store);
    assert.equal(first.result, 'ok');
    assert.equal(first.sent, 200);
    assert.equal(json('sync', '--store', store).sent, 0);
    assert.deepEqual(json('mutate', '--store', store, '--fraction', '0.05'), { changed: 10 });
    const delta = json('sync', '--store', store);
    assert.equal(delta.sent, 10);
    assert.ok((delta.bytesSent as number) < (first.bytesSent as number) / 10);
    const v = cli('verify', '--store', store);
    assert.equal(v.code, 0, v.stdout + v.stderr);
    assert.match(v.stdout, /Verified: 200 local, 200 remote, 0 missing, 0 mismatched, 0 extra/);
    const status = json('status', '--store', store);
    assert.equal(status.sessions, 200);
    assert.equal(status.pending, 0);
    assert.equal(status.checkpoint, null);
  });

  test('usage errors exit 2', () => {
    const store = tempDir();
    const unknown = cli('sync', '--store', store, '--bogus');
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown option '--bogus'/);
    const notNumber = cli('seed', '--store', store, '--count', 'abc');
    assert.equal(notNumber.code, 2);
    assert.match(notNumber.stderr, /--count/);
    assert.equal(cli('seed', '--count', '5').code, 2, '--store is required');
    assert.equal(cli('frobnicate').code, 2);
  });

  test('a failure prints one line on stderr and exits 1', () => {
    const store = tempDir();
    json('seed', '--store', store, '--count', '3');
    const r = cli('sync', '--store', store, '--remote', 'ftp://x');
    assert.equal(r.code, 1);
    const lines = r.stderr.split('\n').filter(Boolean);
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0], /^session-sync: .*ftp:/);
    const missing = cli('status', '--store', path.join(store, 'nope'));
    assert.equal(missing.code, 1);
    assert.equal(missing.stderr.split('\n').filter(Boolean).length, 1);
  });

  test('export, import into an empty store, export again: byte-identical', () => {
    const a = tempDir();
    const b = tempDir();
    json('seed', '--store', a, '--count', '60');
    json('mutate', '--store', a, '--fraction', '0.3');
    const exported = cli('export', '--store', a);
    assert.equal(exported.code, 0, exported.stderr);
    assert.equal(exported.stdout.split('\n').filter(Boolean).length, 60);
    const file = path.join(b, 'sessions.jsonl');
    fs.writeFileSync(file, exported.stdout);
    assert.deepEqual(json('import', '--store', b, file), { read: 60, changed: 60 });
    assert.equal(cli('export', '--store', b).stdout, exported.stdout);
  });

  test('a malformed import line is reported by number and nothing is imported', () => {
    const a = tempDir();
    const b = tempDir();
    json('seed', '--store', a, '--count', '4');
    const lines = cli('export', '--store', a).stdout.split('\n').filter(Boolean);
    lines[2] = lines[2].replace('"events":[', '"events":[{"t":"soon","kind":"edit"},');
    const file = path.join(b, 'bad.jsonl');
    fs.writeFileSync(file, `${lines.join('\n')}\n`);
    const r = cli('import', '--store', b, file);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /line 3/);
    assert.equal(r.stderr.split('\n').filter(Boolean).length, 1, r.stderr);
    assert.equal(json('status', '--store', b).sessions, 0);
  });

  test('sync killed halfway: status shows the checkpoint, the next sync resumes, nothing is duplicated', async () => {
    const store = tempDir();
    json('seed', '--store', store, '--count', '1500');
    const child = spawn(process.execPath, [CLI, 'sync', '--store', store, '--json', '--batch-size', '50',
      '--concurrency', '1'], { env: cleanEnv(), stdio: 'ignore' });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_c, sig) => resolve(sig)));
    const completed = await waitForCompletedBatches(store, 5, exited);
    child.kill('SIGKILL');
    assert.equal(await exited, 'SIGKILL', 'the sync was still running when killed');
    assert.ok(completed < 30);

    const status = json<{ sessions: number; checkpoint: { batches: number; completed: number; records: number } }>(
      'status', '--store', store);
    assert.equal(status.sessions, 1500);
    assert.equal(status.checkpoint?.batches, 30);
    assert.equal(status.checkpoint?.records, 1500);
    assert.ok(status.checkpoint.completed >= 5, JSON.stringify(status.checkpoint));

    // The dead process cannot refresh its lock any more; age it past the stale time instead of waiting 15 s.
    const past = new Date(Date.now() - 20_000);
    fs.utimesSync(`${lockTarget(store)}.lock`, past, past);
    const resumed = json('sync', '--store', store, '--batch-size', '50', '--concurrency', '1');
    assert.equal(resumed.result, 'ok', String(resumed.error));
    assert.equal(resumed.resumed, true);
    assert.ok((resumed.skippedBatches as number) >= 5);
    assert.ok((resumed.sent as number) < 1500, 'the committed batches were not sent again');
    assert.equal(fs.existsSync(checkpointPath(store)), false);
    assert.equal(json('status', '--store', store).pending, 0);

    const v = cli('verify', '--store', store, '--json');
    assert.equal(v.code, 0, v.stdout + v.stderr);
    const report = JSON.parse(v.stdout) as { local: number; remote: number };
    assert.deepEqual([report.local, report.remote], [1500, 1500]);
    assert.equal(await remoteScalar(store, 'SELECT count(*) FROM sessions'), 1500);
    assert.equal(await remoteScalar(store, 'SELECT sum(records) FROM sync_batches'), 1500,
      'every session went through exactly one committed batch');
  });
});

describe('session-sync CLI after a crash or beside a live owner', () => {
  test('a write command right after a killed sync takes over the dead lock', async () => {
    const store = tempDir();
    json('seed', '--store', store, '--count', '300');
    const child = spawn(process.execPath, [CLI, 'sync', '--store', store, '--json', '--batch-size', '20',
      '--concurrency', '1'], { env: cleanEnv(), stdio: 'ignore' });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_c, sig) => resolve(sig)));
    await waitForCompletedBatches(store, 1, exited);
    child.kill('SIGKILL');
    assert.equal(await exited, 'SIGKILL');
    const r = cli('seed', '--store', store, '--count', '1');
    assert.equal(r.code, 0, r.stderr);
  });

  test('read-only commands leave alone the temp file of a store save still in progress', () => {
    const store = tempDir();
    json('seed', '--store', store, '--count', '2');
    json('sync', '--store', store);
    // Named as writeFileAtomic names it, with the pid of a process that is alive (this one).
    const tmp = path.join(store, `.sessions.sqlite.${process.pid}.0badcafe.tmp`);
    fs.writeFileSync(tmp, 'a save in progress');
    // Each command must also do its job beside the temp file: exit 0 with its usual output.
    const expected: [string[], RegExp][] = [[['status', '--json'], /"sessions":2,"pending":0\b/],
      [['export'], /^(\{.*\}\n){2}$/], [['verify', '--json'], /"local":2,"remote":2,"archived":0,"missing":0\b/]];
    for (const [[command, ...flags], output] of expected) {
      const r = cli(command, '--store', store, ...flags);
      assert.equal(r.code, 0, `${command} exited ${r.code}: ${r.stderr}`);
      assert.match(r.stdout, output, `${command} printed: ${r.stdout.slice(0, 300)}`);
      assert.ok(fs.existsSync(tmp), `${command} removed a live writer's temp file`);
    }
  });
});

/** Polls the checkpoint until `want` batches are completed; fails if the process ends first. */
async function waitForCompletedBatches(store: string, want: number, exited: Promise<unknown>): Promise<number> {
  let done = false;
  void exited.then(() => { done = true; });
  const deadline = Date.now() + 60_000;
  while (!done && Date.now() < deadline) {
    try {
      const cp = JSON.parse(fs.readFileSync(checkpointPath(store), 'utf8')) as Checkpoint;
      const completed = cp.batches.filter((b) => b.completed).length;
      if (completed >= want) return completed;
    } catch { /* not written yet */ }
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(done ? 'sync finished before it could be killed' : 'no progress in 60 s');
}
