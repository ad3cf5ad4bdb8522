import * as vscode from 'vscode';
import pLimit from 'p-limit';
import type { SharedStore } from './core/store/shared-store';
import type { SessionStore } from './core/store/session-store';
import { Remote } from './core/remote/connect';
import { resolveRemoteTarget } from './core/remote/target';
import { runSync, SyncReport } from './core/sync/engine';
import type { SyncProgress } from './core/sync/context';
import { splitPending, type SyncState, type SyncStateKind } from './core/sync-state';
import { checkpointProgress } from './core/sync/checkpoint';
import { SESSIONS_TABLE } from './core/remote/sessions-table';
import { listRuns } from './core/store/run-history';
import type { Settings } from './settings';
import type { TokenStore } from './secrets';

export type { SyncState, SyncStateKind };

/** Problems that a later attempt may get past without the user doing anything. */
const TRANSIENT = new Set(['network', 'server', 'busy', 'rate-limited', 'timeout']);
const MAX_BACKOFF_MS = 10 * 60_000;

/**
 * Runs syncs for the editor: one at a time, on demand or every interval when something changed, backing
 * off while the remote cannot be reached. Publishes its state for the status bar and the history view.
 */
export class SyncController implements vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<SyncState>();
  readonly onDidChangeState = this.emitter.event;
  private state: SyncState = { kind: 'idle', pending: 0, recording: false };
  private running: Promise<SyncReport | undefined> | undefined;
  /** Cancels the sync that is uploading now, whoever started it (the palette's Cancel, or shutdown). */
  private abort: AbortController | undefined;
  /** Set by stop(): at shutdown no new sync may start on a store that is about to close. */
  private stopped = false;
  /** Syncs and archive moves take turns: an archive never runs while a sync plans or uploads. */
  private readonly lane = pLimit(1);
  private timer: NodeJS.Timeout | undefined;
  private paused = false;
  private failures = 0;
  private nextAutoAt = 0;

  constructor(
    private readonly shared: SharedStore,
    private readonly settings: () => Settings,
    private readonly tokens: TokenStore,
    private readonly log: vscode.LogOutputChannel,
    /** The id of the session the recorder has open, if any (its ongoing changes are not a backlog). */
    private readonly openSessionId: () => string | undefined = () => undefined,
  ) {
    this.setPaused(!settings().autoSync);
  }

  get current(): SyncState {
    return this.state;
  }

  /** The remote URL in use: the setting, or the embedded local database beside the store. */
  remoteUrl(): string {
    return resolveRemoteTarget(this.shared.dir, this.settings().remoteUrl, undefined).url;
  }

  async openRemote(): Promise<Remote> {
    const target = resolveRemoteTarget(this.shared.dir, this.settings().remoteUrl, await this.tokens.get());
    return new Remote(target);
  }

  /** Starts (or restarts after a settings change) the auto-sync timer. */
  schedule(): void {
    clearInterval(this.timer);
    if (this.stopped) return;
    this.timer = setInterval(() => void this.autoTick(), this.settings().intervalSeconds * 1000);
  }

  setPaused(paused: boolean): void {
    this.paused = paused;
    // The palette offers Pause or Resume, whichever applies.
    void vscode.commands.executeCommand('setContext', 'sessionSync.paused', paused);
    this.refresh();
  }

  get isPaused(): boolean {
    return this.paused;
  }

  /** One sync now; a second request while one runs waits for it. */
  syncNow(token?: vscode.CancellationToken, onProgress?: (p: SyncProgress) => void): Promise<SyncReport | undefined> {
    if (this.stopped) return Promise.resolve(undefined);
    this.running ??= this.lane(() => this.run(token, onProgress)).finally(() => { this.running = undefined; });
    return this.running;
  }

  /** Runs `fn` when no sync is running, and keeps syncs waiting until it is done (archive, restore). */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    // The store is about to close: a move that has not started must not start on it.
    if (this.stopped) return Promise.reject(new Error('Session Sync is shutting down; run it again after the restart.'));
    return this.lane(fn).finally(() => this.refresh());
  }

  /** A sync is running (or waiting for a move to finish). */
  get syncing(): boolean {
    return this.running !== undefined;
  }

  private async autoTick(): Promise<void> {
    if (this.paused || this.running || Date.now() < this.nextAutoAt) return;
    const store = this.shared.owned;
    if (!store) return this.refresh();
    const hasWork = store.pendingCount(SESSIONS_TABLE) > 0 || checkpointProgress(store.dir) !== null;
    if (hasWork) await this.syncNow();
    else this.refresh();
  }

  /**
   * For shutdown: no sync or move starts any more, the running sync is cancelled (it stops after the batches in
   * flight, keeps its checkpoint and records the cancelled run), and whatever is in the lane is awaited, so the store
   * can be closed after it. An archive or restore already in the lane finishes: a move has no point to stop at halfway
   * (the sessions are in the archive, then out of the store, or the reverse), so the store must not close under it.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    this.abort?.abort();
    await this.lane(async () => undefined); // runs after every task queued before it, the running sync included
  }

  private async run(token?: vscode.CancellationToken, onProgress?: (p: SyncProgress) => void): Promise<SyncReport | undefined> {
    if (this.stopped) return undefined; // it waited in the lane while the extension began to stop
    const store = this.shared.owned;
    if (!store) {
      await this.shared.requestSync();
      this.log.info('Another VS Code window owns the session store; asked it to sync.');
      return undefined;
    }
    const abort = new AbortController();
    this.abort = abort;
    const sub = token?.onCancellationRequested(() => abort.abort());
    try {
      return await this.upload(store, abort.signal, onProgress);
    } finally {
      sub?.dispose();
      this.abort = undefined;
    }
  }

  private async upload(store: SessionStore, signal: AbortSignal, onProgress?: (p: SyncProgress) => void)
    : Promise<SyncReport | undefined> {
    let remote: Remote;
    try {
      remote = await this.openRemote();
    } catch (err) {
      this.publish({ kind: 'error', pending: store.pendingCount(SESSIONS_TABLE), recording: false,
        error: (err as Error).message });
      return undefined;
    }
    this.publish({ ...this.state, kind: 'syncing', progress: undefined });
    const s = this.settings();
    try {
      const report = await runSync(store, remote, {
        batchSize: s.batchSize, concurrency: s.concurrency, signal,
        log: (m) => this.log.info(m),
        onProgress: (p) => {
          onProgress?.(p);
          this.publish({ ...this.state, kind: 'syncing', progress: p });
        },
      });
      this.afterRun(report);
      return report;
    } finally {
      remote.close();
    }
  }

  private afterRun(r: SyncReport): void {
    this.log.info(`Sync ${r.result}: sent ${r.sent}, unchanged ${r.skipped}, ${r.batches} batches, ` +
      `${r.bytesRaw} bytes of records as ${r.bytesSent} bytes sent, ${r.roundTrips} round trips, ${r.durationMs} ms` +
      (r.error ? `; ${r.error}` : ''));
    if (r.result === 'ok' || r.result === 'cancelled') {
      this.failures = 0;
      this.nextAutoAt = 0;
    } else {
      this.failures++;
      const base = this.settings().intervalSeconds * 1000;
      this.nextAutoAt = Date.now() + Math.min(MAX_BACKOFF_MS, base * 2 ** Math.min(this.failures, 10));
    }
    const transient = r.problem !== null && TRANSIENT.has(r.problem);
    this.refresh(r.result === 'failed' ? (transient ? 'offline' : 'error') : 'idle', r);
  }

  /**
   * Recomputes and publishes the state. `outcome` is what the last run ended in; a problem (offline,
   * error) stays shown until a later run succeeds.
   */
  refresh(outcome?: SyncStateKind, last?: SyncReport): void {
    const store = this.shared.owned;
    const sticky = outcome ?? (this.state.kind === 'offline' || this.state.kind === 'error' ? this.state.kind : 'idle');
    const kind: SyncStateKind = !store ? 'guest' : this.running && !outcome ? 'syncing' : this.paused ? 'paused' : sticky;
    const lastRun = store ? listRuns(store, 1)[0] : this.state.lastRun;
    // While a problem is shown (even one that stopped a sync before it was recorded), nothing counts as merely recorded.
    const lastResult = sticky === 'idle' ? lastRun?.result : 'failed';
    this.publish({
      kind,
      ...(store ? splitPending(store, this.openSessionId(), lastResult) : { pending: 0, recording: false }),
      progress: kind === 'syncing' ? this.state.progress : undefined,
      last: last ?? this.state.last,
      lastRun,
      error: sticky === 'idle' ? undefined : last?.error ?? this.state.error,
    });
  }

  private publish(state: SyncState): void {
    this.state = state;
    this.emitter.fire(state);
  }

  dispose(): void {
    clearInterval(this.timer);
    this.emitter.dispose();
  }
}
