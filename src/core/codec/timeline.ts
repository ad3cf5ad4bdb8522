import { EVENT_KINDS, EventKind, SessionEvent } from '../model';

/**
 * A run of events stored column by column: times as deltas, kinds as one letter each, and the optional
 * fields as parallel arrays with null for "absent". Deflate finds far more repetition in columns than
 * in an array of objects (measured in ../shared/README.md: a third smaller per record).
 */
export interface TimelineColumns {
  /** First event time, then the gap to each next event (ms). */
  t: number[];
  /** One letter per event, see KIND_LETTERS. */
  k: string;
  f?: (number | null)[];
  a?: (number | null)[];
  r?: (number | null)[];
  d?: (string | null)[];
}

const KIND_LETTERS = 'oesfbdkmn';
const LETTER_OF = new Map<EventKind, string>(EVENT_KINDS.map((k, i) => [k, KIND_LETTERS[i]]));
const KIND_OF = new Map<string, EventKind>(EVENT_KINDS.map((k, i) => [KIND_LETTERS[i], k]));

type Optional = 'file' | 'added' | 'removed' | 'detail';
const COLUMNS: [keyof TimelineColumns, Optional][] = [['f', 'file'], ['a', 'added'], ['r', 'removed'], ['d', 'detail']];

export function encodeTimeline(events: SessionEvent[]): TimelineColumns {
  const cols: TimelineColumns = { t: [], k: '' };
  let prev = 0;
  const letters: string[] = [];
  events.forEach((e, i) => {
    cols.t.push(i === 0 ? e.t : e.t - prev);
    prev = e.t;
    letters.push(LETTER_OF.get(e.kind) as string);
  });
  cols.k = letters.join('');
  for (const [col, field] of COLUMNS) {
    if (events.some((e) => e[field] !== undefined)) {
      (cols as unknown as Record<string, unknown[]>)[col] = events.map((e) => e[field] ?? null);
    }
  }
  return cols;
}

export function decodeTimeline(cols: TimelineColumns, what: string): SessionEvent[] {
  if (!cols || !Array.isArray(cols.t) || typeof cols.k !== 'string' || cols.k.length !== cols.t.length) {
    throw new Error(`${what}: timeline frame is malformed`);
  }
  const events: SessionEvent[] = [];
  let t = 0;
  for (let i = 0; i < cols.t.length; i++) {
    t = i === 0 ? cols.t[0] : t + cols.t[i];
    const kind = KIND_OF.get(cols.k[i]);
    if (!kind) throw new Error(`${what}: unknown event kind letter "${cols.k[i]}"`);
    const e: SessionEvent = { t, kind };
    for (const [col, field] of COLUMNS) {
      const v = (cols as unknown as Record<string, unknown[] | undefined>)[col]?.[i];
      if (v !== null && v !== undefined) (e as unknown as Record<string, unknown>)[field] = v;
    }
    events.push(e);
  }
  return events;
}
