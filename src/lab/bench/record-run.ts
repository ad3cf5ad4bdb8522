// `session-sync record`: synthetic editor activity driven through the extension's own recording path
// (SessionBuilder -> SnapshotThrottle -> SharedStore -> SessionStore) with auto-sync, measuring what the steady state
// costs: bytes written to disk, CPU per snapshot, event-loop stalls, and what each sync sent.
import * as fs from 'node:fs';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { Rng } from '../rng';
import type { Activity } from '../../core/session-builder';
import { SessionBuilder } from '../../core/session-builder';
import { SnapshotThrottle } from '../../core/snapshot-throttle';
import { SharedStore } from '../../core/store/shared-store';
import type { OpenOptions, StoreIo } from '../../core/store/session-store';
import type { Remote } from '../../core/remote/connect';
import { runSync } from '../../core/sync/engine';
import { SESSIONS_TABLE } from '../../core/remote/sessions-table';

export interface RecordOptions {
  storeDir: string;
  /** Where auto-sync goes; undefined: no sync. The caller owns (and closes) it. */
  remote?: () => Remote;
  intervalSeconds: number;
  /** Activities a second (keystroke bursts, saves, focus changes). */
  rate: number;
  seconds: number;
  /** The open session already holds this many events when measuring starts. */
  initialEvents: number;
  seed: string;
  throttleMs?: number;
  persistence?: OpenOptions['persistence'];
  /** Called once the store is open and recording starts. */
  onStart?: () => void;
  /** Ends the recording early (Ctrl-C); the report covers what was recorded. */
  signal?: AbortSignal;
}

export interface RecordReport {
  seconds: number;
  activities: number;
  snapshots: number;
  sessionsInStore: number;
  openSessionEvents: number;
  store: StoreIo;
  /** Bytes this process caused to be written to disk (/proc/self/io write_bytes): every file, the store's and the checkpoint's. */
  diskBytes: number | null;
  /** CPU time of one snapshot on the main thread: taking it from the builder and handing it to the store. */
  snapshotMs: { p50: number; p99: number; max: number };
  stallMs: { max: number; p99: number };
  syncs: number;
  syncFailures: number;
  bytesSent: number;
  /** Canonical JSON bytes of the records the syncs sent: what whole records would have cost. */
  bytesRaw: number;
  rowsWritten: number | null;
  syncMs: { max: number };
}

const WORKSPACE = 'record-bench';

export async function runRecord(opts: RecordOptions): Promise<RecordReport> {
  const rng = Rng.from(opts.seed);
  const shared = await SharedStore.start(opts.storeDir, {}, { persistence: opts.persistence });
  const store = shared.owned;
  if (!store) {
    await shared.dispose();
    throw new Error(`The session store in ${opts.storeDir} is in use by another process; close it and try again.`);
  }
  const builder = new SessionBuilder({ workspace: WORKSPACE, branch: () => 'main', newId: () => `rec-${opts.seed}-${Date.now()}`,
    idleTimeoutMs: 24 * 3600_000 });
  // As the extension does at start-up (its status bar shows the pending count): the one query over the store.
  store.pendingCount(SESSIONS_TABLE);
  await preload(builder, shared, opts.initialEvents, rng.child('initial'));
  // The steady state starts from a synced store: a long open session was synced as it grew, not all at once.
  if (opts.remote && opts.initialEvents > 0) await syncOnce(store, opts.remote, newSyncTotals());

  // A snapshot's cost: taking it from the builder plus handing it to the store (synchronous for the owner).
  const snapshotTimes: number[] = [];
  let takeMs = 0;
  let emitted = 0;
  const throttle = new SnapshotThrottle({
    throttleMs: opts.throttleMs ?? 1000,
    current: () => {
      const t0 = performance.now();
      const s = builder.current();
      takeMs = performance.now() - t0;
      return s;
    },
    emit: (s) => {
      const t0 = performance.now();
      emitted++;
      void shared.put(s);
      snapshotTimes.push(takeMs + performance.now() - t0);
    },
  });
  const ioBefore = { ...store.io };
  const diskBefore = diskWritten();
  const delay = monitorEventLoopDelay({ resolution: 5 });
  delay.enable();
  const sync = newSyncTotals();
  let activities = 0;
  const started = Date.now();
  const activityRng = rng.child('activity');
  const perActivityMs = 1000 / opts.rate;
  let nextSync = started + opts.intervalSeconds * 1000;
  let syncing: Promise<void> | undefined;

  opts.onStart?.();
  while (Date.now() - started < opts.seconds * 1000 && !opts.signal?.aborted) {
    const id = builder.apply(randomActivity(activityRng), Date.now());
    activities++;
    if (id) throttle.changed(id);
    if (opts.remote && !syncing && Date.now() >= nextSync) {
      nextSync = Date.now() + opts.intervalSeconds * 1000;
      syncing = syncOnce(store, opts.remote, sync).finally(() => { syncing = undefined; });
    }
    await sleep(perActivityMs);
  }
  delay.disable();
  throttle.cancel();
  const final = builder.current();
  if (final) await shared.put(final);
  await syncing;
  const seconds = (Date.now() - started) / 1000;
  await store.flush();
  const diskAfter = diskWritten();
  const report: RecordReport = {
    seconds, activities, snapshots: emitted, sessionsInStore: store.count(), openSessionEvents: final?.events.length ?? 0,
    store: diffIo(store.io, ioBefore),
    diskBytes: diskBefore === null || diskAfter === null ? null : diskAfter - diskBefore,
    snapshotMs: summarize(snapshotTimes), stallMs: { max: delay.max / 1e6, p99: delay.percentile(99) / 1e6 },
    syncs: sync.runs, syncFailures: sync.failures, bytesSent: sync.bytesSent, bytesRaw: sync.bytesRaw,
    rowsWritten: sync.rowsWritten, syncMs: { max: sync.maxMs },
  };
  await shared.dispose();
  return report;
}

/** The open session before measuring: `events` activities spread over the past, stored once. */
async function preload(builder: SessionBuilder, shared: SharedStore, events: number, rng: Rng): Promise<void> {
  if (events <= 0) return;
  let t = Date.now() - events * 1500;
  while ((builder.current()?.events.length ?? 0) < events) {
    t += 1500;
    builder.apply(randomActivity(rng, true), t);
  }
  await shared.put(builder.current()!);
  await shared.owned!.flush();
}

const FILES = Array.from({ length: 60 }, (_, i) => `src/module${i % 12}/part${i}.ts`);

/** Mostly edit bursts, with saves, file switches and the odd focus change, as a developer's hour looks. */
function randomActivity(rng: Rng, distinctEvents = false): Activity {
  const file = rng.pick(FILES);
  const kind = rng.weighted<Activity['kind']>([['edit', distinctEvents ? 40 : 85], ['save', 8], ['open', 4], ['focus', 2], ['blur', 1]]);
  if (kind === 'edit') return { kind, file, language: 'typescript', added: rng.int(0, 40), removed: rng.int(0, 8) };
  return { kind, file, language: 'typescript' };
}

interface SyncTotals { runs: number; failures: number; bytesSent: number; bytesRaw: number; rowsWritten: number | null; maxMs: number }

const newSyncTotals = (): SyncTotals => ({ runs: 0, failures: 0, bytesSent: 0, bytesRaw: 0, rowsWritten: null, maxMs: 0 });

async function syncOnce(store: NonNullable<SharedStore['owned']>, open: () => Remote, totals: SyncTotals): Promise<void> {
  const remote = open();
  try {
    const r = await runSync(store, remote);
    totals.runs++;
    if (r.result !== 'ok') totals.failures++;
    totals.bytesSent += r.bytesSent;
    totals.bytesRaw += r.bytesRaw;
    if (r.rowsWritten !== null) totals.rowsWritten = (totals.rowsWritten ?? 0) + r.rowsWritten;
    totals.maxMs = Math.max(totals.maxMs, r.durationMs);
  } finally {
    remote.close();
  }
}

function diffIo(now: StoreIo, before: StoreIo): StoreIo {
  return {
    journalBytes: now.journalBytes - before.journalBytes, journalCommits: now.journalCommits - before.journalCommits,
    snapshotBytes: now.snapshotBytes - before.snapshotBytes, compactions: now.compactions - before.compactions,
  };
}

function summarize(ms: number[]): { p50: number; p99: number; max: number } {
  if (!ms.length) return { p50: 0, p99: 0, max: 0 };
  const sorted = [...ms].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return { p50: at(0.5), p99: at(0.99), max: sorted[sorted.length - 1] };
}

/** Bytes this process has caused to be written to storage so far, or null where the kernel does not say. */
function diskWritten(): number | null {
  try {
    const m = /^write_bytes:\s*(\d+)/m.exec(fs.readFileSync('/proc/self/io', 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
