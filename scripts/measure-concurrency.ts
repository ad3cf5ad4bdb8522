// Parallel uploads and resume, measured: concurrency 4 vs 1 and the cost of resuming after an interruption at 50%, through the
// shaped proxy (50 ms RTT, optional bandwidth cap) to a fresh real sqld per run. Wire bytes are counted at the proxy.
// Run: node --import tsx scripts/measure-concurrency.ts [count=10000] [mbit=0]   (REPEAT=n pairs of c1/c4 runs, 3 by default;
//   RATIO_ONLY=1 skips the resume part; ENCODE_FREE=1 takes encoding out of the measured runs, see makeEncodingFree)
import { execSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SessionStore, STORE_FILE } from '../src/core/store/session-store';
import { Remote } from '../src/core/remote/connect';
import { runSync, type SyncReport } from '../src/core/sync/engine';
import type { SyncOptions } from '../src/core/sync/context';
import { verifyPassed, verifyRemote } from '../src/core/sync/verify';
import { archivedIdsIn } from '../src/core/archive/archive';
import { iterateSessions } from '../src/lab/generator';
import type { Session } from '../src/core/model';
import { startSqld, type SqldServer } from '../src/lab/bench/sqld-process';
import { startShapedProxy, type ShapedProxy } from '../src/lab/shaped-proxy';
import { EncodePool } from '../src/core/sync/encode-pool';
import type { EncodedRecord } from '../src/core/sync/encode-task';

const COUNT = Number(process.argv[2] ?? 10_000);
const MBIT = Number(process.argv[3] ?? 0);
const REPEAT = Number(process.env.REPEAT ?? 3);
const SHAPE = { rttMs: 50, mbit: MBIT > 0 ? MBIT : undefined };
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'measure-issue4-'));

interface Link { server: SqldServer; proxy: ShapedProxy; remote: Remote }

async function link(): Promise<Link> {
  const server = await startSqld();
  const proxy = await startShapedProxy({ target: { host: '127.0.0.1', port: Number(new URL(server.httpUrl).port) }, ...SHAPE });
  return { server, proxy, remote: new Remote({ url: proxy.url('http') }) };
}

async function unlink(l: Link): Promise<void> {
  l.remote.close();
  await l.proxy.close();
  await l.server.stop();
}

/** A store in its own folder: a copy of a store file, or filled from sessions streamed one at a time. */
async function storeOf(name: string, sessions: Iterable<Session> | string): Promise<SessionStore> {
  const dir = path.join(root, name);
  fs.mkdirSync(dir);
  if (typeof sessions === 'string') fs.copyFileSync(sessions, path.join(dir, STORE_FILE));
  const { store } = await SessionStore.open(dir);
  if (typeof sessions !== 'string') store.upsertMany(sessions);
  await store.flush();
  return store;
}

interface Measured { label: string; ms: number; up: number; down: number; report: SyncReport }

/** CPU seconds a process has used so far (user + system), read from /proc: how busy the server was. */
function processCpuMs(pid: number): number {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10; // utime, stime in ticks of 10 ms
  } catch {
    return NaN;
  }
}

async function measure(label: string, store: SessionStore, l: Link, opts: Partial<SyncOptions>): Promise<Measured> {
  l.proxy.resetStats();
  const cpu0 = process.cpuUsage();
  const server0 = processCpuMs(l.server.pid);
  const report = await runSync(store, l.remote, opts);
  const cpu = process.cpuUsage(cpu0);
  const serverMs = processCpuMs(l.server.pid) - server0;
  const s = l.proxy.stats();
  const m = { label, ms: report.durationMs, up: s.bytesUp, down: s.bytesDown, report };
  const r = report;
  console.log(`${label}: ${r.result} ${r.durationMs} ms, sent ${r.sent}, batches ${r.batches}, skippedBatches ` +
    `${r.skippedBatches}, reconciled ${r.reconciled}, wire up ${s.bytesUp} B / down ${s.bytesDown} B, ` +
    `bytesSent ${r.bytesSent}, roundTrips ${r.roundTrips}, phases ${JSON.stringify(r.phases)}; CPU: this process ` +
    `(client, its encode workers and the proxy) ${Math.round((cpu.user + cpu.system) / 1000)} ms, sqld ${serverMs} ms`);
  return m;
}

async function assertVerified(store: SessionStore, l: Link): Promise<void> {
  const direct = new Remote({ url: l.server.httpUrl });
  const v = await verifyRemote(store, direct, () => archivedIdsIn(store.dir));
  direct.close();
  if (!verifyPassed(v)) throw new Error(`verify failed: ${JSON.stringify(v)}`);
}

async function fullRun(label: string, seedFile: string, concurrency: number): Promise<Measured> {
  const l = await link();
  const store = await storeOf(label, seedFile);
  const m = await measure(label, store, l, { concurrency });
  await assertVerified(store, l);
  await store.close();
  await unlink(l);
  return m;
}

/** Interrupts at 50% of batches, resumes, and returns the resumed run plus the ids that were left. */
async function resumeRun(seedFile: string): Promise<{ interrupted: Measured; resumed: Measured; left: string[] }> {
  const l = await link();
  const store = await storeOf('resume', seedFile);
  const abort = new AbortController();
  const interrupted = await measure('interrupted at 50% (c4)', store, l, { concurrency: 4, signal: abort.signal,
    onProgress: (p) => { if (p.batchesDone >= p.batchesTotal / 2) abort.abort(); } });
  const left = store.pending('sessions').map((p) => p.id);
  console.log(`left after the interruption: ${left.length} sessions`);
  const resumed = await measure('resumed (c4)', store, l, { concurrency: 4 });
  await assertVerified(store, l);
  await store.close();
  await unlink(l);
  return { interrupted, resumed, left };
}

async function freshOf(label: string, sessions: Iterable<Session>): Promise<Measured> {
  const l = await link();
  const store = await storeOf(label, sessions);
  const m = await measure(label, store, l, { concurrency: 4 });
  await store.close();
  await unlink(l);
  return m;
}

async function main(): Promise<void> {
  const tree = execSync('git log -1 --format=%h').toString().trim();
  const dirty = execSync('git status --porcelain src').toString().trim() ? ' plus uncommitted changes in src/' : '';
  console.log(`tree ${tree}${dirty}; ${COUNT} sessions; shape ${JSON.stringify(SHAPE)}; ${os.cpus().length} cpus`);
  const t0 = performance.now();
  // Streamed into the store, so this process holds no 10,000 sessions in memory (the CLI does not either, and
  // a large heap would tax every garbage collection of the measured runs).
  const seed = await storeOf('seed', iterateSessions({ count: COUNT, seed: 'measure-issue4', now: Date.UTC(2025, 5, 1) }));
  await seed.close();
  const seedFile = path.join(root, 'seed', STORE_FILE);
  console.log(`seeded in ${Math.round(performance.now() - t0)} ms, store ${fs.statSync(seedFile).size} B`);

  if (process.env.ENCODE_FREE) await makeEncodingFree(seedFile);
  // Alternating pairs, because run-to-run spread on a shared 2-core machine is large (the same run has taken
  // 15.7 s and 18.5 s): each pair's ratio is printed, and the median of them all.
  const ratios: number[] = [];
  let c4: Measured | undefined;
  for (let i = 1; i <= REPEAT; i++) {
    const c1 = await fullRun(`full c1 (pair ${i})`, seedFile, 1);
    c4 = await fullRun(`full c4 (pair ${i})`, seedFile, 4);
    ratios.push(c1.ms / c4.ms);
    console.log(`pair ${i}: c1/c4 duration ${(c1.ms / c4.ms).toFixed(2)}x`);
  }
  ratios.sort((a, b) => a - b);
  console.log(`RATIO c1/c4 duration, median of ${REPEAT}: ${ratios[Math.floor(REPEAT / 2)].toFixed(2)}x ` +
    `(all: ${ratios.map((r) => r.toFixed(2)).join(', ')})`);

  if (!process.env.RATIO_ONLY) await measureResume(seedFile, c4!);
  fs.rmSync(root, { recursive: true, force: true });
}

/**
 * Diagnostic (ENCODE_FREE=1): the encode workers answer from a memo filled by a warm-up run, so the runs
 * measured after it pay no encoding CPU and show what the upload stage alone gains from concurrency.
 */
async function makeEncodingFree(seedFile: string): Promise<void> {
  const memo = new Map<string, EncodedRecord[]>();
  const encode = EncodePool.prototype.encode;
  EncodePool.prototype.encode = async function memoized(this: EncodePool, task) {
    const key = task.records.map((r) => r.id).join(',');
    if (!memo.has(key)) memo.set(key, await encode.call(this, task));
    return memo.get(key)!;
  };
  await fullRun('warm-up c1 (fills the encode memo)', seedFile, 1);
}

/** The resumed run after an interruption at 50%, against a fresh sync of exactly what was left. */
async function measureResume(seedFile: string, c4: Measured): Promise<void> {
  const { resumed, left } = await resumeRun(seedFile);
  const { store: seed } = await SessionStore.open(path.dirname(seedFile), { readOnly: true });
  const remaining = left.map((id) => seed.get(id)!);
  await seed.close();
  const half = await freshOf('fresh sync of exactly the remaining sessions (c4)', remaining);
  console.log(`RESUME vs fresh remaining: time ${(resumed.ms / half.ms).toFixed(2)}x, wire up ` +
    `${(resumed.up / half.up).toFixed(3)}x, down ${(resumed.down / half.down).toFixed(3)}x`);
  console.log(`RESUME vs half of full c4: time ${(resumed.ms / (c4.ms / 2)).toFixed(2)}x, wire up ` +
    `${(resumed.up / (c4.up / 2)).toFixed(3)}x`);
}

main().catch((err) => {
  console.error(err);
  fs.rmSync(root, { recursive: true, force: true });
  process.exitCode = 1;
});
