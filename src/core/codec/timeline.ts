import { EVENT_KINDS, EventKind, SessionEvent } from '../model';

/**
 * A run of events stored column by column: times as deltas, kinds as one letter each, and each optional field
 * as the list of its values. Deflate finds far more repetition in columns than in an array of objects
 * (measured in ../shared/README.md: a third smaller per record).
 *
 * Version 2 (`v: 2`, written before layout 3 and still for values layout 3 cannot hold) lists a field's values only for the events that have it. Which fields an
 * event has follows from its kind (DEFAULT_FIELDS: an edit has a file and added and removed counts, a task
 * has a detail) except for the events in `x`. Version 1 (no `v`, written before) gives every column one
 * value per event, null where the field is absent; both decode, so remotes written by either stay readable.
 * On 2,000 generated sessions version 2 is 37% less JSON than version 1, deflates to 9.5% fewer bytes, and
 * deflating it takes 26% less time (`node --import tsx scripts/measure-encode.ts`). Layout 3 (timeline-binary.ts)
 * writes the same columns as bytes.
 */
export interface TimelineColumns {
  v?: 2;
  /** First event time, then the gap to each next event (ms). */
  t: number[];
  /** One letter per event, see KIND_LETTERS. */
  k: string;
  f?: (number | null)[];
  a?: (number | null)[];
  r?: (number | null)[];
  d?: (string | null)[];
  /** Version 2: [event index, fields it has] for each event whose fields are not its kind's default. */
  x?: [number, number][];
}

const KIND_LETTERS = 'oesfbdkmn';
const LETTER_OF = new Map<EventKind, string>(EVENT_KINDS.map((k, i) => [k, KIND_LETTERS[i]]));
const KIND_OF = new Map<string, EventKind>(EVENT_KINDS.map((k, i) => [KIND_LETTERS[i], k]));

type Optional = 'file' | 'added' | 'removed' | 'detail';
type Column = 'f' | 'a' | 'r' | 'd';
/** Each optional field: its column and its bit in a set of fields (layouts 2 and 3). */
export const FIELD_COLUMNS: [Column, Optional, number][] = [['f', 'file', 1], ['a', 'added', 2], ['r', 'removed', 4],
  ['d', 'detail', 8]];
const COLUMNS = FIELD_COLUMNS;
export const ALL_FIELDS = 15;

/** The fields an event of each kind has unless `x` says otherwise (part of the stored format: never change). */
export const DEFAULT_FIELDS: Record<EventKind, number> = {
  open: 1, edit: 1 | 2 | 4, save: 1, focus: 1, blur: 0, debug: 8, task: 8, terminal: 8, note: 0,
};

export function encodeTimeline(events: SessionEvent[]): TimelineColumns {
  const cols: TimelineColumns = { v: 2, t: [], k: '' };
  const values: Record<Column, unknown[]> = { f: [], a: [], r: [], d: [] };
  const exceptions: [number, number][] = [];
  const letters: string[] = [];
  let prev = 0;
  events.forEach((e, i) => {
    cols.t.push(i === 0 ? e.t : e.t - prev);
    prev = e.t;
    letters.push(LETTER_OF.get(e.kind) as string);
    let fields = 0;
    for (const [col, field, bit] of COLUMNS) {
      if (e[field] === undefined) continue;
      fields |= bit;
      values[col].push(e[field]);
    }
    if (fields !== DEFAULT_FIELDS[e.kind]) exceptions.push([i, fields]);
  });
  cols.k = letters.join('');
  for (const [col] of COLUMNS) if (values[col].length) (cols as unknown as Record<Column, unknown[]>)[col] = values[col];
  if (exceptions.length) cols.x = exceptions;
  return cols;
}

export function decodeTimeline(cols: TimelineColumns, what: string): SessionEvent[] {
  if (!cols || !Array.isArray(cols.t) || typeof cols.k !== 'string' || cols.k.length !== cols.t.length) {
    throw new Error(`${what}: timeline frame is malformed`);
  }
  if (cols.v !== undefined && cols.v !== 2) {
    throw new Error(`${what}: timeline version ${String(cols.v)} is newer than this Session Sync understands`);
  }
  return cols.v === 2 ? decodeListed(cols, what) : decodeNullPadded(cols, what);
}

function kindAt(cols: TimelineColumns, i: number, what: string): EventKind {
  const kind = KIND_OF.get(cols.k[i]);
  if (!kind) throw new Error(`${what}: unknown event kind letter "${cols.k[i]}"`);
  return kind;
}

/** Version 2: each column lists the values of the events that have the field. */
function decodeListed(cols: TimelineColumns, what: string): SessionEvent[] {
  const malformed = () => new Error(`${what}: timeline frame is malformed`);
  const exceptions = new Map<number, number>();
  for (const entry of cols.x ?? []) {
    if (!Array.isArray(entry) || !Number.isInteger(entry[0]) || !Number.isInteger(entry[1]) || entry[1] < 0 ||
      entry[1] > ALL_FIELDS) throw malformed();
    exceptions.set(entry[0], entry[1]);
  }
  const next: Record<Column, number> = { f: 0, a: 0, r: 0, d: 0 };
  const events: SessionEvent[] = [];
  let t = 0;
  for (let i = 0; i < cols.t.length; i++) {
    t = i === 0 ? cols.t[0] : t + cols.t[i];
    const kind = kindAt(cols, i, what);
    const e: SessionEvent = { t, kind };
    const fields = exceptions.get(i) ?? DEFAULT_FIELDS[kind];
    for (const [col, field, bit] of COLUMNS) {
      if (!(fields & bit)) continue;
      const list = cols[col];
      if (!Array.isArray(list) || next[col] >= list.length) throw malformed();
      (e as unknown as Record<string, unknown>)[field] = list[next[col]++];
    }
    events.push(e);
  }
  for (const [col] of COLUMNS) if ((cols[col]?.length ?? 0) !== next[col]) throw malformed();
  return events;
}

/** Version 1: every column has one value per event, null where the event has no such field. */
function decodeNullPadded(cols: TimelineColumns, what: string): SessionEvent[] {
  const events: SessionEvent[] = [];
  let t = 0;
  for (let i = 0; i < cols.t.length; i++) {
    t = i === 0 ? cols.t[0] : t + cols.t[i];
    const e: SessionEvent = { t, kind: kindAt(cols, i, what) };
    for (const [col, field] of COLUMNS) {
      const v = cols[col]?.[i];
      if (v !== null && v !== undefined) (e as unknown as Record<string, unknown>)[field] = v;
    }
    events.push(e);
  }
  return events;
}
