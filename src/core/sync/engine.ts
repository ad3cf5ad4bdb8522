import type { SessionStore } from '../store/session-store';
import type { Remote } from '../remote/connect';
import { RemoteProblem, SyncError, classifyRemoteError } from '../remote/errors';
import { recordRun, RunFigures } from '../store/run-history';
import { DEFAULT_SYNC_OPTIONS, newTotals, Strategy, SyncContext, SyncOptions } from './context';
import { CancelledError } from './retry';
import { syncOptimized } from './optimized';
import { syncNaive } from './naive';
import { followRemote } from './remote-identity';
import { sampleIds } from './id-sample';
import { naiveBytesFor } from './naive-estimate';

/** What one run did (the run record, history.ts's RunFigures, and what is not kept of it): the `sync --json` contract. */
export interface SyncReport extends RunFigures {
  strategy: Strategy;
  /** Batches a resumed run found already completed in the checkpoint. */
  skippedBatches: number;
  durationMs: number;
  /** Records found already on the remote after an interruption (not sent again). */
  reconciled: number;
  /** What kind of problem stopped the run, when it failed on the remote (drives "offline" in the editor). */
  problem: RemoteProblem | null;
}

/** Runs one sync and records it in `sync_runs`; never throws for a remote problem: see `result` and `error`. */
export async function runSync(store: SessionStore, remote: Remote, options: Partial<SyncOptions> = {}): Promise<SyncReport> {
  const opts: SyncOptions = { ...DEFAULT_SYNC_OPTIONS, ...options };
  const ctx = new SyncContext(store, remote, opts);
  const totals = newTotals();
  const startedAt = Date.now();
  const start = performance.now();
  const before = { ...remote.meter };
  if (opts.strategy === 'optimized') followRemote(store, remote);
  let result: SyncReport['result'] = 'ok';
  let error: string | null = null;
  let problem: RemoteProblem | null = null;
  try {
    await (opts.strategy === 'naive' ? syncNaive(ctx, totals) : syncOptimized(ctx, totals));
  } catch (err) {
    result = err instanceof CancelledError ? 'cancelled' : 'failed';
    const classified = err instanceof SyncError ? err.classified :
      err instanceof CancelledError ? null : classifyRemoteError(err, remote.displayUrl);
    error = classified?.message ?? (err as Error).message;
    problem = classified?.problem ?? null;
  }
  if (ctx.refused.count && result === 'ok') {
    result = 'failed';
    error = `${ctx.refused.count} sessions were not sent: the remote could not store them as they are ` +
      `(${sampleIds(ctx.refused)}; ${ctx.refused.first}). Export them, fix or remove them, and import them again.`;
  }
  const durationMs = Math.round(performance.now() - start);
  const m = remote.meter;
  const report: SyncReport = {
    result, strategy: opts.strategy, sent: totals.sent, skipped: totals.skipped, batches: totals.batches,
    skippedBatches: totals.skippedBatches, bytesRaw: totals.bytesRaw,
    naiveBytes: opts.strategy === 'naive' ? null : naiveBytesFor(totals.sent, totals.naiveRecordBytes),
    setupBytes: totals.setupBytes, bytesSent: m.bytesSent - before.bytesSent,
    roundTrips: m.roundTrips - before.roundTrips,
    rowsWritten: remote.isFile ? null : m.rowsWritten - before.rowsWritten,
    rowsRead: remote.isFile ? null : m.rowsRead - before.rowsRead,
    durationMs, resumed: totals.resumed, reconciled: totals.reconciled, phases: ctx.timer.rounded(),
    remote: remote.displayUrl, error, problem,
  };
  recordRun(store, { ...report, startedAt, endedAt: Date.now() });
  await store.flush();
  return report;
}
