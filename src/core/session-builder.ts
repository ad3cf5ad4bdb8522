// Turns a stream of editor activity into Session records for one workspace. Pure logic: the VS Code adapter
// (src/recorder.ts) feeds it activities and timestamps, so everything here runs and is tested in plain Node.
import { createHmac } from 'node:crypto';
import * as path from 'node:path';
import picomatch from 'picomatch';
import { canonicalEvent, canonicalSession, type EventKind, type Session, type SessionEvent, wellFormedText } from './model';

export interface Activity {
  kind: EventKind;
  /** Already privacy-transformed path (see applyPathPrivacy); absent when the mode is 'none'. */
  file?: string;
  language?: string;
  added?: number;
  removed?: number;
  detail?: string;
}

export interface SessionBuilderOptions {
  workspace: string;
  /** Read when a session starts, and again while the session's branch is still unknown. */
  branch: () => string | null;
  /** Inactivity after which the open session ends. Default 15 min. */
  idleTimeoutMs?: number;
  newId: () => string;
  /** Cap on events per session, so one record stays far below remote value limits. Default 10,000. */
  maxEvents?: number;
  /** A gap between activities counts as active time only when shorter than this. Default 2 min. */
  activityWindowMs?: number;
  /** Edits to the same file closer than this merge into one burst event. Default 2 s. */
  coalesceMs?: number;
}

export const DEFAULT_IDLE_TIMEOUT_MS = 15 * 60_000;
const DEFAULT_ACTIVITY_WINDOW_MS = 2 * 60_000;
const DEFAULT_COALESCE_MS = 2_000;
const DEFAULT_MAX_EVENTS = 10_000;
const MAX_DETAIL_CHARS = 200;
const MAX_NOTE_CHARS = 10_000;

/** Focus and blur only describe the window; they never start a session by themselves. */
const PASSIVE_KINDS: ReadonlySet<EventKind> = new Set(['focus', 'blur']);

interface OpenSession {
  s: Session;
  /** Time of the last activity (clamped so events stay in time order even if the clock steps back). */
  lastAt: number;
  /** The gap after a blur is time away from the editor, not active time. */
  afterBlur: boolean;
  /** Time of the last keystroke of the open edit burst, if the last event is an edit. */
  burstAt: number | undefined;
  fileIndex: Map<string, number>;
  /**
   * Canonical copies of the events that can no longer change (all but the last: only the last edit burst grows),
   * shared by every snapshot, so a snapshot copies one event rather than the whole timeline and the store can tell
   * unchanged events apart by identity.
   */
  final: SessionEvent[];
}

const count = (v: number | undefined): number => (v !== undefined && Number.isFinite(v) && v > 0 ? Math.trunc(v) : 0);

export class SessionBuilder {
  private open: OpenSession | undefined;
  private idleTimeoutMs: number;
  private readonly activityWindowMs: number;
  private readonly coalesceMs: number;
  private readonly maxEvents: number;

  constructor(private readonly opts: SessionBuilderOptions) {
    this.idleTimeoutMs = opts.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
    this.activityWindowMs = opts.activityWindowMs ?? DEFAULT_ACTIVITY_WINDOW_MS;
    this.coalesceMs = opts.coalesceMs ?? DEFAULT_COALESCE_MS;
    this.maxEvents = opts.maxEvents ?? DEFAULT_MAX_EVENTS;
  }

  get workspace(): string {
    return this.opts.workspace;
  }

  /**
   * Records one activity; returns a snapshot of the updated session, or undefined if the activity was ignored.
   * An idle session is silently replaced by a new one: call expire() first to get its final snapshot.
   */
  record(a: Activity, now: number): Session | undefined {
    return this.apply(a, now) === undefined ? undefined : this.current();
  }

  /**
   * Records one activity without copying the session: returns the id of the session it changed, or undefined if
   * it was ignored. The recorder calls this on every keystroke and takes a snapshot (current()) only when it
   * emits one, so a keystroke costs the same for a session of ten events or ten thousand.
   */
  apply(a: Activity, now: number): string | undefined {
    if (a.kind === 'note') return this.applyNote(a.detail ?? '', now);
    a = cleanActivity(a);
    if (a.kind === 'edit' && count(a.added) === 0 && count(a.removed) === 0) return undefined;
    this.expire(now);
    if (!this.open && PASSIVE_KINDS.has(a.kind)) return undefined;
    const st = this.open ?? this.start(now);
    const t = this.advance(st, now, a.kind);
    const file = a.file === undefined ? undefined : fileIndex(st, a.file);
    if (a.kind === 'edit') {
      this.edit(st, a, file, t);
    } else {
      st.burstAt = undefined;
      this.push(st, { t, kind: a.kind, file, detail: a.detail?.slice(0, MAX_DETAIL_CHARS) });
    }
    return this.touch(st, t);
  }

  /** Adds a note (the "Add Note" command); starts a session if none is open. Blank text is ignored. */
  addNote(text: string, now: number): Session | undefined {
    return this.applyNote(text, now) === undefined ? undefined : this.current();
  }

  private applyNote(text: string, now: number): string | undefined {
    const trimmed = wellFormedText(text.trim().slice(0, MAX_NOTE_CHARS));
    if (trimmed === '') return undefined;
    this.expire(now);
    const st = this.open ?? this.start(now);
    const t = this.advance(st, now, 'note');
    st.burstAt = undefined;
    st.s.notes.push({ at: t, text: trimmed });
    this.push(st, { t, kind: 'note' });
    return this.touch(st, t);
  }

  /** A changed setting: the open session too ends once it has been idle this long. */
  setIdleTimeout(ms: number): void {
    this.idleTimeoutMs = ms;
  }

  /** Closes the open session if it has been idle for idleTimeoutMs; returns its final snapshot. */
  expire(now: number): Session | undefined {
    if (!this.open || now - this.open.lastAt < this.idleTimeoutMs) return undefined;
    return this.end(now);
  }

  /** Closes the open session (window close, idle); returns its final snapshot. It ends at its last activity. */
  end(_now: number): Session | undefined {
    const st = this.open;
    this.open = undefined;
    return st && snapshot(st);
  }

  /** When the open session will count as idle (ms epoch), so the adapter can arm a timer. */
  idleDeadline(): number | undefined {
    return this.open && this.open.lastAt + this.idleTimeoutMs;
  }

  current(): Session | undefined {
    return this.open && snapshot(this.open);
  }

  /** The open session's id, without copying the session (the status bar asks on every change). */
  openId(): string | undefined {
    return this.open?.s.id;
  }

  private start(now: number): OpenSession {
    const t = Math.floor(now);
    const s: Session = {
      id: this.opts.newId(), workspace: wellFormedText(this.opts.workspace), branch: this.branch(),
      startedAt: t, endedAt: t, activeMs: 0, files: [], languages: {}, edits: 0, charsAdded: 0, charsRemoved: 0,
      events: [], notes: [], updatedAt: t,
    };
    this.open = { s, lastAt: t, afterBlur: false, burstAt: undefined, fileIndex: new Map(), final: [] };
    return this.open;
  }

  /** Moves the session clock to `now` and returns the event time; short gaps count as active time. */
  private advance(st: OpenSession, now: number, kind: EventKind): number {
    const t = Math.max(Math.floor(now), st.lastAt);
    const gap = t - st.lastAt;
    if (!st.afterBlur && gap < this.activityWindowMs) st.s.activeMs += gap;
    st.afterBlur = kind === 'blur';
    st.lastAt = t;
    return t;
  }

  private edit(st: OpenSession, a: Activity, file: number | undefined, t: number): void {
    const added = count(a.added);
    const removed = count(a.removed);
    st.s.charsAdded += added;
    st.s.charsRemoved += removed;
    const last = st.s.events[st.s.events.length - 1];
    const inBurst = last?.kind === 'edit' && last.file === file && st.burstAt !== undefined &&
      t - st.burstAt <= this.coalesceMs;
    st.burstAt = t;
    if (inBurst && last) {
      last.added = (last.added ?? 0) + added;
      last.removed = (last.removed ?? 0) + removed;
      return;
    }
    st.s.edits += 1;
    if (a.language) st.s.languages[a.language] = (st.s.languages[a.language] ?? 0) + 1;
    this.push(st, { t, kind: 'edit', file, added, removed });
  }

  /** Past maxEvents the timeline stops growing, but totals and active time keep counting. */
  private push(st: OpenSession, e: SessionEvent): void {
    if (st.s.events.length < this.maxEvents) st.s.events.push(e);
  }

  private touch(st: OpenSession, t: number): string {
    st.s.endedAt = t;
    st.s.updatedAt = t;
    if (st.s.branch === null) st.s.branch = this.branch();
    return st.s.id;
  }

  private branch(): string | null {
    const b = this.opts.branch();
    return b === null ? null : wellFormedText(b);
  }
}

/**
 * Editor text can hold what the remote cannot store as it is (a NUL or a lone surrogate in a terminal or file
 * name): it is recorded with U+FFFD there. A language id "__proto__" would vanish from a plain object: dropped.
 */
function cleanActivity(a: Activity): Activity {
  return {
    ...a,
    file: a.file === undefined ? undefined : wellFormedText(a.file),
    detail: a.detail === undefined ? undefined : wellFormedText(a.detail.slice(0, MAX_DETAIL_CHARS)),
    language: a.language === undefined || a.language === '__proto__' ? undefined : wellFormedText(a.language),
  };
}

function fileIndex(st: OpenSession, file: string): number {
  let i = st.fileIndex.get(file);
  if (i === undefined) {
    i = st.s.files.push(file) - 1;
    st.fileIndex.set(file, i);
  }
  return i;
}

/**
 * A copy that later activity cannot change: notes, languages and files are copied; events that can no longer
 * change are shared between snapshots (callers must not mutate a snapshot), the last one is copied.
 */
function snapshot(st: OpenSession): Session {
  const events = st.s.events;
  while (st.final.length < events.length - 1) st.final.push(canonicalEvent(events[st.final.length]));
  const rest = events.slice(st.final.length).map(canonicalEvent);
  return canonicalSession({ ...st.s, files: st.s.files.slice() }, st.final.concat(rest));
}

export type PathPrivacyMode = 'relative' | 'hashed' | 'none';

/** Windows paths (drive letter or UNC) need win32 path rules even when this code runs elsewhere (tests). */
function pathApi(p: string): path.PlatformPath {
  return /^[a-zA-Z]:[\\/]|^\\\\/.test(p) ? path.win32 : path.posix;
}

function relativeToWorkspace(absPath: string, workspaceRoot: string): string {
  const api = pathApi(workspaceRoot);
  const rel = api.relative(workspaceRoot, absPath);
  // Outside the workspace (or another drive): keep only the base name, never a path from the user's disk.
  if (rel === '' || rel.startsWith('..') || api.isAbsolute(rel)) return api.basename(absPath);
  return rel.split(api.sep).join('/');
}

/** Hex digits of a keyed name: 96 bits, so a user's files do not collide (about 2^48 names before one might). */
const KEYED_HEX = 24;

/**
 * A keyed hash (HMAC-SHA256 with the user's own secret): stable for the same text and key, and not reversible by
 * hashing a list of common paths or names, since the key never leaves the user's keychain.
 */
export function keyedName(text: string, key: Uint8Array): string {
  if (key.length < 16) throw new Error('The privacy key is missing or too short.');
  return createHmac('sha256', key).update(text).digest('hex').slice(0, KEYED_HEX);
}

/** What the recorder stores for a file path, according to the user's privacy setting; `hashed` needs the key. */
export function applyPathPrivacy(absPath: string, workspaceRoot: string, mode: PathPrivacyMode,
  key?: Uint8Array): string | undefined {
  if (mode === 'none') return undefined;
  const rel = relativeToWorkspace(absPath, workspaceRoot);
  if (mode === 'relative') return rel;
  // Same file, same name for this user, while the extension still shows the file type.
  return keyedName(rel, key ?? new Uint8Array()) + path.posix.extname(rel);
}

/** An event's free text (task, debug configuration or terminal name) under the same setting as file paths. */
export function applyDetailPrivacy(detail: string, mode: PathPrivacyMode, key?: Uint8Array): string | undefined {
  if (mode === 'none') return undefined;
  return mode === 'relative' ? detail : keyedName(detail, key ?? new Uint8Array());
}

/** True when the workspace's name or its path matches one of the user's exclusion globs. */
export function isWorkspaceExcluded(workspaceName: string, workspacePath: string, globs: string[]): boolean {
  const patterns = globs.map((g) => g.trim()).filter((g) => g !== '');
  if (patterns.length === 0) return false;
  const isMatch = picomatch(patterns, { dot: true });
  const posixPath = workspacePath.replace(/\\/g, '/').replace(/\/+$/, '');
  return isMatch(workspaceName) || (posixPath !== '' && isMatch(posixPath));
}
