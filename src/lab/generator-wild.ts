// A second corpus, "wild": sessions whose shape differs on purpose from the built-in generator's, so that the
// codec is measured on data it was not designed on. Where generator.ts draws from tuned, narrow distributions,
// this one stretches every axis:
// - gaps between events are heavy-tailed (Pareto): keystroke-fast bursts, then minutes, then hours away;
// - monorepos with thousands of files at depth 3-12, and sessions that touch hundreds of them;
// - session lengths from 2 events to tens of thousands (log-normal with a wide sigma);
// - edit sizes of every magnitude (1 character to a million, log-uniform, pastes and reformat-alls included);
// - notes: none at all in most sessions, several kilobytes of markdown in some;
// - several machines, each naming sessions its own way (UUIDs, host counters, time-sortable ids).
// Every session is built from its own child stream (`session:<index>`), so it never depends on the count asked for.

import type { EventKind, Session, SessionEvent, SessionNote } from '../core/model';
import { Rng, type Seed, type Weighted } from './rng';
import { languageOf } from './generator-catalog';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const DAY = 24 * 60 * MINUTE;

const SYLLABLES = ['ka', 'lo', 'mi', 'zu', 'ter', 'vex', 'on', 'dra', 'pil', 'qu', 'ne', 'sor', 'ax', 'bri', 'fen',
  'gal', 'hu', 'ix', 'jor', 'mun', 'tal', 'ys', 'wen', 'cor', 'dex'];
const DIRS = ['src', 'lib', 'internal', 'pkg', 'cmd', 'services', 'packages', 'apps', 'modules', 'core', 'adapters',
  'handlers', 'v1', 'v2', 'generated', 'proto', 'testdata', '__tests__', 'fixtures', 'migrations', 'vendor', 'third_party'];
const EXTENSIONS: Weighted<string>[] = [['go', 10], ['ts', 10], ['tsx', 4], ['py', 8], ['rs', 5], ['java', 4],
  ['kt', 2], ['c', 2], ['h', 2], ['cpp', 2], ['sql', 2], ['proto', 2], ['yaml', 3], ['json', 3], ['md', 3], ['sh', 1],
  ['lock', 1], ['toml', 1], ['css', 1], ['txt', 1]];
/** Event kinds in another mix than the built-in corpus: more saves, focus changes and terminals. */
const KINDS: Weighted<EventKind>[] = [['edit', 40], ['save', 14], ['focus', 12], ['open', 8], ['blur', 5],
  ['terminal', 8], ['task', 5], ['debug', 3]];

const word = (rng: Rng, min = 1, max = 3): string => {
  let w = '';
  for (let i = rng.int(min, max); i > 0; i--) w += rng.pick(SYLLABLES);
  return w;
};

interface Machine {
  newId(rng: Rng, index: number): string;
}

const hex = (rng: Rng, n: number): string => {
  let s = '';
  for (let i = 0; i < n; i++) s += '0123456789abcdef'[rng.int(0, 15)];
  return s;
};

/** Machines name sessions differently: the editor's UUIDs, a host counter, a time-sortable base-32 id. */
function makeMachines(rng: Rng): Machine[] {
  const host = `${word(rng, 2, 2)}-${rng.pick(['laptop', 'desktop', 'devbox', 'ci-runner'])}`;
  return [
    { newId: (r) => `${hex(r, 8)}-${hex(r, 4)}-4${hex(r, 3)}-${'89ab'[r.int(0, 3)]}${hex(r, 3)}-${hex(r, 12)}` },
    { newId: (_r, i) => `${host}-${i}` },
    { newId: (r, i) => `01${(1_700_000_000_000 + i * 7919).toString(32).toUpperCase()}${hex(r, 10).toUpperCase()}` },
  ];
}

interface Repo {
  name: string;
  files: Weighted<string>[];
  branches: Weighted<string | null>[];
  tasks: string[];
}

function makePath(rng: Rng): string {
  const depth = rng.int(3, 12);
  const parts: string[] = [];
  for (let i = 0; i < depth - 1; i++) parts.push(rng.chance(0.5) ? rng.pick(DIRS) : word(rng, 1, 3));
  const sep = rng.pick(['_', '-', '']);
  parts.push(`${word(rng, 1, 2)}${sep}${word(rng, 1, 2)}.${rng.weighted(EXTENSIONS)}`);
  return parts.join('/');
}

function makeRepo(rng: Rng): Repo {
  const size = Math.round(Math.exp(rng.float() * Math.log(3000 / 40))) * 40; // 40 to 3,000 files
  const files = new Set<string>();
  while (files.size < size) files.add(makePath(rng));
  const name = `${word(rng, 2, 3)}${rng.pick(['', '-monorepo', '-svc', '.github.io', '_tools'])}`;
  const branches: Weighted<string | null>[] = [['main', 10], ['develop', 3], [null, 1]];
  for (let i = rng.int(0, 30); i > 0; i--) branches.push([`${rng.pick(['users', 'wip', 'release'])}/${word(rng)}-${rng.int(1, 99999)}`, 1]);
  const tasks = Array.from({ length: rng.int(1, 12) }, () => `${rng.pick(['make', 'bazel run', 'gradle', 'cargo', 'just'])} ${word(rng)}`);
  // Zipf-like over a random order: a few files are hot, most are touched rarely.
  return { name, files: [...files].map((f, i): Weighted<string> => [f, 1 / Math.pow(i + 1, 0.7)]), branches, tasks };
}

/** Pareto gap: mostly short, with a tail reaching hours (alpha near 1 gives every order of magnitude). */
function gap(rng: Rng): number {
  const base = rng.weighted<number>([[40, 5], [800, 3], [15 * SECOND, 2]]);
  return Math.min(8 * 60 * MINUTE, Math.round(base / Math.pow(1 - rng.float(), 1 / 1.1)));
}

/** Characters of an edit: log-uniform from 1 to a million, and sometimes nothing on one side. */
function magnitude(rng: Rng, zeroChance: number): number {
  return rng.chance(zeroChance) ? 0 : Math.floor(Math.exp(rng.float() * Math.log(1_000_000)));
}

function noteText(rng: Rng): string {
  const paragraphs: string[] = [];
  for (let p = rng.int(1, 12); p > 0; p--) {
    const sentences: string[] = [];
    for (let s = rng.int(1, 8); s > 0; s--) {
      sentences.push(Array.from({ length: rng.int(3, 18) }, () => word(rng, 1, 4)).join(' '));
    }
    const prefix = rng.weighted<string>([['', 6], ['- ', 2], ['## ', 1], ['> ', 1]]);
    paragraphs.push(prefix + sentences.join('. ') + '.');
  }
  return paragraphs.join('\n\n');
}

function buildSession(rng: Rng, repos: Weighted<Repo>[], id: string, now: number, days: number): Session {
  const repo = rng.weighted(repos);
  const target = rng.logNormalInt(60, 1.8, 2, 40_000);
  const files: string[] = [];
  const index = new Map<string, number>();
  const languages: Record<string, number> = {};
  const events: SessionEvent[] = [];
  const notes: SessionNote[] = [];
  const hot = Array.from({ length: Math.max(1, Math.round(Math.sqrt(target) * rng.float() * 2)) }, () => rng.weighted(repo.files));
  let t = 0, active = 0, edits = 0, added = 0, removed = 0, current = -1;
  const touch = (path: string): number => {
    let i = index.get(path);
    if (i === undefined) index.set(path, (i = files.push(path) - 1));
    return i;
  };
  const noteChance = rng.chance(0.7) ? 0 : rng.float() * 0.02;
  for (let n = 0; n < target; n++) {
    const g = n === 0 ? 0 : gap(rng);
    t += g;
    active += Math.min(g, 2 * MINUTE);
    if (rng.chance(noteChance)) {
      events.push({ t, kind: 'note' });
      notes.push({ at: t, text: noteText(rng) });
      continue;
    }
    const kind = rng.weighted(KINDS);
    if (kind === 'edit' || kind === 'save' || kind === 'open' || kind === 'focus') {
      if (current < 0 || kind === 'open' || (kind === 'focus' && rng.chance(0.8))) {
        current = touch(rng.chance(0.2) ? rng.weighted(repo.files) : rng.pick(hot));
      }
      if (kind !== 'edit') {
        events.push({ t, kind, file: current });
        continue;
      }
      const a = magnitude(rng, 0.2);
      const r = a === 0 ? Math.max(1, magnitude(rng, 0)) : magnitude(rng, 0.5);
      events.push({ t, kind, file: current, added: a, removed: r });
      edits++;
      added += a;
      removed += r;
      const lang = languageOf(files[current]);
      languages[lang] = (languages[lang] ?? 0) + 1;
    } else if (kind === 'blur') {
      events.push({ t, kind });
    } else {
      events.push({ t, kind, detail: kind === 'task' ? rng.pick(repo.tasks) : `${word(rng)}${kind === 'debug' ? ' (launch)' : ''}` });
    }
  }
  const duration = t + rng.int(1, 5 * MINUTE);
  const startedAt = now - rng.int(duration, Math.max(duration, days * DAY));
  for (const e of events) e.t += startedAt;
  for (const note of notes) note.at += startedAt;
  const endedAt = startedAt + duration;
  return {
    id, workspace: repo.name, branch: rng.weighted(repo.branches), startedAt, endedAt,
    activeMs: Math.min(active, duration), files, languages, edits, charsAdded: added, charsRemoved: removed, events,
    notes, updatedAt: endedAt + rng.int(0, 3) * rng.int(0, DAY),
  };
}

export interface WildOptions {
  count: number;
  seed?: Seed;
  now?: number;
  days?: number;
  /** Index of the first session (default 0), as in generator.ts. */
  first?: number;
}

/** Sessions one at a time, from several machines over `days` days (default 120) before `now`. */
export function* iterateWildSessions(opts: WildOptions): Generator<Session, void, undefined> {
  const root = Rng.from(`wild:${String(opts.seed ?? 1)}`);
  const now = opts.now ?? Date.now();
  const world = root.child('world');
  const machines = makeMachines(world);
  const repos: Weighted<Repo>[] = Array.from({ length: world.int(4, 14) }, (_, i) => [makeRepo(world), 1 / (i + 1)]);
  for (let i = opts.first ?? 0; i < (opts.first ?? 0) + opts.count; i++) {
    const rng = root.child(`session:${i}`);
    const machine = machines[rng.int(0, machines.length - 1)];
    yield buildSession(rng, repos, machine.newId(rng, i), now, opts.days ?? 120);
  }
}
