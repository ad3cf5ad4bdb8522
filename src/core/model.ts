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

/** Checks an untrusted value (an import line, an inbox file, a remote row) and returns it as a Session. */
export function parseSession(value: unknown): Session {
  need(typeof value === 'object' && value !== null && !Array.isArray(value), 'a session must be a JSON object');
  const v = value as Record<string, unknown>;
  need(typeof v.id === 'string' && v.id.length > 0 && v.id.length <= 200, '"id" must be a non-empty string');
  need(typeof v.workspace === 'string', '"workspace" must be a string');
  need(v.branch === null || typeof v.branch === 'string', '"branch" must be a string or null');
  for (const k of ['startedAt', 'endedAt', 'activeMs', 'edits', 'charsAdded', 'charsRemoved', 'updatedAt']) {
    need(isInt(v[k]) && (v[k] as number) >= 0, `"${k}" must be a non-negative integer`);
  }
  need(Array.isArray(v.files) && v.files.every((f) => typeof f === 'string'), '"files" must be an array of strings');
  need(typeof v.languages === 'object' && v.languages !== null && !Array.isArray(v.languages) &&
    Object.values(v.languages).every(isInt), '"languages" must map language ids to integers');
  need(Array.isArray(v.events), '"events" must be an array');
  const fileCount = (v.files as string[]).length;
  for (const [i, e] of (v.events as unknown[]).entries()) {
    const ev = e as Record<string, unknown>;
    need(typeof ev === 'object' && ev !== null && isInt(ev.t), `event ${i} needs an integer "t"`);
    need(EVENT_KINDS.includes(ev.kind as EventKind), `event ${i} has an unknown kind ${JSON.stringify(ev.kind)}`);
    need(ev.file === undefined || (isInt(ev.file) && ev.file >= 0 && ev.file < fileCount),
      `event ${i} refers to a file that is not in "files"`);
    need(ev.added === undefined || isInt(ev.added), `event ${i}: "added" must be an integer`);
    need(ev.removed === undefined || isInt(ev.removed), `event ${i}: "removed" must be an integer`);
    need(ev.detail === undefined || typeof ev.detail === 'string', `event ${i}: "detail" must be a string`);
  }
  need(Array.isArray(v.notes) && (v.notes as unknown[]).every((n) => {
    const note = n as Record<string, unknown>;
    return typeof note === 'object' && note !== null && isInt(note.at) && typeof note.text === 'string';
  }), '"notes" must be an array of { at, text }');
  return canonicalSession(v as unknown as Session);
}
