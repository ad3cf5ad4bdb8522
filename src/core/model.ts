// The session record: what the recorder builds, the store keeps, and the sync sends.
// Times are milliseconds since the Unix epoch (UTC).

export const EVENT_KINDS = ['open', 'edit', 'save', 'focus', 'blur', 'debug', 'task', 'terminal', 'note'] as const;
export type EventKind = (typeof EVENT_KINDS)[number];

export interface SessionEvent {
  /** When it happened (ms epoch). Events are kept in time order. */
  t: number;
  kind: EventKind;
  /** Index into `Session.files` when the event concerns a file. */
  file?: number;
  /** Characters added / removed by an edit burst. */
  added?: number;
  removed?: number;
  /** Free text: a task or debug configuration name, a terminal name. */
  detail?: string;
}

export interface SessionNote {
  at: number;
  text: string;
}

export interface Session {
  /** Stable unique id (UUID or generator id). */
  id: string;
  /** Workspace name (never an absolute path). */
  workspace: string;
  branch: string | null;
  startedAt: number;
  endedAt: number;
  /** Time with editor activity, excluding idle gaps. */
  activeMs: number;
  /** Files touched, in first-touched order; append-only so event indexes stay valid. */
  files: string[];
  /** Language id -> number of edit events in it. */
  languages: Record<string, number>;
  edits: number;
  charsAdded: number;
  charsRemoved: number;
  events: SessionEvent[];
  notes: SessionNote[];
  /** Last change of this record (ms epoch); newer always wins on the remote. */
  updatedAt: number;
}

/** Keys in a fixed order, so the same session always serializes (and hashes) to the same bytes. */
const SESSION_KEYS: (keyof Session)[] = [
  'id', 'workspace', 'branch', 'startedAt', 'endedAt', 'activeMs', 'files', 'languages', 'edits',
  'charsAdded', 'charsRemoved', 'events', 'notes', 'updatedAt',
];
const EVENT_KEYS: (keyof SessionEvent)[] = ['t', 'kind', 'file', 'added', 'removed', 'detail'];

function sortedRecord(rec: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of Object.keys(rec).sort()) out[k] = rec[k];
  return out;
}

/** A copy of one event with keys in canonical order and absent optional fields dropped. */
export function canonicalEvent(e: SessionEvent): SessionEvent {
  const ev: Record<string, unknown> = {};
  for (const ek of EVENT_KEYS) if (e[ek] !== undefined) ev[ek] = e[ek];
  return ev as unknown as SessionEvent;
}

/**
 * A copy with keys in canonical order and absent optional fields dropped. `events`, when given, are the
 * session's events already in canonical form (the builder reuses the copies of events that can no longer change).
 */
export function canonicalSession(s: Session, events?: SessionEvent[]): Session {
  const out: Record<string, unknown> = {};
  for (const k of SESSION_KEYS) {
    if (k === 'events') {
      out.events = events ?? s.events.map(canonicalEvent);
    } else if (k === 'notes') {
      out.notes = s.notes.map((n) => ({ at: n.at, text: n.text }));
    } else if (k === 'languages') {
      out.languages = sortedRecord(s.languages);
    } else {
      out[k] = s[k];
    }
  }
  return out as unknown as Session;
}

/** Canonical JSON of one session: the `export` line format and the input to content hashes. */
export function sessionToJson(s: Session): string {
  return JSON.stringify(canonicalSession(s));
}

export class InvalidSessionError extends Error {}

function need(cond: boolean, what: string): void {
  if (!cond) throw new InvalidSessionError(what);
}

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);

/** The last millisecond of year 9999: later dates do not survive ISO formatting or SQLite's date functions. */
export const MAX_TIME = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/** Text the remote stores differently: libSQL cuts a value at NUL, and a lone surrogate becomes U+FFFD. */
const NUL = /\u0000/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Why `text` cannot make the round trip unchanged, or undefined when it can. */
function textProblem(text: string): string | undefined {
  if (NUL.test(text)) return 'contains a NUL character';
  if (LONE_SURROGATE.test(text)) return 'contains a lone UTF-16 surrogate (broken Unicode)';
  return undefined;
}

/** The same text with NUL characters and lone surrogates replaced by U+FFFD: what the recorder keeps. */
export function wellFormedText(text: string): string {
  return text.replace(new RegExp(`${NUL.source}|${LONE_SURROGATE.source}`, 'g'), '\uFFFD');
}

function needText(v: unknown, what: string, optional = false): void {
  if (optional && v === undefined) return;
  need(typeof v === 'string', `${what} must be a string`);
  const problem = textProblem(v as string);
  need(problem === undefined, `${what} ${problem}, which the remote cannot store as it is`);
}

function needTime(v: unknown, what: string): void {
  need(isInt(v) && v >= 0 && v <= MAX_TIME, `${what} must be a time in ms from 1970 to the end of year 9999`);
}

function needCount(v: unknown, what: string, optional = false): void {
  if (optional && v === undefined) return;
  need(isInt(v) && v >= 0, `${what} must be a non-negative integer`);
}

/**
 * Checks an untrusted value (an import line, an inbox file, a remote row, a stored record before it is sent) and
 * returns it as a Session. Anything that would not come back identical from the remote is refused, naming the field.
 */
export function parseSession(value: unknown): Session {
  checkSession(value);
  return canonicalSession(value as Session);
}

/** parseSession's checks without the copy. Throws InvalidSessionError naming the first bad field. */
export function checkSession(value: unknown): asserts value is Session {
  need(typeof value === 'object' && value !== null && !Array.isArray(value), 'a session must be a JSON object');
  const v = value as Record<string, unknown>;
  need(typeof v.id === 'string' && v.id.length > 0 && v.id.length <= 200, '"id" must be a non-empty string');
  needText(v.id, '"id"');
  needText(v.workspace, '"workspace"');
  need(v.branch === null || typeof v.branch === 'string', '"branch" must be a string or null');
  if (v.branch !== null) needText(v.branch, '"branch"');
  for (const k of ['startedAt', 'endedAt', 'updatedAt']) needTime(v[k], `"${k}"`);
  need((v.endedAt as number) >= (v.startedAt as number), '"endedAt" must not be before "startedAt"');
  for (const k of ['activeMs', 'edits', 'charsAdded', 'charsRemoved']) needCount(v[k], `"${k}"`);
  need(Array.isArray(v.files), '"files" must be an array of strings');
  (v.files as unknown[]).forEach((f, i) => needText(f, `"files"[${i}]`));
  checkLanguages(v.languages);
  need(Array.isArray(v.events), '"events" must be an array');
  const fileCount = (v.files as string[]).length;
  for (const [i, e] of (v.events as unknown[]).entries()) {
    const ev = e as Record<string, unknown>;
    need(typeof ev === 'object' && ev !== null, `event ${i} must be an object`);
    needTime(ev.t, `event ${i}: "t"`);
    need(EVENT_KINDS.includes(ev.kind as EventKind), `event ${i} has an unknown kind ${JSON.stringify(ev.kind)}`);
    need(ev.file === undefined || (isInt(ev.file) && ev.file >= 0 && ev.file < fileCount),
      `event ${i} refers to a file that is not in "files"`);
    needCount(ev.added, `event ${i}: "added"`, true);
    needCount(ev.removed, `event ${i}: "removed"`, true);
    needText(ev.detail, `event ${i}: "detail"`, true);
  }
  need(Array.isArray(v.notes), '"notes" must be an array of { at, text }');
  for (const [i, n] of (v.notes as unknown[]).entries()) {
    const note = n as Record<string, unknown>;
    need(typeof note === 'object' && note !== null, `note ${i} must be an object { at, text }`);
    needTime(note.at, `note ${i}: "at"`);
    needText(note.text, `note ${i}: "text"`);
  }
}

function checkLanguages(languages: unknown): void {
  need(typeof languages === 'object' && languages !== null && !Array.isArray(languages),
    '"languages" must map language ids to integers');
  for (const [k, n] of Object.entries(languages as object)) {
    // An object key "__proto__" is dropped by plain objects on the way through: refuse it rather than lose it.
    need(k !== '__proto__', '"languages" cannot have the key "__proto__"');
    needText(k, `"languages" key ${JSON.stringify(k)}`);
    needCount(n, `"languages"."${k}"`);
  }
}
