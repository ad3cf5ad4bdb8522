import type { SessionStore } from './store/session-store';
import { listRuns, SyncRun } from './store/run-history';
import { checkpointProgress } from './sync/checkpoint';
import { SESSIONS_TABLE } from './remote/sessions-table';

export interface StoreStatus {
  sessions: number;
  /** Sessions whose current content has not reached the remote. */
  pending: number;
  lastSync: SyncRun | null;
  /** An unfinished sync that the next run resumes. */
  checkpoint: { batches: number; completed: number; records: number } | null;
}

export function statusOf(store: SessionStore): StoreStatus {
  return {
    sessions: store.count(),
    pending: store.pendingCount(SESSIONS_TABLE),
    lastSync: listRuns(store, 1)[0] ?? null,
    checkpoint: checkpointProgress(store.dir),
  };
}

export function formatStatus(s: StoreStatus & { archived?: number }): string {
  const lines = [`Sessions: ${s.sessions}`, `Pending:  ${s.pending}`];
  if (s.archived !== undefined) lines.push(`Archived: ${s.archived}`);
  if (s.lastSync) {
    const r = s.lastSync;
    lines.push(`Last sync: ${new Date(r.startedAt).toISOString()} ${r.result}, ${r.sent} sent, ${r.skipped} unchanged` +
      (r.error ? ` (${r.error})` : ''));
  } else {
    lines.push('Last sync: never');
  }
  if (s.checkpoint) {
    lines.push(`Unfinished sync: ${s.checkpoint.completed} of ${s.checkpoint.batches} batches done; the next sync resumes it.`);
  }
  return lines.join('\n');
}
