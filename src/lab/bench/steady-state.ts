// The steady-state benchmark: a user typing for hours on a store that holds years of sessions. For each store size,
// the corpus is synced once to a real sqld behind the shaped link; then `record` (the extension's recording path)
// runs on a copy of that synced store, with auto-sync every 30 s, with a fresh open session and with one of 5,000
// events, and the same with the old whole-file save per change for comparison. Figures are scaled to an hour.
import { Remote } from '../../core/remote/connect';
import { runSync } from '../../core/sync/engine';
import { SessionStore } from '../../core/store/session-store';
import { buildCorpus, copyStore, removeDir } from './corpus';
import { runRecord, type RecordReport } from './record-run';
import { serverEndpoint } from './scenario';
import type { LinkSpec } from './bottleneck';

export interface SteadyOptions {
  sizes: number[];
  /** Seconds of recording per run (the journaled store). */
  seconds: number;
  /** Seconds of recording per run of the old whole-file store (its cost is per save, so a short run says enough). */
  naiveSeconds: number;
  initialEvents: number[];
  link: LinkSpec;
  intervalSeconds: number;
  log?: (line: string) => void;
}

export interface SteadyRow {
  size: number;
  initialEvents: number;
  persistence: 'journal' | 'snapshot';
  seconds: number;
  snapshots: number;
  diskBytesPerHour: number;
  journalBytesPerHour: number;
  snapshotBytesPerHour: number;
  compactions: number;
  snapshotMsP50: number;
  snapshotMsP99: number;
  stallMaxMs: number;
  stallP99Ms: number;
  syncs: number;
  /** Request bytes counted at the shaped link's socket, per hour. */
  wireBytesPerHour: number;
  /** What the same syncs' records cost as whole canonical JSON, per hour. */
  rawBytesPerHour: number;
  rowsWrittenPerHour: number | null;
}

export const DEFAULT_STEADY: Omit<SteadyOptions, 'link' | 'log'> = {
  sizes: [1000, 10_000, 100_000], seconds: 120, naiveSeconds: 20, initialEvents: [0, 5000], intervalSeconds: 30,
};

export async function runSteadyState(opts: SteadyOptions): Promise<SteadyRow[]> {
  const log = opts.log ?? (() => undefined);
  const rows: SteadyRow[] = [];
  for (const size of opts.sizes) {
    log(`Steady state, ${size} sessions: generating and syncing the store...`);
    const corpus = await buildCorpus(size);
    const ep = await serverEndpoint(opts.link);
    let synced: string | undefined;
    try {
      synced = copyStore(corpus, `steady-synced-${size}`);
      await initialSync(synced, ep.remote);
      const runs: [number, 'journal' | 'snapshot', number][] = [
        ...opts.initialEvents.map((e): [number, 'journal', number] => [e, 'journal', opts.seconds]),
        [opts.initialEvents[0] ?? 0, 'snapshot', opts.naiveSeconds],
      ];
      for (const [initialEvents, persistence, seconds] of runs) {
        const dir = copyStore(synced, `steady-${size}-${initialEvents}-${persistence}`);
        try {
          const r = await runRecord({ storeDir: dir, remote: () => new Remote({ url: ep.url! }), intervalSeconds: opts.intervalSeconds,
            rate: 5, seconds, initialEvents, seed: `steady-${size}`, persistence, onStart: () => ep.reset() });
          const row = toRow(size, initialEvents, persistence, r, ep.traffic().up);
          rows.push(row);
          log(`  ${persistence}, open session of ${initialEvents} events: ${formatRow(row)}`);
        } finally {
          removeDir(dir);
        }
      }
    } finally {
      await ep.close();
      if (synced) removeDir(synced);
      removeDir(corpus);
    }
  }
  return rows;
}

async function initialSync(dir: string, remote: Remote): Promise<void> {
  const { store } = await SessionStore.open(dir);
  try {
    const r = await runSync(store, remote);
    if (r.result !== 'ok') throw new Error(`the initial sync failed: ${r.error}`);
  } finally {
    await store.close();
  }
}

function toRow(size: number, initialEvents: number, persistence: 'journal' | 'snapshot', r: RecordReport, wireUp: number): SteadyRow {
  const hour = (v: number) => Math.round(v * 3600 / r.seconds);
  return {
    size, initialEvents, persistence, seconds: Math.round(r.seconds), snapshots: r.snapshots,
    diskBytesPerHour: hour(r.diskBytes ?? r.store.journalBytes + r.store.snapshotBytes),
    journalBytesPerHour: hour(r.store.journalBytes), snapshotBytesPerHour: hour(r.store.snapshotBytes),
    compactions: r.store.compactions, snapshotMsP50: round2(r.snapshotMs.p50), snapshotMsP99: round2(r.snapshotMs.p99),
    stallMaxMs: round2(r.stallMs.max), stallP99Ms: round2(r.stallMs.p99), syncs: r.syncs,
    wireBytesPerHour: hour(wireUp), rawBytesPerHour: hour(r.bytesRaw),
    rowsWrittenPerHour: r.rowsWritten === null ? null : hour(r.rowsWritten),
  };
}

const round2 = (n: number) => Math.round(n * 100) / 100;
const mb = (n: number) => `${(n / 1e6).toFixed(2)} MB`;

export function formatRow(r: SteadyRow): string {
  return `disk ${mb(r.diskBytesPerHour)}/h (journal ${mb(r.journalBytesPerHour)}, snapshots ${mb(r.snapshotBytesPerHour)}), ` +
    `snapshot CPU p50 ${r.snapshotMsP50} ms p99 ${r.snapshotMsP99} ms, stall max ${r.stallMaxMs} ms p99 ${r.stallP99Ms} ms, ` +
    `${r.syncs} syncs, wire ${mb(r.wireBytesPerHour)}/h for ${mb(r.rawBytesPerHour)}/h of whole records, ` +
    `${r.rowsWrittenPerHour ?? '-'} rows/h`;
}

/** The Markdown table of docs/benchmarks.md's steady-state section. */
export function steadyTable(rows: SteadyRow[]): string {
  const head = '| sessions | open session | store | disk / h | snapshot CPU p50 / p99 | stall max / p99 | wire up / h | whole records / h | rows written / h |\n' +
    '|---|---|---|---|---|---|---|---|---|';
  const line = (r: SteadyRow) => `| ${r.size.toLocaleString('en-US')} | ${r.initialEvents} events | ` +
    `${r.persistence === 'journal' ? 'journal' : 'whole-file save (old)'} | ${mb(r.diskBytesPerHour)} | ` +
    `${r.snapshotMsP50} / ${r.snapshotMsP99} ms | ${r.stallMaxMs} / ${r.stallP99Ms} ms | ${mb(r.wireBytesPerHour)} | ` +
    `${mb(r.rawBytesPerHour)} | ${r.rowsWrittenPerHour ?? '-'} |`;
  return [head, ...rows.map(line)].join('\n');
}
