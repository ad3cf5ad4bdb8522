// One strategy against one target at one size: a private copy of the corpus, a fresh remote, then the three syncs
// (initial, after 1% changed, with nothing changed), each watched by the probe and turned into a RunRecord.
import * as os from 'node:os';
import { Remote } from '../../core/remote/connect';
import { embeddedRemoteUrl } from '../../core/remote/target';
import { runSync, type SyncReport } from '../../core/sync/engine';
import { DEFAULT_SYNC_OPTIONS, type Strategy } from '../../core/sync/context';
import type { SessionStore } from '../../core/store/session-store';
import { startShapedProxy, type ShapedProxy } from '../shaped-proxy';
import { startSqld, type SqldServer } from './sqld-process';
import { changeOnePercent, openCopy, removeDir } from './corpus';
import { ALL_CASES } from './plan';
import { probe, round1, type ProbeResult } from './probe';
import { linkLowerBoundMs, nameBottleneck, splitDuration, type LinkSpec } from './bottleneck';
import type { RunCase, RunRecord, Target } from './types';

export interface ScenarioSpec {
  size: number;
  target: Target;
  strategy: Strategy;
  corpusDir: string;
  link: LinkSpec;
  /** The cases to run, in order (default all three). */
  cases?: RunCase[];
}

/** A remote for the target, and how to read the bytes it moved and tear it down. */
export interface Endpoint {
  remote: Remote;
  /** The URL behind `remote` (the shaped link for a server), for opening more clients to it. */
  url?: string;
  /** Bytes up/down since the last reset, counted at the socket when there is one. */
  traffic(report?: SyncReport): { up: number; down: number };
  reset(): void;
  close(): Promise<void>;
}

export async function serverEndpoint(link: LinkSpec): Promise<Endpoint> {
  const server: SqldServer = await startSqld();
  let proxy: ShapedProxy | undefined;
  try {
    proxy = await startShapedProxy({ target: { host: '127.0.0.1', port: Number(new URL(server.httpUrl).port) },
      rttMs: link.rttMs, mbit: link.mbit });
  } catch (err) {
    await server.stop();
    throw err;
  }
  const p = proxy;
  const remote = new Remote({ url: p.url('http') });
  return {
    remote,
    url: p.url('http'),
    traffic: () => ({ up: p.stats().bytesUp, down: p.stats().bytesDown }),
    reset: () => p.resetStats(),
    close: async () => {
      remote.close();
      await p.close();
      await server.stop();
    },
  };
}

function fileEndpoint(dir: string): Endpoint {
  const remote = new Remote({ url: embeddedRemoteUrl(dir) });
  // No socket to count at: the client-side meter counts SQL text and values handed to the native library.
  return { remote, traffic: (r) => ({ up: r?.bytesSent ?? 0, down: 0 }), reset: () => undefined,
    close: async () => remote.close() };
}

function toRecord(spec: ScenarioSpec, c: RunCase, r: SyncReport, t: { up: number; down: number },
  p: ProbeResult): RunRecord {
  const concurrency = spec.strategy === 'naive' ? 1 : DEFAULT_SYNC_OPTIONS.concurrency;
  const lowerBoundMs = spec.target === 'server' ? linkLowerBoundMs(t.up, r.roundTrips, concurrency, spec.link) : null;
  // The optimized strategy encodes in one worker per core (src/core/sync/encode-pool.ts); naive encodes inline.
  const encoders = spec.strategy === 'naive' ? 1 : Math.min(4, os.availableParallelism());
  const split = splitDuration(r.durationMs, r.phases, lowerBoundMs, encoders);
  return {
    size: spec.size, target: spec.target, strategy: spec.strategy, case: c, result: r.result, error: r.error,
    records: r.sent, skipped: r.skipped, batches: r.batches, bytesRaw: r.bytesRaw, bytesUp: t.up, bytesDown: t.down,
    bytesCountedAt: spec.target === 'server' ? 'socket' : 'client', roundTrips: r.roundTrips, concurrency,
    durationMs: r.durationMs, phases: r.phases, lowerBoundMs, split, bottleneck: nameBottleneck(split),
    peakRssMb: p.peakRssMb, rssGrowthMb: p.rssGrowthMb, maxStallMs: p.maxStallMs,
    rowsRead: r.rowsRead, rowsWritten: r.rowsWritten, loadAvg1m: round1(os.loadavg()[0]),
  };
}

async function measured(spec: ScenarioSpec, c: RunCase, store: SessionStore, ep: Endpoint): Promise<RunRecord> {
  ep.reset();
  const { value: report, probe: p } = await probe(() => runSync(store, ep.remote, { strategy: spec.strategy }));
  return toRecord(spec, c, report, ep.traffic(report), p);
}

export async function runScenario(spec: ScenarioSpec): Promise<RunRecord[]> {
  const { store, dir } = await openCopy(spec.corpusDir, `${spec.target}-${spec.strategy}-${spec.size}`);
  let ep: Endpoint | undefined;
  try {
    ep = spec.target === 'server' ? await serverEndpoint(spec.link) : fileEndpoint(dir);
    const cases = spec.cases ?? ALL_CASES;
    const runs: RunRecord[] = [];
    for (const c of cases) {
      if (c === 'changed-1%') changeOnePercent(store);
      runs.push(await measured(spec, c, store, ep));
    }
    return runs;
  } finally {
    await ep?.close();
    await store.close();
    removeDir(dir);
  }
}
