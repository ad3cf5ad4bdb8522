// docs/remote-schema.md promises that its Python reader (standard library only) decodes what the sync writes. This
// runs that very code block, taken from the document, against a database the sync wrote from both corpora, with one
// session rewritten as an earlier release would have left it (frame version 1: a timeline of layout-1 and layout-2
// JSON chunks and a binary one, files in zlib with the dictionary), then extended by this release (a version-2
// frame), and compares every decoded session with the local store.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SessionStore } from '../../src/core/store/session-store';
import { Remote } from '../../src/core/remote/connect';
import { embeddedRemoteUrl } from '../../src/core/remote/target';
import { runSync } from '../../src/core/sync/engine';
import { generateSessions } from '../../src/lab/generator';
import { iterateWildSessions } from '../../src/lab/generator-wild';
import { concatBytes, encodeBinaryFrame, encodeFrame } from '../../src/core/codec/frames';
import { frameV1 } from './frames-v1';
import { encodeTimeline } from '../../src/core/codec/timeline';
import { encodeBinaryTimeline } from '../../src/core/codec/timeline-binary';

const NOW = Date.UTC(2025, 5, 1, 12);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'python-reader-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

function pythonReader(): string {
  const doc = fs.readFileSync(path.join(__dirname, '..', '..', 'docs', 'remote-schema.md'), 'utf8');
  const blocks = [...doc.matchAll(/```python\n([\s\S]*?)```/g)].map((m) => m[1]);
  assert.equal(blocks.length, 1, 'docs/remote-schema.md has one Python reader');
  return blocks[0];
}

test('the Python reader of docs/remote-schema.md decodes every session the sync wrote, in every layout', async (t) => {
  try {
    execFileSync('python3', ['--version']);
  } catch {
    t.skip('python3 is not installed');
    return;
  }
  const { store } = await SessionStore.open(dir);
  const remote = new Remote({ url: embeddedRemoteUrl(dir) });
  try {
    store.upsertMany([...generateSessions({ count: 40, seed: 'py', now: NOW }),
      ...iterateWildSessions({ count: 40, seed: 'py', now: NOW })]);
    const report = await runSync(store, remote);
    assert.equal(report.result, 'ok', report.error ?? '');
    // One session as an earlier release left it (frame version 1), then extended by this one (version 2): a
    // layout-1 chunk, a layout-2 chunk, a layout-3 one; files in zlib with the dictionary, then deflate with it.
    const old = [...store.iterate()].find((s) => s.events.length > 12 && s.files.length > 2)!;
    const [a, b, c, d] = [old.events.slice(0, 4), old.events.slice(4, 8), old.events.slice(8, 12), old.events.slice(12)];
    const v1 = { t: a.map((e, i) => (i ? e.t - a[i - 1].t : e.t)), k: encodeTimeline(a).k,
      f: a.map((e) => e.file ?? null), a: a.map((e) => e.added ?? null), r: a.map((e) => e.removed ?? null),
      d: a.map((e) => e.detail ?? null) };
    const rows = (await remote.execute('SELECT id, data FROM session_sync_dictionaries')).rows;
    assert.equal(rows.length, 1);
    const dict = { id: Number(rows[0][0]), bytes: new Uint8Array(rows[0][1] as ArrayBuffer) };
    const events = concatBytes([frameV1(v1), frameV1(encodeTimeline(b)), frameV1(null, dict, encodeBinaryTimeline(c)!.bytes),
      encodeBinaryFrame(encodeBinaryTimeline(d)!.bytes, dict)]);
    const files = concatBytes([frameV1(old.files.slice(0, 2), dict), encodeFrame(old.files.slice(2), dict)]);
    await remote.execute({ sql: 'UPDATE sessions SET events = ?, files = ? WHERE id = ?', args: [events, files, old.id] });
  } finally {
    remote.close();
  }
  const script = path.join(dir, 'reader.py');
  fs.writeFileSync(script, pythonReader());
  const lines = execFileSync('python3', [script, path.join(dir, 'remote.db')], { encoding: 'utf8', maxBuffer: 1 << 28 })
    .trim().split('\n').map((l) => JSON.parse(l) as { id: string; workspace: string });
  assert.equal(lines.length, 80);
  for (const got of lines) {
    const s = store.get(got.id)!;
    assert.deepEqual(got, { id: s.id, workspace: s.workspace, events: s.events, files: s.files, notes: s.notes }, got.id);
  }
  await store.close();
});
