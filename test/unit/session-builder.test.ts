import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { parseSession, type Session } from '../../src/core/model';
import {
  applyPathPrivacy, isWorkspaceExcluded, SessionBuilder, type Activity, type SessionBuilderOptions,
} from '../../src/core/session-builder';

const T0 = Date.UTC(2025, 0, 6, 9, 0, 0);
const SEC = 1000;
const MIN = 60 * SEC;

function makeBuilder(opts: Partial<SessionBuilderOptions> = {}): SessionBuilder {
  let n = 0;
  return new SessionBuilder({ workspace: 'demo', branch: () => 'main', newId: () => `s${++n}`, ...opts });
}

/** Every snapshot the builder hands out must be a valid record. */
function valid(s: Session | undefined): Session {
  assert.ok(s, 'expected a session snapshot');
  assert.deepEqual(parseSession(JSON.parse(JSON.stringify(s))), s);
  return s;
}

const edit = (file: string, added: number, removed = 0, language = 'typescript'): Activity =>
  ({ kind: 'edit', file, added, removed, language });

describe('SessionBuilder', () => {
  it('starts a session on the first activity with workspace, branch and times', () => {
    const b = makeBuilder();
    assert.equal(b.current(), undefined);
    const s = valid(b.record({ kind: 'open', file: 'src/a.ts' }, T0));
    assert.equal(s.id, 's1');
    assert.equal(s.workspace, 'demo');
    assert.equal(s.branch, 'main');
    assert.equal(s.startedAt, T0);
    assert.equal(s.endedAt, T0);
    assert.deepEqual(s.events, [{ t: T0, kind: 'open', file: 0 }]);
  });

  it('splits into two sessions after the idle timeout; the first ends at its last activity', () => {
    const b = makeBuilder({ idleTimeoutMs: 15 * MIN });
    b.record(edit('a.ts', 5), T0);
    b.record(edit('a.ts', 5), T0 + 10 * MIN);
    assert.equal(b.expire(T0 + 24 * MIN), undefined, 'not idle for 15 min yet');
    assert.equal(b.idleDeadline(), T0 + 25 * MIN);
    const first = valid(b.expire(T0 + 25 * MIN));
    assert.equal(first.id, 's1');
    assert.equal(first.endedAt, T0 + 10 * MIN);
    assert.equal(b.current(), undefined);
    const second = valid(b.record(edit('b.ts', 3), T0 + 40 * MIN));
    assert.equal(second.id, 's2');
    assert.equal(second.startedAt, T0 + 40 * MIN);
    assert.deepEqual(second.files, ['b.ts']);
    assert.equal(second.charsAdded, 3);
  });

  it('a changed idle timeout applies to the open session at once', () => {
    const b = makeBuilder({ idleTimeoutMs: 15 * MIN });
    b.record(edit('a.ts', 5), T0);
    b.setIdleTimeout(5 * MIN);
    assert.equal(b.idleDeadline(), T0 + 5 * MIN);
    assert.equal(valid(b.expire(T0 + 6 * MIN)).endedAt, T0, 'idle for 6 min ends it under the new 5 min timeout');
  });

  it('starts a new session even when the caller never called expire', () => {
    const b = makeBuilder({ idleTimeoutMs: 15 * MIN });
    b.record(edit('a.ts', 1), T0);
    const s = valid(b.record(edit('a.ts', 1), T0 + 16 * MIN));
    assert.equal(s.id, 's2');
    assert.equal(s.edits, 1);
  });

  it('coalesces typing on one file into one edit burst and sums the characters', () => {
    const b = makeBuilder();
    for (let i = 0; i < 20; i++) b.record(edit('a.ts', 1, i % 5 === 0 ? 1 : 0), T0 + i * 300);
    const s = valid(b.current());
    assert.equal(s.events.length, 1);
    assert.deepEqual(s.events[0], { t: T0, kind: 'edit', file: 0, added: 20, removed: 4 });
    assert.equal(s.edits, 1);
    assert.deepEqual(s.languages, { typescript: 1 });
    assert.equal(s.charsAdded, 20);
    assert.equal(s.charsRemoved, 4);
    assert.equal(s.endedAt, T0 + 19 * 300);
  });

  it('starts a new burst after a pause, on another file, or after another event', () => {
    const b = makeBuilder();
    b.record(edit('a.ts', 1), T0);
    b.record(edit('a.ts', 1), T0 + 5 * SEC); // pause > 2 s
    b.record(edit('b.py', 1, 0, 'python'), T0 + 6 * SEC); // other file
    b.record({ kind: 'save', file: 'b.py' }, T0 + 7 * SEC);
    b.record(edit('b.py', 1, 0, 'python'), T0 + 8 * SEC); // after a save
    const s = valid(b.current());
    assert.deepEqual(s.events.map((e) => e.kind), ['edit', 'edit', 'edit', 'save', 'edit']);
    assert.equal(s.edits, 4);
    assert.deepEqual(s.languages, { python: 2, typescript: 2 });
  });

  it('ignores edits that change nothing and window focus changes outside a session', () => {
    const b = makeBuilder();
    assert.equal(b.record(edit('a.ts', 0, 0), T0), undefined);
    assert.equal(b.record({ kind: 'blur' }, T0), undefined);
    assert.equal(b.record({ kind: 'focus' }, T0), undefined);
    assert.equal(b.current(), undefined);
  });

  it('counts active time only across short gaps, not idle ones or time away after a blur', () => {
    const b = makeBuilder({ activityWindowMs: 2 * MIN });
    b.record({ kind: 'open', file: 'a.ts' }, T0);
    b.record({ kind: 'save', file: 'a.ts' }, T0 + 1 * MIN); // +1 min active
    b.record({ kind: 'save', file: 'a.ts' }, T0 + 6 * MIN); // 5 min gap: idle, not counted
    b.record({ kind: 'blur' }, T0 + 6 * MIN + 30 * SEC); // +30 s active
    b.record({ kind: 'focus' }, T0 + 7 * MIN + 30 * SEC); // 1 min away: not counted
    b.record({ kind: 'terminal', detail: 'bash' }, T0 + 8 * MIN); // +30 s active
    const s = valid(b.current());
    assert.equal(s.activeMs, 2 * MIN);
    assert.equal(s.endedAt - s.startedAt, 8 * MIN);
  });

  it('keeps files append-only and events pointing at the right file', () => {
    const b = makeBuilder();
    const files = ['src/a.ts', 'src/b.ts', 'src/a.ts', 'README.md', 'src/b.ts'];
    let prev: string[] = [];
    files.forEach((f, i) => {
      const s = valid(b.record({ kind: 'open', file: f }, T0 + i * SEC));
      assert.deepEqual(s.files.slice(0, prev.length), prev, 'earlier entries never move');
      prev = s.files;
    });
    const s = valid(b.current());
    assert.deepEqual(s.files, ['src/a.ts', 'src/b.ts', 'README.md']);
    assert.deepEqual(s.events.map((e) => s.files[e.file ?? -1]), files);
  });

  it('records events without a file when the path is withheld', () => {
    const b = makeBuilder();
    const s = valid(b.record({ kind: 'edit', added: 4, language: 'go' }, T0));
    assert.deepEqual(s.files, []);
    assert.deepEqual(s.events, [{ t: T0, kind: 'edit', added: 4, removed: 0 }]);
  });

  it('adds notes as note events, starting a session if needed', () => {
    const b = makeBuilder();
    const s1 = valid(b.addNote('  fixed the flaky sync test  ', T0));
    assert.deepEqual(s1.notes, [{ at: T0, text: 'fixed the flaky sync test' }]);
    assert.deepEqual(s1.events, [{ t: T0, kind: 'note' }]);
    assert.equal(b.addNote('   ', T0 + SEC), undefined, 'a blank note is ignored');
    const s2 = valid(b.addNote('second', T0 + 2 * SEC));
    assert.equal(s2.id, s1.id);
    assert.equal(s2.notes.length, 2);
    assert.equal(s2.updatedAt, T0 + 2 * SEC);
  });

  it('records debug, task and terminal details', () => {
    const b = makeBuilder();
    b.record({ kind: 'debug', detail: 'Launch Program' }, T0);
    b.record({ kind: 'task', detail: 'npm: build' }, T0 + SEC);
    const s = valid(b.record({ kind: 'terminal', detail: 'zsh' }, T0 + 2 * SEC));
    assert.deepEqual(s.events.map((e) => [e.kind, e.detail]),
      [['debug', 'Launch Program'], ['task', 'npm: build'], ['terminal', 'zsh']]);
  });

  it('returns snapshots that later activity does not change', () => {
    const b = makeBuilder();
    const s1 = valid(b.record(edit('a.ts', 1), T0));
    const copy = JSON.stringify(s1);
    b.record(edit('a.ts', 1), T0 + 100);
    b.record(edit('b.ts', 1), T0 + 200);
    b.addNote('n', T0 + 300);
    assert.equal(JSON.stringify(s1), copy);
  });

  it('end() closes the session and returns the final snapshot once', () => {
    const b = makeBuilder();
    b.record(edit('a.ts', 3), T0);
    const final = valid(b.end(T0 + 5 * SEC));
    assert.equal(final.endedAt, T0);
    assert.equal(final.charsAdded, 3);
    assert.equal(b.end(T0 + 6 * SEC), undefined);
    assert.equal(b.current(), undefined);
    assert.equal(valid(b.record(edit('a.ts', 1), T0 + 7 * SEC)).id, 's2');
  });

  it('keeps events in time order when the clock steps back', () => {
    const b = makeBuilder();
    b.record({ kind: 'open', file: 'a.ts' }, T0 + 10 * SEC);
    const s = valid(b.record({ kind: 'save', file: 'a.ts' }, T0));
    assert.deepEqual(s.events.map((e) => e.t), [T0 + 10 * SEC, T0 + 10 * SEC]);
    assert.equal(s.updatedAt, T0 + 10 * SEC);
  });

  it('caps the timeline at maxEvents but keeps counting totals', () => {
    const b = makeBuilder({ maxEvents: 3 });
    for (let i = 0; i < 6; i++) b.record(edit(`f${i}.ts`, 2), T0 + i * SEC);
    const s = valid(b.current());
    assert.equal(s.events.length, 3);
    assert.equal(s.edits, 6);
    assert.equal(s.charsAdded, 12);
  });

  it('fills in the branch once it becomes known', () => {
    let branch: string | null = null;
    const b = makeBuilder({ branch: () => branch });
    assert.equal(valid(b.record({ kind: 'open' }, T0)).branch, null);
    branch = 'feature/x';
    assert.equal(valid(b.record({ kind: 'save' }, T0 + SEC)).branch, 'feature/x');
  });
});

describe('applyPathPrivacy', () => {
  it('relative: path inside the workspace with POSIX separators', () => {
    assert.equal(applyPathPrivacy('/home/ann/proj/src/a.ts', '/home/ann/proj', 'relative'), 'src/a.ts');
    assert.equal(applyPathPrivacy('C:\\Users\\ann\\proj\\src\\a.ts', 'C:\\Users\\ann\\proj', 'relative'), 'src/a.ts');
  });

  it('relative: files outside the workspace keep only their base name', () => {
    assert.equal(applyPathPrivacy('/etc/hosts', '/home/ann/proj', 'relative'), 'hosts');
    assert.equal(applyPathPrivacy('/home/ann/proj-other/x.md', '/home/ann/proj', 'relative'), 'x.md');
    assert.equal(applyPathPrivacy('D:\\notes\\todo.txt', 'C:\\Users\\ann\\proj', 'relative'), 'todo.txt');
  });

  it('none: no path at all', () => {
    assert.equal(applyPathPrivacy('/home/ann/proj/src/a.ts', '/home/ann/proj', 'none'), undefined);
  });
});

describe('isWorkspaceExcluded', () => {
  it('matches the workspace name or its path', () => {
    assert.equal(isWorkspaceExcluded('client-acme', '/home/ann/work/client-acme', ['client-*']), true);
    assert.equal(isWorkspaceExcluded('secret', '/home/ann/private/secret', ['/home/ann/private/**']), true);
    assert.equal(isWorkspaceExcluded('x', '/home/ann/.hidden/x', ['**/.hidden/**']), true);
    assert.equal(isWorkspaceExcluded('x', 'C:\\Users\\ann\\private\\x\\', ['**/private/*']), true);
  });

  it('does not exclude other workspaces, or anything with no globs', () => {
    assert.equal(isWorkspaceExcluded('session-sync', '/home/ann/oss/session-sync', ['client-*', '/srv/**']), false);
    assert.equal(isWorkspaceExcluded('client-acme', '/home/ann/client-acme', []), false);
    assert.equal(isWorkspaceExcluded('client-acme', '/home/ann/client-acme', ['  ', '']), false);
  });
});
