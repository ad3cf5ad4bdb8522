// Deterministic generator of realistic coding sessions (CLI `seed` and `mutate`, tests, benchmarks).
// The product compresses and syncs these records, so they must look like real recordings: a handful of projects
// per user, files reused within and across sessions, edit bursts, idle gaps, heavy-tailed session lengths, notes.
// Every session is built from its own child stream (`session:<index>`), so it never depends on the count asked for.

import { type EventKind, type Session, type SessionEvent, type SessionNote } from '../core/model';
import { Rng, hashUnit, type Seed, type Weighted } from './rng';
import {
  NOTE_BODIES, NOTE_CLOSERS, NOTE_OPENERS, NOTE_SNIPPETS, PEOPLE, PROJECTS, STACKS, TOPICS, WORDS, languageOf,
  type Stack, type StackSpec,
} from './generator-catalog';

export { languageOf };

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const DAY = 24 * 60 * MINUTE;
/** Gaps longer than this are idle time (matches the recorder's default activity window). */
const ACTIVITY_WINDOW_MS = 2 * MINUTE;

// ---------------------------------------------------------------------------------------------------------------
// Projects: a deterministic file pool per workspace name, shared by every seed so files recur across sessions.

interface Project {
  name: string;
  stack: StackSpec;
  /** Files with Zipf-like weights: a few hot files get most of the attention. */
  pool: Weighted<string>[];
  branches: Weighted<string | null>[];
  tasks: string[];
  debug: string[];
}

const cap = (w: string): string => w[0].toUpperCase() + w.slice(1);

function fillPattern(pattern: string, words: string[], pkg: string): string {
  return pattern
    .replace(/\{P\}/g, words.map(cap).join(''))
    .replace(/\{c\}/g, words[0] + words.slice(1).map(cap).join(''))
    .replace(/\{s\}/g, words.join('_'))
    .replace(/\{k\}/g, words.join('-'))
    .replace(/\{pkg\}/g, pkg);
}

function makePool(rng: Rng, spec: StackSpec, pkg: string): string[] {
  const paths = new Set(spec.fixed.map((f) => fillPattern(f, [], pkg)));
  const target = paths.size + rng.int(20, 110);
  for (let tries = 0; paths.size < target && tries < target * 4; tries++) {
    paths.add(fillPattern(rng.pick(spec.patterns), rng.pick(WORDS), pkg));
  }
  const list = [...paths];
  for (let i = list.length - 1; i > 0; i--) { // shuffle, so which files are hot differs per project
    const j = rng.int(0, i);
    [list[i], list[j]] = [list[j], list[i]];
  }
  return list;
}

function makeBranches(rng: Rng): Weighted<string | null>[] {
  const out: Weighted<string | null>[] = [['main', 30]];
  const n = rng.int(2, 9);
  for (let i = 0; i < n; i++) {
    const topic = rng.pick(TOPICS);
    const name = rng.weighted<string>([
      [`feature/${topic}`, 5], [`fix/${topic}`, 3], [`refactor/${topic}`, 1], [`chore/${topic}`, 1],
      [`feature/PROJ-${rng.int(100, 2999)}-${topic}`, 2],
    ]);
    out.push([name, rng.int(2, 20)]);
  }
  out.push([null, 1]); // a scratch folder that is not a git repository
  return out;
}

const projectCache = new Map<string, Project>();

/** The project behind a workspace name; unknown names get a stack guessed from their files. */
function projectFor(name: string, files: readonly string[] = []): Project {
  const known = PROJECTS.find(([n]) => n === name);
  const stackName = known ? known[1] : guessStack(files);
  const key = `${name}\u0000${stackName}`;
  const cached = projectCache.get(key);
  if (cached) return cached;
  const rng = Rng.from(`project:${key}`);
  const stack = STACKS[stackName];
  const pkg = name.replace(/[^A-Za-z0-9]+/g, '_');
  const fill = (list: readonly string[]) => list.map((d) => fillPattern(d, [], pkg));
  const config = new Set(fill(stack.fixed));
  // Zipf over a shuffled pool; config files are touched, but seldom the hottest.
  const pool = makePool(rng, stack, pkg)
    .map((p, i): Weighted<string> => [p, (config.has(p) ? 0.3 : 1) / Math.pow(i + 1, 0.9)]);
  const project = { name, stack, pool, branches: makeBranches(rng), tasks: fill(stack.tasks), debug: fill(stack.debug) };
  projectCache.set(key, project);
  return project;
}

function guessStack(files: readonly string[]): Stack {
  const langs = files.map(languageOf);
  const has = (l: string) => langs.includes(l);
  if (has('rust')) return 'rust';
  if (has('go')) return 'go';
  if (has('python')) return 'python';
  if (has('typescriptreact')) return 'ts-web';
  if (has('typescript') || has('javascript')) return 'node-api';
  if (has('shellscript')) return 'shell';
  return has('markdown') ? 'docs' : 'node-api';
}

/** One simulated user: 3-8 projects, the first ones used much more often. */
function makeWorld(rng: Rng): Weighted<Project>[] {
  const names = PROJECTS.map(([n]) => n);
  const n = rng.int(3, 8);
  const out: Weighted<Project>[] = [];
  for (let i = 0; i < n; i++) {
    const name = names.splice(rng.int(0, names.length - 1), 1)[0];
    out.push([projectFor(name), 1 / (i + 1)]);
  }
  return out;
}

interface NoteContext {
  branch: string | null;
  files: readonly string[];
}

function fillNote(rng: Rng, template: string, ctx: NoteContext): string {
  return template.replace(/\{(\w+)\}/g, (_m, slot: string) => {
    switch (slot) {
      case 'branch': return ctx.branch ?? 'the scratch folder';
      case 'file': return ctx.files.length ? rng.pick(ctx.files) : 'README.md';
      case 'test': return ctx.files.find((f) => /test/.test(f)) ?? 'the test suite';
      case 'fn': { const w = rng.pick(WORDS); return w[0] + w.slice(1).map(cap).join(''); }
      case 'person': return rng.pick(PEOPLE);
      case 'topic': return rng.pick(TOPICS);
      case 'n': return String(rng.int(2, 900));
      case 'm': return String(rng.int(1, 120));
      default: return slot;
    }
  });
}

function makeNoteText(rng: Rng, ctx: NoteContext): string {
  const parts: string[] = [];
  const long = rng.chance(0.15);
  if (rng.chance(0.6)) parts.push(rng.pick(NOTE_OPENERS));
  const bodies = long ? rng.int(3, 8) : rng.int(0, 2);
  for (let i = 0; i < bodies; i++) parts.push(rng.pick(NOTE_BODIES));
  if (rng.chance(long ? 0.7 : 0.2)) parts.push(rng.pick(NOTE_SNIPPETS));
  if (parts.length === 0 || rng.chance(0.4)) parts.push(rng.pick(NOTE_CLOSERS));
  return parts.map((t) => fillNote(rng, t, ctx)).join(long ? '\n\n' : ' ');
}

// ---------------------------------------------------------------------------------------------------------------
// Timeline: events at offsets from 0, with the session's counters kept in step.

class Timeline {
  t = 0;
  active = 0;
  blurred = false;
  current = -1;
  readonly events: SessionEvent[] = [];
  readonly notes: SessionNote[] = [];
  readonly index = new Map<string, number>();
  /** Language of each file, by index (computed once: edits are the bulk of events). */
  private readonly langs: string[];
  edits = 0;
  added = 0;
  removed = 0;

  constructor(readonly files: string[], readonly languages: Record<string, number>) {
    files.forEach((f, i) => this.index.set(f, i));
    this.langs = files.map(languageOf);
  }

  /** Moves time on; only gaps while the window has focus, up to the activity window, count as active. */
  wait(ms: number): void {
    const gap = Math.max(1, Math.round(ms));
    this.t += gap;
    if (!this.blurred) this.active += Math.min(gap, ACTIVITY_WINDOW_MS);
  }

  /** Index of a file in `files`, appending it on first touch (files are append-only). */
  touch(path: string): number {
    let i = this.index.get(path);
    if (i === undefined) {
      i = this.files.length;
      this.files.push(path);
      this.langs.push(languageOf(path));
      this.index.set(path, i);
    }
    return i;
  }

  emit(kind: EventKind, extra: Omit<SessionEvent, 't' | 'kind'> = {}): void {
    this.events.push({ t: this.t, kind, ...extra });
  }

  edit(file: number, added: number, removed: number): void {
    this.emit('edit', { file, added, removed });
    this.edits++;
    this.added += added;
    this.removed += removed;
    const lang = this.langs[file];
    this.languages[lang] = (this.languages[lang] ?? 0) + 1;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Episodes: short stretches of realistic activity.

interface Ctx {
  rng: Rng;
  tl: Timeline;
  project: Project;
  workingSet: string[];
  /** Most recently used paths, newest first. */
  recent: string[];
  opened: Set<number>;
  branch: string | null;
}

// Edits closer than 2 s merge into one burst in the recorder, so recorded edit events are at least 2 s apart.
const typingGap = (rng: Rng) => 2 * SECOND + rng.logNormalInt(2500, 0.9, 50, 2 * MINUTE);
const thinkingGap = (rng: Rng) => rng.logNormalInt(20 * SECOND, 1.0, SECOND, 15 * MINUTE);

function nextPath(c: Ctx): string {
  const { rng } = c;
  if (rng.chance(0.03)) return rng.weighted(c.project.pool); // wander into a file outside today's plan
  if (c.recent.length > 1 && rng.chance(0.5)) return rng.pick(c.recent.slice(0, 3));
  return rng.pick(c.workingSet);
}

/** Switches the editor to a file: `open` the first time, a file `focus` when it is already open. */
function switchFile(c: Ctx, path: string = nextPath(c)): void {
  const file = c.tl.touch(path);
  c.tl.wait(thinkingGap(c.rng));
  if (!c.opened.has(file) || c.rng.chance(0.15)) {
    c.opened.add(file);
    c.tl.emit('open', { file });
  } else {
    c.tl.emit('focus', { file });
  }
  c.tl.current = file;
  c.recent = [path, ...c.recent.filter((p) => p !== path)].slice(0, 6);
}

function editSize(rng: Rng): [number, number] {
  const added = rng.weighted<() => number>([
    [() => rng.int(1, 25), 62], [() => rng.int(25, 120), 22], [() => rng.int(120, 600), 10],
    [() => rng.int(600, 4000), 3], [() => 0, 3],
  ])();
  const removed = rng.weighted<() => number>([
    [() => 0, 50], [() => rng.int(1, 15), 32], [() => rng.int(15, 150), 14], [() => rng.int(150, 2000), 4],
  ])();
  return [added, added === 0 && removed === 0 ? rng.int(1, 40) : removed];
}

function editBurst(c: Ctx): void {
  if (c.tl.current < 0 || c.rng.chance(0.25)) switchFile(c);
  const n = c.rng.logNormalInt(4, 0.9, 1, 80);
  c.tl.wait(thinkingGap(c.rng) / 2);
  for (let i = 0; i < n; i++) {
    if (i > 0) c.tl.wait(typingGap(c.rng));
    c.tl.edit(c.tl.current, ...editSize(c.rng));
  }
  if (c.rng.chance(0.8)) {
    c.tl.wait(c.rng.int(SECOND, 10 * SECOND));
    c.tl.emit('save', { file: c.tl.current });
  }
}

/** The window loses focus (browser, chat, a meeting) and comes back later. */
function blurIdle(c: Ctx): void {
  c.tl.wait(thinkingGap(c.rng));
  c.tl.emit('blur');
  c.tl.blurred = true;
  c.tl.wait(c.rng.logNormalInt(4 * MINUTE, 1.2, 10 * SECOND, 3 * 60 * MINUTE));
  c.tl.blurred = false;
  c.tl.emit('focus');
}

function runTask(c: Ctx): void {
  c.tl.wait(thinkingGap(c.rng));
  c.tl.emit('task', { detail: c.rng.pick(c.project.tasks) });
  c.tl.wait(c.rng.logNormalInt(30 * SECOND, 1.0, 3 * SECOND, 10 * MINUTE));
}

function useTerminal(c: Ctx): void {
  const name = c.rng.pick(c.project.stack.terminals);
  const n = c.rng.int(1, 4);
  for (let i = 0; i < n; i++) {
    c.tl.wait(i === 0 ? thinkingGap(c.rng) : c.rng.int(5 * SECOND, MINUTE));
    c.tl.emit('terminal', { detail: name });
  }
}

function debugRun(c: Ctx): void {
  c.tl.wait(thinkingGap(c.rng));
  c.tl.emit('debug', { detail: c.rng.pick(c.project.debug) });
  c.tl.wait(c.rng.logNormalInt(MINUTE, 1.0, 5 * SECOND, 20 * MINUTE));
  if (c.rng.chance(0.6)) switchFile(c); // stepping into a file from a stack frame
}

/** Reading code: several files opened in quick succession. */
function browse(c: Ctx): void {
  const n = c.rng.int(2, 6);
  for (let i = 0; i < n; i++) switchFile(c);
}

function addNote(c: Ctx): void {
  c.tl.wait(thinkingGap(c.rng));
  const text = makeNoteText(c.rng, { branch: c.branch, files: c.recent.length ? c.recent : c.workingSet });
  c.tl.emit('note');
  c.tl.notes.push({ at: c.tl.t, text });
}

const EPISODES: Weighted<(c: Ctx) => void>[] = [
  [editBurst, 55], [switchFile, 14], [blurIdle, 5], [runTask, 6], [useTerminal, 6], [debugRun, 3], [browse, 5],
];

/** Appends roughly `target` events, with `noteCount` notes spread over the run. */
function play(c: Ctx, target: number, noteCount: number): void {
  const noteAt = Array.from({ length: noteCount }, () => Math.floor(c.rng.float() * target)).sort((a, b) => a - b);
  const start = c.tl.events.length;
  while (c.tl.events.length - start < target) {
    while (noteAt.length && noteAt[0] <= c.tl.events.length - start) {
      noteAt.shift();
      addNote(c);
    }
    c.rng.weighted(EPISODES)(c);
  }
  for (let i = 0; i < noteAt.length; i++) addNote(c);
}

/** Files a session is likely to work on: a weighted sample of the project's pool. */
function pickWorkingSet(rng: Rng, project: Project, size: number, seedFiles: readonly string[] = []): string[] {
  const set = new Set(seedFiles);
  const want = Math.min(project.pool.length + set.size, set.size + size);
  for (let tries = 0; set.size < want && tries < size * 10; tries++) set.add(rng.weighted(project.pool));
  return [...set];
}

// ---------------------------------------------------------------------------------------------------------------
// Public API.

export interface GenerateOptions {
  count: number;
  /** Sessions spread over the last `days` days before `now`. Default 30. */
  days?: number;
  /** Default 1. Same seed, count, days, now and prefix => byte-identical sessions. */
  seed?: Seed;
  /** Default Date.now(); pass it explicitly for reproducible output. */
  now?: number;
  /** Default 'gen'. */
  idPrefix?: string;
  /** Index of the first session (default 0): `first: n` continues where a run of `count: n` stopped. */
  first?: number;
}

function sessionId(prefix: string, seed: Seed, index: number): string {
  const label = String(seed).replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 40);
  return `${prefix}-${label}-${String(index).padStart(6, '0')}`;
}

/** Start time: uniform over the window, nudged towards waking hours, leaving room for the whole session. */
function pickStart(rng: Rng, now: number, days: number, duration: number): number {
  const windowStart = now - days * DAY;
  const latest = now - duration;
  if (latest <= windowStart) return Math.max(0, latest);
  let start = rng.int(windowStart, latest);
  for (let i = 0; i < 3; i++) {
    const hour = new Date(start).getUTCHours();
    if (hour >= 7 && hour <= 22) break;
    start = rng.int(windowStart, latest);
  }
  return start;
}

function shift(events: SessionEvent[], notes: SessionNote[], by: number, scale = 1): void {
  for (const e of events) e.t = by + Math.floor(e.t * scale);
  for (const n of notes) n.at = by + Math.floor(n.at * scale);
}

function buildSession(rng: Rng, world: Weighted<Project>[], id: string, now: number, days: number): Session {
  const project = rng.weighted(world);
  const branch = rng.weighted(project.branches);
  const target = rng.logNormalInt(190, 1.0, 6, 6000);
  const setSize = Math.max(1, Math.round((2 + Math.sqrt(target) * 0.6) * (0.5 + rng.float())));
  const tl = new Timeline([], {});
  const c: Ctx = { rng, tl, project, workingSet: pickWorkingSet(rng, project, setSize), recent: [], opened: new Set(),
    branch };
  tl.emit('focus');
  switchFile(c);
  play(c, target, rng.weighted([[0, 55], [1, 25], [2, 12], [3, 5], [5, 3]]));
  const duration = tl.t + rng.int(SECOND, 30 * SECOND);
  const startedAt = pickStart(rng, now, days, duration);
  shift(tl.events, tl.notes, startedAt);
  const endedAt = startedAt + duration;
  return {
    id, workspace: project.name, branch, startedAt, endedAt, activeMs: Math.min(tl.active, duration),
    files: tl.files, languages: tl.languages, edits: tl.edits, charsAdded: tl.added, charsRemoved: tl.removed,
    events: tl.events, notes: tl.notes, updatedAt: endedAt,
  };
}

function checkOptions(opts: GenerateOptions): void {
  if (!Number.isSafeInteger(opts.count) || opts.count < 0) throw new RangeError('count must be a non-negative integer');
  if (opts.days !== undefined && !(opts.days > 0)) throw new RangeError('days must be positive');
}

/** Sessions one at a time: memory stays flat however many are asked for. */
export function* iterateSessions(opts: GenerateOptions): Generator<Session, void, undefined> {
  checkOptions(opts);
  const seed = opts.seed ?? 1;
  const now = opts.now ?? Date.now();
  const days = opts.days ?? 30;
  const root = Rng.from(seed);
  const world = makeWorld(root.child('world'));
  for (let i = opts.first ?? 0; i < (opts.first ?? 0) + opts.count; i++) {
    yield buildSession(root.child(`session:${i}`), world, sessionId(opts.idPrefix ?? 'gen', seed, i), now, days);
  }
}

export function generateSessions(opts: GenerateOptions): Session[] {
  return Array.from(iterateSessions(opts));
}

/** Paths the session touched most recently, newest first. */
function recentFiles(s: Session, max: number): string[] {
  const out: string[] = [];
  for (let i = s.events.length - 1; i >= 0 && out.length < max; i--) {
    const f = s.events[i].file;
    if (f !== undefined && !out.includes(s.files[f])) out.push(s.files[f]);
  }
  return out;
}

/**
 * A new session object that continues `s` after its end: 5-60 more events, maybe new files and a note.
 * Existing events, notes and files are kept as they were (files stay append-only). When `now` leaves too little
 * room after `s.endedAt`, the new activity is compressed to fit; `updatedAt` is `now` (or later, to always grow).
 */
export function continueSession(s: Session, rng: Rng, now: number): Session {
  const project = projectFor(s.workspace, s.files);
  const recent = recentFiles(s, 8);
  const tl = new Timeline([...s.files], { ...s.languages });
  const c: Ctx = { rng, tl, project, workingSet: pickWorkingSet(rng, project, rng.int(0, 3), recent),
    recent: recent.slice(0, 3), opened: new Set(), branch: s.branch };
  tl.emit('focus');
  if (c.workingSet.length === 0) switchFile(c, rng.weighted(project.pool));
  play(c, rng.int(5, 60), rng.chance(0.25) ? 1 : 0);
  const span = tl.t + rng.int(SECOND, 20 * SECOND);
  const room = now - s.endedAt - 1;
  const gap = rng.logNormalInt(10 * MINUTE, 1.0, 5 * SECOND, 6 * 60 * MINUTE);
  const scale = room >= span || room < 2 ? 1 : room / span;
  const start = s.endedAt + 1 + (room >= span ? Math.min(gap, room - span) : 0);
  shift(tl.events, tl.notes, start, scale);
  const endedAt = start + Math.floor(span * scale);
  const activeMs = Math.min(s.activeMs + Math.floor(tl.active * scale), endedAt - s.startedAt);
  return {
    id: s.id, workspace: s.workspace, branch: s.branch, startedAt: s.startedAt, endedAt, activeMs,
    files: tl.files, languages: tl.languages, edits: s.edits + tl.edits, charsAdded: s.charsAdded + tl.added,
    charsRemoved: s.charsRemoved + tl.removed, events: [...s.events.map((e) => ({ ...e })), ...tl.events],
    notes: [...s.notes.map((n) => ({ ...n })), ...tl.notes], updatedAt: Math.max(now, s.updatedAt + 1, endedAt),
  };
}

/** Which `round(fraction * n)` of these ids to continue: a hash of (seed, id), so input order does not matter. */
export function chooseForMutation(ids: readonly string[], fraction: number, seed: Seed): Set<string> {
  const want = Math.round(Math.min(1, Math.max(0, fraction)) * ids.length);
  const ranked = ids.map((id) => [hashUnit(`${seed}/${id}`), id] as const).sort((a, b) => a[0] - b[0]);
  return new Set(ranked.slice(0, want).map(([, id]) => id));
}

/** The rng that continues one session, so `mutate` gives the same result however sessions are read. */
export function mutationRng(seed: Seed, id: string): Rng {
  return Rng.from(seed).child(`continue:${id}`);
}

/**
 * Continues exactly round(fraction * n) of the sessions (see chooseForMutation). Returns only the new
 * versions of the chosen sessions, in input order.
 */
export function mutateSessions(sessions: readonly Session[], fraction: number, seed: Seed, now: number): Session[] {
  const chosen = chooseForMutation(sessions.map((s) => s.id), fraction, seed);
  return sessions.filter((s) => chosen.has(s.id)).map((s) => continueSession(s, mutationRng(seed, s.id), now));
}
