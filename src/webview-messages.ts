// The messages between the history webview host (src/history-view.ts) and its page (media/history.js).
// The page is plain JavaScript: it imports these types in JSDoc, and `npx tsc -p tsconfig.page.json` (in `npm test`)
// checks it against them.
// Everything here is plain JSON (numbers are ms epoch or bytes): postMessage clones it.
import type { SyncRun } from './core/store/run-history';
import type { Saving } from './core/sync/saving';

/** One row of the sync history table: a `sync_runs` row's figures (core/store/run-history.ts), as the page shows them. */
export interface RunRow extends Pick<SyncRun, 'startedAt' | 'result' | 'sent' | 'skipped' | 'bytesRaw' | 'bytesSent' |
  'naiveBytes' | 'setupBytes' | 'rowsWritten' | 'rowsRead' | 'error'> {
  id: number;
  durationMs: number | null;
  /** The run against naive, set-up left out (src/core/sync/saving.ts). */
  saving: Saving;
  /** The phase that took longest and its milliseconds, or null when none was timed. */
  slowestPhase: { name: string; ms: number } | null;
}

/** One point of the chart (oldest first): bytes a run sent, and its saving against naive (0-1, or null). */
export interface ChartPoint {
  at: number;
  bytesSent: number;
  saving: Saving;
}

/** Server row counters over the last 30 days, and that rate stretched to a 30-day month. */
export interface CostSummary {
  runs: number;
  /** Runs whose remote reported counters (an embedded `file:` database reports none). */
  metered: number;
  rowsWritten: number;
  rowsRead: number;
  /** Days the measured runs span (at least 1), so a first day is not projected as a month of nothing. */
  spanDays: number;
  monthRowsWritten: number;
  monthRowsRead: number;
}

/** One record the next sync would send (see src/core/sync/preview.ts). */
export interface PendingRow {
  id: string;
  workspace: string;
  branch: string | null;
  kind: 'full' | 'append';
  newEvents: number;
  newNotes: number;
  encodedBytes: number;
  /** The newest note of the session, shown as text. */
  lastNote: string | null;
}

export interface ArchiveSettings {
  olderThanDays: number;
  schedule: 'daily' | 'manual';
  deleteFromRemote: boolean;
}

export interface ArchivePreviewData {
  olderThanDays: number;
  count: number;
  bytes: number;
  /** Oldest and newest last-update time of the sessions that would move (null when none). */
  from: number | null;
  to: number | null;
  /** Old sessions left out (not yet synced), with why. */
  skipped: number;
}

/** Everything the page shows of the store, in one message. */
export interface HistoryMessage {
  type: 'history';
  runs: RunRow[];
  total: number;
  offset: number;
  pageSize: number;
  chart: ChartPoint[];
  cost: CostSummary;
  pending: PendingRow[];
  pendingTotal: number;
}

/** Host → page. */
export type HostMessage =
  | HistoryMessage
  /** This window does not own the session store; another VS Code window syncs. */
  | { type: 'guest'; message: string }
  | { type: 'settings'; archive: ArchiveSettings }
  | { type: 'archivePreview'; preview: ArchivePreviewData }
  | { type: 'archiveResult'; ok: boolean; message: string };

export type ArchiveSettingKey = keyof ArchiveSettings;

/** Page → host. */
export type PageMessage =
  /** Sent on load (also after the panel was hidden or reloaded): the page asks for everything again. */
  | { type: 'ready'; offset: number }
  | { type: 'page'; offset: number }
  | { type: 'setArchive'; key: 'olderThanDays'; value: number }
  | { type: 'setArchive'; key: 'schedule'; value: 'daily' | 'manual' }
  | { type: 'setArchive'; key: 'deleteFromRemote'; value: boolean }
  | { type: 'previewArchive'; days: number }
  | { type: 'archiveNow' }
  | { type: 'restore' }
  | { type: 'syncNow' };

export const PAGE_SIZE = 20;

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);

/** Checks a message from the page: the page is less trusted than the host and may be stale after an update. */
export function parsePageMessage(m: unknown): PageMessage | undefined {
  if (typeof m !== 'object' || m === null) return undefined;
  const v = m as Record<string, unknown>;
  switch (v.type) {
    case 'ready':
    case 'page':
      return isInt(v.offset) && v.offset >= 0 ? { type: v.type, offset: v.offset } : undefined;
    case 'previewArchive':
      return isInt(v.days) && v.days >= 0 ? { type: 'previewArchive', days: v.days } : undefined;
    case 'archiveNow':
    case 'restore':
    case 'syncNow':
      return { type: v.type };
    case 'setArchive':
      return parseSetArchive(v);
    default:
      return undefined;
  }
}

function parseSetArchive(v: Record<string, unknown>): PageMessage | undefined {
  if (v.key === 'olderThanDays' && isInt(v.value) && v.value >= 0 && v.value <= 36_500) {
    return { type: 'setArchive', key: 'olderThanDays', value: v.value };
  }
  if (v.key === 'schedule' && (v.value === 'daily' || v.value === 'manual')) {
    return { type: 'setArchive', key: 'schedule', value: v.value };
  }
  if (v.key === 'deleteFromRemote' && typeof v.value === 'boolean') {
    return { type: 'setArchive', key: 'deleteFromRemote', value: v.value };
  }
  return undefined;
}
