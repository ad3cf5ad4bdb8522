import type { InValue } from '@libsql/client';
import type { Session } from '../model';
import { hashText } from '../hash';
import { Dictionary, encodeFrame } from '../codec/frames';
import { encodeTimeline } from '../codec/timeline';

/**
 * Field-level delta sync. For each record the local store keeps its "shape": what the remote holds of it
 * (how many events, files and notes, a hash of each prefix, how many frames the timeline has, and the
 * plain columns as last sent). A record whose old prefixes are unchanged only appends frames of what is
 * new and updates the plain columns that changed; anything else (a first upload, a rewritten history,
 * a timeline grown to many frames) is written whole.
 */
export interface Shape {
  events: number;
  eventsHash: string;
  files: number;
  filesHash: string;
  notes: number;
  notesHash: string;
  frames: number;
  meta: Record<string, InValue>;
}

export interface RecordWrite {
  id: string;
  /** Content hash the remote will hold once this write commits. */
  hash: string;
  kind: 'full' | 'append';
  /** Full writes: one row of values for the multi-row upsert (FULL_COLUMNS order). */
  row?: InValue[];
  /** Appends: one guarded UPDATE. */
  sql?: string;
  args?: InValue[];
  shape: Shape;
  /** Canonical JSON bytes of the whole record: what the naive approach would send. */
  rawBytes: number;
}

/** A timeline with more frames than this is rewritten as one frame, so reads stay cheap. */
export const MAX_FRAMES = 24;

export const FULL_COLUMNS = ['id', 'workspace', 'branch', 'started_at', 'ended_at', 'active_ms', 'edits',
  'chars_added', 'chars_removed', 'languages', 'event_count', 'file_count', 'note_count', 'events', 'files',
  'notes', 'content_hash', 'updated_at'] as const;

/** The plain (queryable) columns and how each comes from a session. */
function plainColumns(s: Session): Record<string, InValue> {
  return {
    workspace: s.workspace,
    branch: s.branch,
    started_at: s.startedAt,
    ended_at: s.endedAt,
    active_ms: s.activeMs,
    edits: s.edits,
    chars_added: s.charsAdded,
    chars_removed: s.charsRemoved,
    languages: JSON.stringify(s.languages),
  };
}

const prefixHash = (items: unknown[], n: number): string => hashText(JSON.stringify(items.slice(0, n)));

/** The shape of a whole session once the remote holds all of it (`s` in canonical form). */
export function fullShape(s: Session, frames: number): Shape {
  return {
    events: s.events.length, eventsHash: prefixHash(s.events, s.events.length),
    files: s.files.length, filesHash: prefixHash(s.files, s.files.length),
    notes: s.notes.length, notesHash: prefixHash(s.notes, s.notes.length),
    frames,
    meta: plainColumns(s),
  };
}

const frameOrNull = (items: unknown[], encode: (x: unknown[]) => unknown, dict?: Dictionary): Uint8Array | null =>
  items.length === 0 ? null : encodeFrame(encode(items), dict);

const asTimeline = (e: unknown[]) => encodeTimeline(e as Session['events']);
const asIs = (x: unknown[]) => x;

/**
 * How to bring the remote copy of `s` up to date. `s` must be in canonical form (as the store returns it),
 * `rawBytes` is the size of its canonical JSON, and `dict` (when given) compresses the files and notes.
 */
export function planWrite(s: Session, hash: string, shape: Shape | undefined, rawBytes: number,
  dict?: Dictionary): RecordWrite {
  if (shape && canAppend(s, shape)) return appendWrite(s, hash, shape, rawBytes, dict);
  return fullWrite(s, hash, rawBytes, dict);
}

function canAppend(s: Session, sh: Shape): boolean {
  return sh.frames < MAX_FRAMES &&
    s.events.length >= sh.events && prefixHash(s.events, sh.events) === sh.eventsHash &&
    s.files.length >= sh.files && prefixHash(s.files, sh.files) === sh.filesHash &&
    s.notes.length >= sh.notes && prefixHash(s.notes, sh.notes) === sh.notesHash;
}

function fullWrite(s: Session, hash: string, rawBytes: number, dict?: Dictionary): RecordWrite {
  const plain = plainColumns(s);
  const events = frameOrNull(s.events, asTimeline);
  const row: InValue[] = [s.id, plain.workspace, plain.branch, plain.started_at, plain.ended_at, plain.active_ms,
    plain.edits, plain.chars_added, plain.chars_removed, plain.languages, s.events.length, s.files.length,
    s.notes.length, events, frameOrNull(s.files, asIs, dict), frameOrNull(s.notes, asIs, dict), hash, s.updatedAt];
  return { id: s.id, hash, kind: 'full', row, shape: fullShape(s, events ? 1 : 0), rawBytes };
}

/** Appends new frames with `col = col || frame`, guarded so it applies only to the exact state it extends. */
function appendWrite(s: Session, hash: string, sh: Shape, rawBytes: number, dict?: Dictionary): RecordWrite {
  const sets: string[] = [];
  const args: InValue[] = [];
  const plain = plainColumns(s);
  for (const [col, value] of Object.entries(plain)) {
    if (sh.meta[col] !== value) {
      sets.push(`${col} = ?`);
      args.push(value);
    }
  }
  let frames = sh.frames;
  const append = (col: string, countCol: string, items: unknown[], from: number, encode: (x: unknown[]) => unknown,
    d?: Dictionary) => {
    if (items.length === from) return;
    sets.push(`${col} = CAST(COALESCE(${col}, x'') || ? AS BLOB)`, `${countCol} = ?`);
    args.push(encodeFrame(encode(items.slice(from)), d), items.length);
    if (col === 'events') frames++;
  };
  append('events', 'event_count', s.events, sh.events, asTimeline);
  append('files', 'file_count', s.files, sh.files, asIs, dict);
  append('notes', 'note_count', s.notes, sh.notes, asIs, dict);
  sets.push('content_hash = ?', 'updated_at = ?');
  args.push(hash, s.updatedAt);
  const sql = `UPDATE sessions SET ${sets.join(', ')} WHERE id = ? AND event_count = ? AND file_count = ? ` +
    'AND note_count = ? AND updated_at <= ?';
  args.push(s.id, sh.events, sh.files, sh.notes, s.updatedAt);
  return { id: s.id, hash, kind: 'append', sql, args, shape: fullShape(s, frames), rawBytes };
}

/** One multi-row upsert for all full writes of a batch; an older copy never replaces a newer one. */
export function fullUpsert(rows: InValue[][]): { sql: string; args: InValue[] } {
  const placeholders = `(${FULL_COLUMNS.map(() => '?').join(', ')})`;
  const updates = FULL_COLUMNS.filter((c) => c !== 'id').map((c) => `${c} = excluded.${c}`).join(', ');
  return {
    sql: `INSERT INTO sessions (${FULL_COLUMNS.join(', ')}) VALUES ${rows.map(() => placeholders).join(', ')} ` +
      `ON CONFLICT(id) DO UPDATE SET ${updates} WHERE excluded.updated_at >= sessions.updated_at RETURNING id`,
    args: rows.flat(),
  };
}
