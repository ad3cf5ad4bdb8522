// What the editor shows about syncing, as plain data and text: the status bar renders it, and unit tests can
// check every state without an editor.
import type { SyncReport } from './sync/engine';
import type { SyncProgress } from './sync/context';
import type { SyncRun } from './store/run-history';
import type { SessionStore } from './store/session-store';
import { syncedAt } from './store/sync-state';
import { SESSIONS_TABLE } from './remote/sessions-table';

export type SyncStateKind = 'idle' | 'syncing' | 'paused' | 'offline' | 'error' | 'guest';

export interface SyncState {
  kind: SyncStateKind;
  /** Sessions waiting for a sync: a backlog. Excludes the open session when `recording` says so. */
  pending: number;
  /**
   * The open session has changes the remote does not hold yet, made after the last sync succeeded: they are being
   * recorded and go with the next sync. Never set when the last sync failed or was cancelled: then the open session
   * is counted in `pending`.
   */
  recording: boolean;
  progress?: SyncProgress;
  last?: SyncReport;
  /** The newest sync run in the store (any window's), for its time and result. */
  lastRun?: Pick<SyncRun, 'startedAt' | 'endedAt' | 'result'>;
  error?: string;
}

/**
 * Splits the store's pending sessions into a backlog and the open session being recorded. Only after a successful
 * sync (or before any): after a failed or cancelled one the open session's changes are part of the backlog.
 */
export function splitPending(store: SessionStore, openId: string | undefined,
  lastResult: SyncRun['result'] | undefined): { pending: number; recording: boolean } {
  const total = store.pendingCount(SESSIONS_TABLE);
  const trusted = lastResult === undefined || lastResult === 'ok';
  if (total === 0 || openId === undefined || !trusted || !changedSinceSynced(store, openId)) {
    return { pending: total, recording: false };
  }
  return { pending: total - 1, recording: true };
}

/**
 * Whether the session changed after the remote last received it. Asked on every recorded change, so it reads the
 * session's time (held in memory while it is being recorded) and its `sync_status` row, and never makes the store
 * serialize or hash the session. A change made while a sync was running, before that sync marked the session, reads
 * as not changed: the session is then counted in the backlog, never hidden from it.
 */
function changedSinceSynced(store: SessionStore, id: string): boolean {
  const session = store.get(id);
  if (!session) return false; // not handed to the store yet, so not in its pending count either
  const at = syncedAt(store, id, SESSIONS_TABLE);
  return at === undefined || session.updatedAt > at;
}

/** "14:05" for a time today, "2026-11-28" for an older one (local time). */
export function formatWhen(at: number, now = Date.now()): string {
  const d = new Date(at);
  const today = new Date(now);
  const pad = (n: number) => String(n).padStart(2, '0');
  if (d.toDateString() === today.toDateString()) return `${pad(d.getHours())}:${pad(d.getMinutes())}`;
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** The status bar's text, with its `$(icon)`, and the theme colour that marks a problem. */
export function statusText(s: SyncState, now = Date.now()): { text: string; background?: string } {
  switch (s.kind) {
    case 'syncing':
      return { text: s.progress?.batchesTotal ? `$(sync~spin) Syncing ${s.progress.batchesDone}/${s.progress.batchesTotal}`
        : '$(sync~spin) Syncing' };
    case 'paused': {
      // Nothing leaves while paused, so the open session's changes are waiting like any other.
      const waiting = s.pending + (s.recording ? 1 : 0);
      return { text: `$(debug-pause) Sync paused${waiting ? ` (${waiting} pending)` : ''}` };
    }
    case 'offline':
      return { text: '$(cloud-offline) Offline, retrying', background: 'statusBarItem.warningBackground' };
    case 'error':
      return { text: '$(error) Sync failed', background: 'statusBarItem.errorBackground' };
    case 'guest':
      return { text: '$(cloud) Session Sync (other window syncs)' };
    default:
      return { text: idleText(s, now) };
  }
}

function idleText(s: SyncState, now: number): string {
  if (s.pending) return `$(cloud-upload) ${s.pending} pending`;
  const run = s.lastRun;
  if (!run) return s.recording ? '$(record) Recording, not synced yet' : '$(check) Nothing to sync yet';
  if (run.result !== 'ok') return '$(check) Synced';
  return `$(check) Synced ${formatWhen(run.endedAt ?? run.startedAt, now)}${s.recording ? ' · recording' : ''}`;
}

/** The tooltip's lines: the last sync with its result and time, then what waits and why. */
export function statusDetails(s: SyncState, now = Date.now()): string[] {
  const lines: string[] = [];
  if (s.error) lines.push(s.error);
  const run = s.lastRun;
  lines.push(run ? `Last sync: ${describeResult(run.result)} at ${formatWhen(run.endedAt ?? run.startedAt, now)}`
    : 'Not synced yet');
  if (s.recording) {
    lines.push('The open session is being recorded; its latest changes go with the next sync.');
  }
  lines.push(s.pending ? `${s.pending} session${s.pending === 1 ? '' : 's'} waiting to sync.`
    : 'No other session is waiting to sync.');
  return lines;
}

function describeResult(result: SyncRun['result']): string {
  return result === 'ok' ? 'succeeded' : result === 'failed' ? 'failed' : 'cancelled';
}
