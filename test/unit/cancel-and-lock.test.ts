// Cancellation and the one-sync-at-a-time rule, as a user meets them: Ctrl-C on a running `session-sync sync`, and
// two commands (or a VS Code window and a command) on the same store at once. Runs the built bundle (dist/cli.js).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createClient } from '@libsql/client';
import { embeddedRemoteUrl } from '../../src/core/remote/target';
import { checkpointProgress, loadCheckpoint } from '../../src/core/sync/checkpoint';
import { acquireOwnerLock } from '../../src/core/store/owner-lock';

const ROOT = path.resolve(__dirname, '../..');
const CLI = path.join(ROOT, 'dist/cli.js');
const dirs: string[] = [];

before(() => {
  execFileSync(process.execPath, ['esbuild.js'], { cwd: ROOT, stdio: 'inherit' });
});

after(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('SESSION_SYNC_')));
}

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** When the process ended (ms epoch). */
  endedAt: number;
}

/** A CLI process in the background: `done` settles when it exits. */
function start(...args: string[]): { pid: number; done: Promise<Run>; kill(sig: NodeJS.Signals): void } {
  const child = spawn(process.execPath, [CLI, ...args], { env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
  const done = new Promise<Run>((resolve) => child.once('close', (code, signal) =>
    resolve({ code, signal, stdout, stderr, endedAt: Date.now() })));
  return { pid: child.pid ?? -1, done, kill: (sig) => void child.kill(sig) };
}

function cli(...args: string[]): Run {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: cleanEnv(), timeout: 90_000 });
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr, endedAt: Date.now() };
}

function json<T = Record<string, unknown>>(...args: string[]): T {
  const r = cli(...args, '--json');
  assert.equal(r.code, 0, `${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

function seededStore(count: number): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'cancel-lock-'));
  dirs.push(d);
  json('seed', '--store', d, '--count', String(count));
  return d;
}

async function sumCommitted(store: string): Promise<number> {
  const client = createClient({ url: embeddedRemoteUrl(store) });
  try {
    return Number((await client.execute('SELECT sum(records) FROM sync_batches')).rows[0][0]);
  } finally {
    client.close();
  }
}

function assertVerified(store: string, count: number): void {
  const v = cli('verify', '--store', store, '--json');
  assert.equal(v.code, 0, v.stdout + v.stderr);
  const r = JSON.parse(v.stdout) as { local: number; remote: number };
  assert.deepEqual([r.local, r.remote], [count, count]);
}

/** Polls until the running sync's checkpoint shows `want` completed batches; fails if the process ends first. */
async function untilCompleted(store: string, want: number, done: Promise<Run>): Promise<void> {
  let ended = false;
  void done.then(() => { ended = true; });
  for (const deadline = Date.now() + 60_000; Date.now() < deadline;) {
    if (ended) throw new Error('the sync ended before it reached the wanted progress');
    if ((checkpointProgress(store)?.completed ?? 0) >= want) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('no progress in 60 s');
}

type Progress = { batches: number; completed: number; records: number };

describe('Ctrl-C on a running sync', () => {
  test('SIGINT: exit 1 with one line saying so, a valid checkpoint that status shows, and the next sync resumes it',
    { timeout: 90_000 }, async () => {
      const store = seededStore(1500);
      const sync = start('sync', '--store', store, '--batch-size', '25');
      await untilCompleted(store, 3, sync.done);
      const during = json<{ checkpoint: Progress | null }>('status', '--store', store);
      assert.equal(during.checkpoint?.batches, 60, 'status shows the running sync\'s checkpoint');
      assert.equal(during.checkpoint?.records, 1500);
      assert.ok(during.checkpoint.completed >= 3);

      sync.kill('SIGINT');
      const r = await sync.done;
      assert.equal(r.signal, null, 'the CLI handled SIGINT itself');
      assert.equal(r.code, 1);
      const lines = r.stderr.split('\n').filter(Boolean);
      assert.equal(lines.length, 1, `stderr: ${r.stderr}`);
      assert.match(lines[0], /cancel/i);

      const loaded = loadCheckpoint(store, embeddedRemoteUrl(store), 'optimized');
      assert.equal(loaded.discarded, undefined);
      const completed = loaded.checkpoint!.batches.filter((b) => b.completed).length;
      assert.ok(completed >= 3 && completed < 60, `${completed} of 60 batches completed`);
      const status = json<{ checkpoint: Progress | null; pending: number }>('status', '--store', store);
      assert.deepEqual(status.checkpoint, { batches: 60, completed, records: 1500 });
      assert.equal(status.pending, 1500 - completed * 25, 'the batches that settled are saved as synced');

      const resumed = json('sync', '--store', store, '--batch-size', '25');
      assert.equal(resumed.result, 'ok', String(resumed.error));
      assert.equal(resumed.resumed, true);
      assert.equal(resumed.skippedBatches, completed);
      assert.equal(resumed.sent, 1500 - completed * 25, 'completed batches were not sent again');
      assert.equal(checkpointProgress(store), null);
      assertVerified(store, 1500);
      assert.equal(await sumCommitted(store), 1500, 'each session was committed once');
    });
});

describe('one sync at a time per store', () => {
  test('two syncs started together: the second waits for the first (or says the store is in use), nothing breaks',
    { timeout: 90_000 }, async (t) => {
      const store = seededStore(600);
      const first = start('sync', '--store', store, '--json', '--batch-size', '25');
      await untilCompleted(store, 1, first.done);
      const second = start('sync', '--store', store, '--json', '--batch-size', '25');
      const [a, b] = await Promise.all([first.done, second.done]);
      t.diagnostic(`second sync: exit ${b.code}, ${b.code === 0 ? 'waited for the first' : b.stderr.trim()}`);
      assert.equal(a.code, 0, a.stderr);
      assert.equal((JSON.parse(a.stdout) as { sent: number }).sent, 600);
      if (b.code === 0) {
        const report = JSON.parse(b.stdout) as { result: string; sent: number };
        assert.equal(report.result, 'ok');
        assert.equal(report.sent, 0, 'the second sync ran after the first, and found nothing left to send');
        assert.ok(b.endedAt >= a.endedAt);
      } else {
        assert.equal(b.code, 1);
        assert.match(b.stderr.trim(), /^session-sync: The session store in .* is in use by another process/);
      }
      assertVerified(store, 600);
      assert.equal(await sumCommitted(store), 600, 'no session was committed by both');
    });

  test('a store held by a live process: sync waits 10 s, then exits 1 with the "in use" line and changes nothing',
    { timeout: 60_000 }, async () => {
      const store = seededStore(20);
      const lock = await acquireOwnerLock(store);
      const started = Date.now();
      let r: Run;
      try {
        r = await start('sync', '--store', store).done;
      } finally {
        await lock.release();
      }
      const waited = r.endedAt - started;
      assert.equal(r.code, 1);
      assert.equal(r.stderr.split('\n').filter(Boolean).length, 1, r.stderr);
      assert.match(r.stderr, /is in use by another process/);
      // At least the 10 s it promises; that it gives up at all is the exit code above (no upper bound: a shared
      // machine may be slow to start the process).
      assert.ok(waited >= 9_500, `waited ${waited} ms`);
      assert.equal(json('status', '--store', store).pending, 20);
      // The CLI opens (so creates) the embedded remote file before it takes the lock; no table may be in it.
      const remoteFile = path.join(store, 'remote.db');
      assert.ok(!fs.existsSync(remoteFile) || fs.statSync(remoteFile).size === 0, 'nothing reached the remote');
    });

  test('a store released while a sync waits for it: the sync proceeds', { timeout: 60_000 }, async () => {
    const store = seededStore(20);
    const lock = await acquireOwnerLock(store);
    const started = Date.now();
    const sync = start('sync', '--store', store, '--json');
    await new Promise((r) => setTimeout(r, 1_500));
    await lock.release();
    const r = await sync.done;
    assert.equal(r.code, 0, r.stderr);
    assert.equal((JSON.parse(r.stdout) as { sent: number }).sent, 20);
    assert.ok(r.endedAt - started >= 1_500, 'it waited for the lock');
    assertVerified(store, 20);
  });
});
