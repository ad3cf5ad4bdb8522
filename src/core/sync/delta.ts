import type { InValue } from '@libsql/client';
import type { Session } from '../model';
import { hashText } from '../hash';
import { Dictionary, encodeBinaryFrame, encodeJsonFrame } from '../codec/frames';
import { encodeTimeline } from '../codec/timeline';
import { BinaryTimeline, encodeBinaryTimeline } from '../codec/timeline-binary';

/**
 * Field-level delta sync. For each record the local store keeps its "shape": what the remote holds of it
 * (how many events, files and notes, a hash of the frame JSON those held, how many frames the timeline has,
 * and the plain columns as last sent). A record whose old prefixes are unchanged only appends frames of what is
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
  /** Canonical JSON bytes of the whole record. */
  rawBytes: number;
  /** What the naive approach would send for this record (sync/naive-estimate.ts), when the encoder knew it. */
  naiveBytes?: number;
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

/**
 * What each growing column's frame holds: the timeline as layout-3 bytes (layout-2 JSON for the rare values
 * bytes cannot hold), files and notes as JSON text.
 */
type Growing = 'events' | 'files' | 'notes';
type Content = string | BinaryTimeline;
const FRAME_CONTENT: Record<Growing, (items: unknown[]) => Content> = {
  events: (e) => encodeBinaryTimeline(e as Session['events']) ?? JSON.stringify(encodeTimeline(e as Session['events'])),
  files: (x) => JSON.stringify(x),
  notes: (x) => JSON.stringify(x),
};
const GROWING: Growing[] = ['events', 'files', 'notes'];

const frameOf = (content: Content, dict?: Dictionary): Uint8Array =>
  typeof content === 'string' ? encodeJsonFrame(content, dict) : encodeBinaryFrame(content.bytes, dict, content.bitsAt);

/**
 * The hash a shape keeps of the first `n` items: of the content their frame would hold. (Shapes recorded when
 * timelines were JSON do not match a layout-3 hash: such a session is written whole once, then appends again.)
 */
const prefixHash = (col: Growing, items: unknown[], n: number): string =>
  hashOf(FRAME_CONTENT[col](n === items.length ? items : items.slice(0, n)));
const hashOf = (content: Content): string => hashText(typeof content === 'string' ? content : content.bytes);

/** The frame content of each growing column of `s`, whole. */
function wholeJson(s: Session): Record<Growing, Content> {
  return { events: FRAME_CONTENT.events(s.events), files: FRAME_CONTENT.files(s.files), notes: FRAME_CONTENT.notes(s.notes) };
}

function shapeOf(s: Session, json: Record<Growing, Content>, frames: number): Shape {
  return {
    events: s.events.length, eventsHash: hashOf(json.events),
    files: s.files.length, filesHash: hashOf(json.files),
    notes: s.notes.length, notesHash: hashOf(json.notes),
    frames,
    meta: plainColumns(s),
  };
}

/** The shape of a whole session once the remote holds all of it (`s` in canonical form). */
export function fullShape(s: Session, frames: number): Shape {
  return shapeOf(s, wholeJson(s), frames);
}

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
  return sh.frames < MAX_FRAMES && GROWING.every((col) => {
    const items = s[col] as unknown[];
    return items.length >= sh[col] && prefixHash(col, items, sh[col]) === sh[`${col}Hash`];
  });
}

function fullWrite(s: Session, hash: string, rawBytes: number, dict?: Dictionary): RecordWrite {
  const plain = plainColumns(s);
  const json = wholeJson(s);
  const frame = (col: Growing, d?: Dictionary) => (s[col].length === 0 ? null : frameOf(json[col], d));
  const events = frame('events', dict);
  const row: InValue[] = [s.id, plain.workspace, plain.branch, plain.started_at, plain.ended_at, plain.active_ms,
    plain.edits, plain.chars_added, plain.chars_removed, plain.languages, s.events.length, s.files.length,
    s.notes.length, events, frame('files', dict), frame('notes', dict), hash, s.updatedAt];
  return { id: s.id, hash, kind: 'full', row, shape: shapeOf(s, json, events ? 1 : 0), rawBytes };
}

/**
 * Appends new frames with `col = col || frame`, guarded so it applies only to the exact state it extends. The SQL
 * text travels with every append (an auto-sync of one session is little else), so it is written without spaces.
 */
function appendWrite(s: Session, hash: string, sh: Shape, rawBytes: number, dict?: Dictionary): RecordWrite {
  const sets: string[] = [];
  const args: InValue[] = [];
  const plain = plainColumns(s);
  for (const [col, value] of Object.entries(plain)) {
    if (sh.meta[col] !== value) {
      sets.push(`${col}=?`);
      args.push(value);
    }
  }
  let frames = sh.frames;
  const append = (col: Growing, countCol: string, d?: Dictionary) => {
    const items = s[col] as unknown[];
    if (items.length === sh[col]) return;
    sets.push(`${col}=CAST(ifnull(${col},x'')||? AS BLOB)`, `${countCol}=?`);
    args.push(frameOf(FRAME_CONTENT[col](items.slice(sh[col])), d), items.length);
    if (col === 'events') frames++;
  };
  append('events', 'event_count', dict);
  append('files', 'file_count', dict);
  append('notes', 'note_count', dict);
  sets.push('content_hash=?', 'updated_at=?');
  args.push(hash, s.updatedAt);
  const sql = `UPDATE sessions SET ${sets.join(',')} WHERE id=? AND event_count=? AND file_count=? AND note_count=? ` +
    'AND updated_at<=?';
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
