// "Preview Next Sync" against a real sql.js store: a new record is a whole write, a grown one an append of
// just its new events and notes, and the preview changes nothing (the records stay pending).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SessionStore } from '../../src/core/store/session-store';
import { generateSessions } from '../../src/lab/generator';
import { canonicalSession, type Session } from '../../src/core/model';
import { previewNextSync } from '../../src/core/sync/preview';
import { fullShape } from '../../src/core/sync/delta';
import { putShape } from '../../src/core/store/sync-state';
import { SESSIONS_TABLE } from '../../src/core/remote/sessions-table';
import { previewMarkdown } from '../../src/core/sync/preview-report';

const NOW = Date.UTC(2025, 5, 1, 12);
const dirs: string[] = [];
after(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

async function openStore(): Promise<SessionStore> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'preview-test-'));
  dirs.push(dir);
  return (await SessionStore.open(dir)).store;
}

/** Marks `s` as held by the remote exactly as it is, the way a committed sync leaves it. */
function markSynced(store: SessionStore, s: Session): void {
  putShape(store, s.id, fullShape(canonicalSession(s), 1));
  store.markSynced(SESSIONS_TABLE, [{ id: s.id, hash: store.contentHash(s.id)! }], NOW);
}

test('a new session is previewed as a whole write, and the preview leaves it pending', async () => {
  const store = await openStore();
  const [s] = generateSessions({ count: 1, seed: 3, now: NOW });
  store.upsert(s);
  const p = await previewNextSync(store);
  assert.equal(p.total, 1);
  assert.equal(p.records[0].kind, 'full');
  assert.equal(p.records[0].newEvents, s.events.length);
  assert.ok(p.encodedBytes > 0 && p.encodedBytes < p.rawBytes, `compressed: ${p.encodedBytes} < ${p.rawBytes}`);
  assert.deepEqual(p.workspaces, [s.workspace]);
  assert.equal(store.pendingCount(SESSIONS_TABLE), 1, 'nothing was marked as sent');
  await store.close();
});

test('a grown session is previewed as an append of its new events and note only', async () => {
  const store = await openStore();
  const [s] = generateSessions({ count: 1, seed: 4, now: NOW });
  store.upsert(s);
  markSynced(store, s);
  assert.equal((await previewNextSync(store)).total, 0);

  const t = s.endedAt + 1000;
  const grown: Session = { ...s, endedAt: t, updatedAt: t, events: [...s.events, { t, kind: 'save' }],
    notes: [...s.notes, { at: t, text: '<b>done</b>' }] };
  store.upsert(grown);
  const [r] = (await previewNextSync(store)).records;
  assert.equal(r.kind, 'append');
  assert.equal(r.newEvents, 1);
  assert.equal(r.newNotes, 1);
  assert.equal(r.newFiles, 0);
  assert.deepEqual(r.changedColumns, ['ended_at']);
  assert.equal(r.lastNote, '<b>done</b>');
  await store.close();
});

test('the preview document warns about pending sessions of a workspace excluded since', async () => {
  const store = await openStore();
  const [s] = generateSessions({ count: 1, seed: 5, now: NOW });
  store.upsert({ ...s, workspace: 'secret-project' });
  const text = previewMarkdown(await previewNextSync(store), ['secret-*']);
  assert.match(text, /Nothing was uploaded/);
  assert.match(text, /- ` secret-project `/);
  assert.match(text, /\*\*Warning:\*\* ` secret-project ` matches an exclusion/);
  await store.close();
});
