import { SessionStore } from './session-store';

/**
 * What a sync did, the one shape of a run record: the engine's report extends it (engine.ts, SyncReport), a
 * `sync_runs` row adds its times (SyncRun), and the history page's row picks from that (webview-messages.ts, RunRow).
 */
export interface RunFigures {
  strategy: string;
  remote: string;
  result: 'ok' | 'failed' | 'cancelled';
  sent: number;
  skipped: number;
  batches: number;
  /** Canonical JSON bytes of the records sent: what the whole records would have cost. */
  bytesRaw: number;
  /**
   * What the naive approach would have sent for the same records (sync/naive-estimate.ts); null for naive runs
   * and runs recorded before it was counted.
   */
  naiveBytes: number | null;
  /** Part of bytesSent spent on set-up (schema, dictionary); 0 for runs recorded before it was counted. */
  setupBytes: number;
  /** Request bytes that left the process (network), or SQL text and values handed to the client (`file:`). */
  bytesSent: number;
  roundTrips: number;
  /** The server's row counters; null for a `file:` remote, which has none. */
  rowsWritten: number | null;
  rowsRead: number | null;
  resumed: boolean;
  /** Milliseconds per phase (plan, encode, upload, ...). */
  phases: Record<string, number>;
  error: string | null;
}

/** One row of `sync_runs`: what a sync did and when, for the history view and `status`. */
export interface SyncRun extends RunFigures {
  id?: number;
  startedAt: number;
  endedAt: number | null;
}

const COLUMNS = 'id, started_at, ended_at, strategy, remote, result, sent, skipped, batches, bytes_raw, bytes_sent, ' +
  'round_trips, rows_written, rows_read, resumed, phases, error, naive_bytes, setup_bytes';

/** The history kept: a year of runs, and never more than this many (a sync every 30 s all year stays small). */
export const RUN_HISTORY_DAYS = 365;
export const RUN_HISTORY_MAX = 10_000;
const DAY_MS = 86_400_000;

/** Records a run and drops the runs that fall out of the kept history. Returns the new row's id. */
export function recordRun(store: SessionStore, r: SyncRun): number {
  SessionStore.tables(store).run(
    `INSERT INTO sync_runs (started_at, ended_at, strategy, remote, result, sent, skipped, batches, bytes_raw,
       bytes_sent, round_trips, rows_written, rows_read, resumed, phases, error, naive_bytes, setup_bytes)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [r.startedAt, r.endedAt, r.strategy, r.remote, r.result, r.sent, r.skipped, r.batches, r.bytesRaw, r.bytesSent,
      r.roundTrips, r.rowsWritten, r.rowsRead, r.resumed ? 1 : 0, JSON.stringify(r.phases), r.error, r.naiveBytes,
      r.setupBytes]);
  const id = Number(SessionStore.tables(store).scalar('SELECT last_insert_rowid()'));
  SessionStore.tables(store).run('DELETE FROM sync_runs WHERE started_at < ? OR id <= ?', [r.startedAt - RUN_HISTORY_DAYS * DAY_MS,
    id - RUN_HISTORY_MAX]);
  return id;
}

/** Newest first. */
export function listRuns(store: SessionStore, limit = 50, offset = 0): SyncRun[] {
  return SessionStore.tables(store).rows(`SELECT ${COLUMNS} FROM sync_runs ORDER BY id DESC LIMIT ? OFFSET ?`, [limit, offset]).map((v) => ({
    id: Number(v[0]), startedAt: Number(v[1]), endedAt: v[2] === null ? null : Number(v[2]), strategy: String(v[3]),
    remote: String(v[4]), result: String(v[5]) as SyncRun['result'], sent: Number(v[6]), skipped: Number(v[7]),
    batches: Number(v[8]), bytesRaw: Number(v[9]), bytesSent: Number(v[10]), roundTrips: Number(v[11]),
    rowsWritten: v[12] === null ? null : Number(v[12]), rowsRead: v[13] === null ? null : Number(v[13]),
    resumed: Number(v[14]) === 1, phases: JSON.parse(String(v[15] ?? '{}')) as Record<string, number>,
    error: v[16] === null ? null : String(v[16]),
    naiveBytes: v[17] === null ? null : Number(v[17]), setupBytes: Number(v[18] ?? 0),
  }));
}

export function countRuns(store: SessionStore): number {
  return Number(SessionStore.tables(store).scalar('SELECT count(*) FROM sync_runs'));
}
