// The kill loop: a sync of a few thousand sessions SIGKILLed at random moments, resumed each time, and a
// fault-ridden sync to a real libSQL server interrupted again and again. At the end every session is on the remote
// once, `verify` passes, and the commit ledger says how many records were committed (ideally each exactly once).
import { after, before, describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createClient } from '@libsql/client';
import { embeddedRemoteUrl } from '../../src/core/remote/target';
import { checkpointPath, checkpointProgress } from '../../src/core/sync/checkpoint';
import { SessionStore } from '../../src/core/store/session-store';
import { Remote } from '../../src/core/remote/connect';
import { runSync } from '../../src/core/sync/engine';
import { verifyPassed, verifyRemote } from '../../src/core/sync/verify';
import { archivedIdsIn } from '../../src/core/archive/archive';
import { generateSessions } from '../../src/lab/generator';
import { startSqld } from '../support/sqld';
import { seededRng, startFaultProxy, type Fault } from '../support/fault-proxy';

const ROOT = path.resolve(__dirname, '../..');
const CLI = path.join(ROOT, 'dist/cli.js');
const SESSIONS = 3000;
const KILLS = 20;
/**
 * Kill delays are fractions of T, the expected length of one whole sync, estimated as twice the time `seed` took
 * (measured on this project's 2-core machine: seed 3.4 s / sync 6.9 s idle, 6 s / 12 s under load), so the loop
 * behaves the same on a fast or a busy machine. A sync spends ~0.1 T opening and planning; a resumed one first
 * re-checks every record of the completed batches. Half the kills fall in [0.01, 0.12] T (start-up, planning, that
 * re-check), half in [0.12, 0.37] T (uploads): 20 runs of ~0.19 T each leave work for the final run.
 */
function killDelay(rng: () => number, expectedMs: number): number {
  const [lo, hi] = rng() < 0.5 ? [0.01, 0.12] : [0.12, 0.37];
  return Math.round(expectedMs * (lo + rng() * (hi - lo)));
}
const cleanups: (() => Promise<void> | void)[] = [];

after(async () => {
  for (const c of cleanups.reverse()) await c();
});

function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('SESSION_SYNC_')));
}

function tempDir(prefix: string): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  cleanups.push(() => fs.rmSync(d, { recursive: true, force: true }));
  return d;
}

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI; with `killAfterMs` it is SIGKILLed if still running by then. */
function cli(args: string[], killAfterMs?: number): Run {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: cleanEnv(), timeout: killAfterMs ?? 120_000,
    killSignal: 'SIGKILL', maxBuffer: 64 * 1024 * 1024 });
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

async function remoteRows(url: string, sql: string): Promise<unknown[][]> {
  const client = createClient({ url });
  try {
    return (await client.execute(sql)).rows.map((r) => Array.from(r));
  } finally {
    client.close();
  }
}

before(() => {
  execFileSync(process.execPath, ['esbuild.js'], { cwd: ROOT, stdio: 'inherit' });
});

/** What the checkpoint said when a run was killed, for the log. */
function stage(store: string): string {
  const p = checkpointProgress(store);
  return p ? `${p.completed}/${p.batches}` : 'no checkpoint';
}

/** The ledger rows committed in each time window, to tell which run committed records a second time. */
async function committedPerWindow(url: string, windows: { from: number; to: number }[]): Promise<number[]> {
  const rows = await remoteRows(url, 'SELECT committed_at, records FROM sync_batches');
  return windows.map((w) => rows.filter((r) => Number(r[0]) >= w.from && Number(r[0]) <= w.to)
    .reduce((n, r) => n + Number(r[1]), 0));
}

describe('kill loop', () => {
  test(`CLI sync of ${SESSIONS} sessions SIGKILLed ${KILLS}+ times at random moments, then resumed to the end`,
    { timeout: 120_000 }, async (t: TestContext) => {
      const store = tempDir('kill-loop-');
      const seedStart = Date.now();
      const seeded = cli(['seed', '--store', store, '--count', String(SESSIONS), '--json']);
      assert.equal(seeded.code, 0, seeded.stderr);
      const expectedMs = 2 * (Date.now() - seedStart);
      const rng = seededRng(20250601);
      const args = ['sync', '--store', store, '--json', '--batch-size', '25'];
      const windows: { from: number; to: number }[] = [];
      const log: string[] = [];
      let kills = 0;
      let changed = SESSIONS;
      for (let i = 0; kills < KILLS; i++) {
        const delay = killDelay(rng, expectedMs);
        const from = Date.now();
        const r = cli(args, delay);
        windows.push({ from, to: Date.now() });
        if (r.signal === 'SIGKILL') {
          kills++;
        } else {
          // Resumed runs are short: one that finished before its kill gets new work (continued sessions).
          assert.equal(r.code, 0, r.stderr);
          const m = cli(['mutate', '--store', store, '--fraction', '0.1', '--rng', String(i), '--json']);
          changed += (JSON.parse(m.stdout) as { changed: number }).changed;
        }
        log.push(`${delay}ms->${stage(store)}`);
      }
      assert.ok(kills >= KILLS);

      const from = Date.now();
      const final = cli(args);
      windows.push({ from, to: Date.now() });
      assert.equal(final.code, 0, final.stderr);
      const report = JSON.parse(final.stdout) as { result: string; resumed: boolean; reconciled: number; sent: number };
      assert.equal(report.result, 'ok');
      assert.equal(checkpointProgress(store), null, 'the finished sync removed its checkpoint');

      const verify = cli(['verify', '--store', store, '--json']);
      assert.equal(verify.code, 0, verify.stdout + verify.stderr);
      const v = JSON.parse(verify.stdout) as { local: number; remote: number };
      assert.deepEqual([v.local, v.remote], [SESSIONS, SESSIONS]);

      const url = embeddedRemoteUrl(store);
      const [[count, distinct]] = await remoteRows(url, 'SELECT count(*), count(DISTINCT id) FROM sessions');
      assert.deepEqual([Number(count), Number(distinct)], [SESSIONS, SESSIONS], 'no session is on the remote twice');
      const [[sum]] = await remoteRows(url, 'SELECT sum(records) FROM sync_batches');
      const excess = Number(sum) - changed;
      t.diagnostic(`expected sync ${expectedMs} ms; kills (delay->checkpoint completed/planned): ${log.join(' ')}`);
      t.diagnostic(`final run: sent ${report.sent}, reconciled ${report.reconciled}, resumed ${report.resumed}`);
      t.diagnostic(`records committed: ${sum} for ${changed} records changed (excess ${excess})`);
      if (excess > 0) {
        const per = await committedPerWindow(url, windows);
        t.diagnostic(`records committed per run: ${per.join(' ')}`);
      }
      // Each change was committed exactly once, however the kills fell (the diagnostics say where they did).
      assert.equal(excess, 0, `records committed ${sum} for ${changed} records changed`);
    });

  // Known gap (report of issue 4): syncOptimized removes the checkpoint before runSync saves the store, so a kill in
  // between loses the "synced" marks of the last batches and the next run re-sends them under new batch ids.
  test('a kill right after the checkpoint is removed re-sends nothing', {
    timeout: 60_000,
  }, async (t: TestContext) => {
    const count = 1000;
    const store = tempDir('kill-end-');
    assert.equal(cli(['seed', '--store', store, '--count', String(count)]).code, 0);
    const child = spawn(process.execPath, [CLI, 'sync', '--store', store, '--batch-size', '25'], { env: cleanEnv(),
      stdio: 'ignore' });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_c, sig) => resolve(sig)));
    let ended = false;
    void exited.then(() => { ended = true; });
    // Watch for the checkpoint to appear and then vanish: the run is in its last step, saving the store.
    for (let seen = false; !ended;) {
      const exists = fs.existsSync(checkpointPath(store));
      if (seen && !exists) {
        child.kill('SIGKILL');
        break;
      }
      seen ||= exists;
      await new Promise((r) => setImmediate(r));
    }
    assert.equal(await exited, 'SIGKILL', 'killed between removing the checkpoint and saving the store');
    const again = cli(['sync', '--store', store, '--json', '--batch-size', '25']);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(cli(['verify', '--store', store]).code, 0);
    const [[sum]] = await remoteRows(embeddedRemoteUrl(store), 'SELECT sum(records) FROM sync_batches');
    t.diagnostic(`records committed: ${sum} for ${count} sessions; the next run sent ${JSON.parse(again.stdout).sent}`);
    assert.equal(Number(sum), count, 'records whose batch had committed were sent again');
  });

  test('core sync to a real sqld through a proxy failing 20% of requests, aborted at random moments, completes',
    { timeout: 120_000 }, async (t: TestContext) => {
      const count = 1000;
      const server = await startSqld();
      cleanups.push(() => server.stop());
      const proxy = await startFaultProxy({ target: { host: '127.0.0.1', port: Number(new URL(server.httpUrl).port) } });
      cleanups.push(() => proxy.close());
      const rng = seededRng(4);
      const faults: Fault[] = [{ status: 500 }, { status: 429, retryAfterSec: 1 }, 'reset-before', 'reset-after'];
      // Every kind of fault once among the first requests, then a fifth of all requests at random.
      proxy.setSchedule((n) => (n < 8 && n % 2 === 1 ? faults[n >> 1] :
        rng() < 0.2 ? faults[Math.floor(rng() * faults.length)] : 'pass'));

      const dir = tempDir('kill-loop-sqld-');
      const { store } = await SessionStore.open(dir);
      cleanups.push(() => store.close().catch(() => undefined));
      store.upsertMany(generateSessions({ count, seed: 'kill-loop-sqld', now: Date.UTC(2025, 5, 1) }));
      const remote = new Remote({ url: proxy.url });
      cleanups.push(() => remote.close());

      const outcomes: string[] = [];
      // Every run is aborted at a random moment unless it finishes first; they keep coming until one finishes.
      for (let i = 0; i < 200 && !outcomes.at(-1)?.startsWith('ok'); i++) {
        const abort = new AbortController();
        const timer = setTimeout(() => abort.abort(), 20 + Math.round(rng() * 280));
        const r = await runSync(store, remote, { batchSize: 20, signal: abort.signal,
          retry: { attempts: 8, baseDelayMs: 5, maxDelayMs: 50 } });
        clearTimeout(timer);
        outcomes.push(r.result === 'ok' ? `ok(${r.sent}+${r.reconciled})` : `${r.result}(${r.sent})`);
      }
      t.diagnostic(`runs: ${outcomes.join(' ')}`);
      assert.match(outcomes.at(-1)!, /^ok/, 'a run finished once faults stopped mattering');
      assert.ok(outcomes.filter((o) => o.startsWith('cancelled')).length >= 5, 'the sync was interrupted repeatedly');
      const injected = proxy.requests().filter((q) => q.fault !== 'pass').length;
      t.diagnostic(`faults injected: ${injected} of ${proxy.requests().length} requests`);
      assert.ok(injected >= 4, `the proxy injected every kind of fault (${injected})`);
      assert.equal(store.pendingCount('sessions'), 0);

      const direct = new Remote({ url: server.httpUrl });
      cleanups.push(() => direct.close());
      const v = await verifyRemote(store, direct, () => archivedIdsIn(store.dir));
      assert.ok(verifyPassed(v), JSON.stringify(v));
      assert.equal(v.remote, count);
      const [[sum]] = (await direct.execute('SELECT sum(records) FROM sync_batches')).rows.map((r) => Array.from(r));
      t.diagnostic(`records committed: ${sum} for ${count} sessions`);
      assert.equal(Number(sum), count, 'no batch was committed twice: lost replies were recognised through the ledger');
    });
});
