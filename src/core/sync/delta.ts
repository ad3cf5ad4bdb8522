import type { InValue } from '@libsql/client';
import type { Session } from '../model';
import { hashText } from '../hash';
import { Dictionary, encodeBinaryFrame, encodeJsonFrame } from '../codec/frames';
import { encodeTimeline } from '../codec/timeline';
import { BinaryTimeline, encodeBinaryTimeline } from '../codec/timeline-binary';
import { appendFrameSet, appendGuardArgs, appendSql, countColumn, fullRow, GROWING_COLUMNS, plainValues, upsertSql,
  type Growing } from '../remote/sessions-table';

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
  /** Full writes: one row of values for the multi-row upsert (SESSIONS_COLUMNS order). */
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

/**
 * What each growing column's frame holds: the timeline as layout-3 bytes (layout-2 JSON for the rare values
 * bytes cannot hold), files and notes as JSON text.
 */
type Content = string | BinaryTimeline;
const FRAME_CONTENT: Record<Growing, (items: unknown[]) => Content> = {
  events: (e) => encodeBinaryTimeline(e as Session['events']) ?? JSON.stringify(encodeTimeline(e as Session['events'])),
  files: (x) => JSON.stringify(x),
  notes: (x) => JSON.stringify(x),
};
const GROWING: Growing[] = GROWING_COLUMNS.map((g) => g.column);

const frameOf = (content: Content, dict?: Dictionary): Uint8Array =>
  typeof content === 'string' ? encodeJsonFrame(content, dict) : encodeBinaryFrame(content.bytes, dict, content.blocks);

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
    meta: plainValues(s),
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
  const json = wholeJson(s);
  const frame = (col: Growing) => (s[col].length === 0 ? null : frameOf(json[col], dict));
  const frames = { events: frame('events'), files: frame('files'), notes: frame('notes') };
  const counts = { events: s.events.length, files: s.files.length, notes: s.notes.length };
  const row = fullRow(s, { counts, frames, contentHash: hash, updatedAt: s.updatedAt });
  return { id: s.id, hash, kind: 'full', row, shape: shapeOf(s, json, frames.events ? 1 : 0), rawBytes };
}

/**
 * Appends new frames with `col = col || frame`, guarded so it applies only to the exact state it extends. The SQL
 * text travels with every append (an auto-sync of one session is little else), so it is written without spaces.
 */
function appendWrite(s: Session, hash: string, sh: Shape, rawBytes: number, dict?: Dictionary): RecordWrite {
  const sets: string[] = [];
  const args: InValue[] = [];
  for (const [col, value] of Object.entries(plainValues(s))) {
    if (sh.meta[col] !== value) {
      sets.push(`${col}=?`);
      args.push(value);
    }
  }
  let frames = sh.frames;
  for (const col of GROWING) {
    const items = s[col] as unknown[];
    if (items.length === sh[col]) continue;
    sets.push(appendFrameSet(col), `${countColumn(col)}=?`);
    args.push(frameOf(FRAME_CONTENT[col](items.slice(sh[col])), dict), items.length);
    if (col === 'events') frames++;
  }
  args.push(hash, s.updatedAt, ...appendGuardArgs(s.id, { events: sh.events, files: sh.files, notes: sh.notes }, s.updatedAt));
  return { id: s.id, hash, kind: 'append', sql: appendSql(sets), args, shape: fullShape(s, frames), rawBytes };
}

/** One multi-row upsert for all full writes of a batch; an older copy never replaces a newer one. */
export function fullUpsert(rows: InValue[][]): { sql: string; args: InValue[] } {
  return { sql: upsertSql(rows.length), args: rows.flat() };
}
