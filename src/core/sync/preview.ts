import type { Session } from '../model';
import type { SessionStore } from '../store/session-store';
import { yieldToEventLoop } from '../metrics';
import { fullShape, planWrite, RecordWrite, Shape } from './delta';
import type { Dictionary } from '../codec/frames';
import { valueBytes } from '../remote/connect';
import { SESSIONS_TABLE } from '../remote/sessions-table';
import { getShape } from '../store/sync-state';

/**
 * What the next sync would send, computed with the same planner the sync uses (planWrite) but without
 * touching the network or changing any sync state: a user can see exactly which records and fields leave
 * the machine before they do.
 */
export interface RecordPreview {
  id: string;
  workspace: string;
  branch: string | null;
  /** full: the whole record is written; append: only what is new since the remote's copy. */
  kind: 'full' | 'append';
  newEvents: number;
  newFiles: number;
  newNotes: number;
  /** Plain columns (workspace, branch, times, counters, languages) whose value changes on the remote. */
  changedColumns: string[];
  /** Bytes of the values handed to the database client (compressed frames, numbers, text). */
  encodedBytes: number;
  /** Canonical JSON bytes of the whole record: what sending it uncompressed would cost. */
  rawBytes: number;
  lastNote: string | null;
}

export interface SyncPreview {
  records: RecordPreview[];
  /** Records that would be sent (all of them, even when `records` was cut at `limit`). */
  total: number;
  /** Records whose remote copy is already current. */
  unchanged: number;
  rawBytes: number;
  encodedBytes: number;
  /** Workspace names present in the pending records, sorted. */
  workspaces: string[];
}

const SLICE_MS = 12;

export interface PreviewOptions {
  /** Keep the details of this many records (all by default). */
  limit?: number;
  /** Stop after `limit` records: byte totals then cover only those (a cheap view of a long queue). */
  firstOnly?: boolean;
  signal?: AbortSignal;
  /** The remote's compression dictionary (see dictionary-cache.ts), so byte figures match the real sync. */
  dictionary?: Dictionary;
}

/** Plans every pending record (or the first `limit`). Yields now and then so an editor stays responsive. */
export async function previewNextSync(store: SessionStore, opts: PreviewOptions = {}): Promise<SyncPreview> {
  const pending = store.pending(SESSIONS_TABLE);
  const out: SyncPreview = { records: [], total: pending.length, unchanged: store.count() - pending.length,
    rawBytes: 0, encodedBytes: 0, workspaces: [] };
  const workspaces = new Set<string>();
  let sliceStart = performance.now();
  const limit = opts.limit ?? Infinity;
  for (const p of opts.firstOnly ? pending.slice(0, limit) : pending) {
    opts.signal?.throwIfAborted();
    const json = store.getJson(p.id);
    if (json === undefined) continue;
    const rec = previewRecord(JSON.parse(json) as Session, p.hash, getShape(store, p.id), Buffer.byteLength(json),
      opts.dictionary);
    workspaces.add(rec.workspace);
    out.rawBytes += rec.rawBytes;
    out.encodedBytes += rec.encodedBytes;
    if (out.records.length < limit) out.records.push(rec);
    if (performance.now() - sliceStart > SLICE_MS) {
      await yieldToEventLoop();
      sliceStart = performance.now();
    }
  }
  out.workspaces = [...workspaces].sort();
  return out;
}

/** One record's write as planWrite would make it, described for a person. `s` is canonical (from the store). */
export function previewRecord(s: Session, hash: string, shape: Shape | undefined, rawBytes: number,
  dictionary?: Dictionary): RecordPreview {
  const w = planWrite(s, hash, shape, rawBytes, dictionary);
  const base = w.kind === 'append' && shape ? shape : undefined;
  return {
    id: s.id, workspace: s.workspace, branch: s.branch, kind: w.kind,
    newEvents: s.events.length - (base?.events ?? 0),
    newFiles: s.files.length - (base?.files ?? 0),
    newNotes: s.notes.length - (base?.notes ?? 0),
    changedColumns: changedColumns(s, base),
    encodedBytes: writeBytes(w),
    rawBytes,
    lastNote: s.notes.length ? s.notes[s.notes.length - 1].text : null,
  };
}

function changedColumns(s: Session, base: Shape | undefined): string[] {
  const now = fullShape(s, 0).meta;
  return Object.keys(now).filter((k) => !base || base.meta[k] !== now[k]);
}

/** The values of the write (for an append, its SQL text as well: it travels with each UPDATE). */
function writeBytes(w: RecordWrite): number {
  const values = w.row ?? w.args ?? [];
  return values.reduce<number>((n, v) => n + valueBytes(v), w.sql ? Buffer.byteLength(w.sql) : 0);
}
