import type { SessionStore } from '../store/session-store';
import type { Remote } from '../remote/connect';
import { ensureRemoteSchema, isSchemaGuardFailure } from '../remote/schema';
import { PhaseTimer } from '../metrics';
import { DEFAULT_RETRY, RetryPolicy, withRetry } from './retry';
import { SyncError } from '../remote/errors';
import type { Dictionary } from '../codec/frames';
import { ensureDictionary } from '../remote/dictionaries';
import type { EncodePool } from './encode-pool';
import { newIdSample, sampleInto } from './id-sample';
import { forgetRemoteState } from '../store/sync-state';

export type Strategy = 'optimized' | 'naive';

export interface SyncOptions {
  strategy: Strategy;
  /** Records per batch (the spec's 100). */
  batchSize: number;
  /** Upper bound on a batch's stored bytes, so no request nears the server's limits. */
  maxBatchBytes: number;
  /** Batches in flight at once. */
  concurrency: number;
  retry: RetryPolicy;
  signal?: AbortSignal;
  onProgress?: (p: SyncProgress) => void;
  log?: (message: string) => void;
}

export const DEFAULT_SYNC_OPTIONS: SyncOptions = {
  strategy: 'optimized',
  batchSize: 100,
  maxBatchBytes: 2 * 1024 * 1024,
  concurrency: 4,
  retry: DEFAULT_RETRY,
};

export interface SyncProgress {
  batchesDone: number;
  batchesTotal: number;
  recordsSent: number;
}

/** Counts that a strategy fills in as it goes. */
export interface SyncTotals {
  sent: number;
  skipped: number;
  batches: number;
  batchesPlanned: number;
  skippedBatches: number;
  bytesRaw: number;
  /** naiveRecordBytes summed over the records sent. */
  naiveRecordBytes: number;
  /** Request bytes spent setting the remote up (schema, dictionary) rather than sending records. */
  setupBytes: number;
  resumed: boolean;
  /** Records found already on the remote after an interruption (not sent again). */
  reconciled: number;
}

export function newTotals(): SyncTotals {
  return { sent: 0, skipped: 0, batches: 0, batchesPlanned: 0, skippedBatches: 0, bytesRaw: 0, naiveRecordBytes: 0,
    setupBytes: 0, resumed: false, reconciled: 0 };
}

/** Everything a strategy needs for one run. */
export class SyncContext {
  readonly timer = new PhaseTimer();
  stopped = false;
  failure: Error | undefined;
  /** The preset dictionary for files and notes frames (optimized strategy). */
  dictionary: Dictionary | undefined;
  /** Worker threads that encode batches, while a run uploads several. */
  pool: EncodePool | undefined;
  /** Sessions the remote could not store as they are: not sent, left pending, reported as the run's failure. */
  readonly refused = newIdSample();
  readonly refuse = sampleInto(this.refused);
  private wipeNoticed = false;

  constructor(readonly store: SessionStore, readonly remote: Remote, readonly opts: SyncOptions) {
    opts.signal?.addEventListener('abort', () => { this.stopped = true; }, { once: true });
  }

  log(message: string): void {
    this.opts.log?.(message);
  }

  progress(t: SyncTotals): void {
    this.opts.onProgress?.({ batchesDone: t.batches, batchesTotal: t.batchesPlanned, recordsSent: t.sent });
  }

  ensureRemoteSchema(remote: Remote = this.remote): Promise<void> {
    return this.timer.time('schema', () => withRetry(() => ensureRemoteSchema(remote), remote.displayUrl,
      this.opts.retry, this.opts.signal));
  }

  /**
   * Runs `op`; if the remote lost its tables (a new or wiped database) or another release changed its schema
   * version, checks and migrates it (refusing a newer one) and tries once more.
   */
  async withSchema<T>(op: () => Promise<T>): Promise<T> {
    try {
      return await op();
    } catch (err) {
      const lostTables = err instanceof SyncError && err.code === 'missing-table';
      if (!lostTables && !isSchemaGuardFailure(err)) throw err;
      await this.ensureRemoteSchema();
      if (lostTables) this.remoteWasWiped();
      // A wiped remote lost its dictionary too: store ours again so every frame stays readable.
      const dict = this.dictionary;
      if (dict) await ensureDictionary(this.remote, () => dict.bytes);
      return op();
    }
  }

  /**
   * The store believed the remote held its sessions, and the remote has no tables (wiped, or a new database at the
   * same address): they are all pending again. This run's batches mark theirs as they land; the next run sends the
   * rest. Found only when a write meets the missing tables, so the steady state pays nothing to watch for it.
   */
  private remoteWasWiped(): void {
    if (this.wipeNoticed) return;
    this.wipeNoticed = true;
    forgetRemoteState(this.store);
    this.log(`${this.remote.displayUrl} had lost its tables (a new database at that address?): every session will be sent to it again.`);
  }
}
