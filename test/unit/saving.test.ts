// What the user reads as a run's saving: against what naive would have sent for the same records, with the set-up
// (schema, dictionary) apart, never a meaningless negative figure.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { savingOf, savingSentence } from '../../src/core/sync/saving';
import { SessionStore } from '../../src/core/store/session-store';
import { Remote } from '../../src/core/remote/connect';
import { embeddedRemoteUrl } from '../../src/core/remote/target';
import { runSync } from '../../src/core/sync/engine';
import { listRuns } from '../../src/core/store/run-history';
import { formatBytes } from '../../src/core/format';
import type { Session } from '../../src/core/model';

const run = { strategy: 'optimized', sent: 1, bytesSent: 2765, setupBytes: 0, naiveBytes: 1200 };
const dirs: string[] = [];
after(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

test('the set-up is left out of the saving; a run that sent more than naive says so in words', () => {
  // The case users saw as "Saving -678%": 2.7 KB sent, most of it the remote's schema and dictionary.
  assert.deepEqual(savingOf({ ...run, setupBytes: 2600 }), { share: 1 - 165 / 1200, label: '86%' });
  assert.deepEqual(savingOf(run), { share: 0, label: '130% more than naive' });
  assert.equal(savingSentence({ ...run, setupBytes: 2600 }, formatBytes), "sent 165 B (+2.5 KB set-up), 86% less than naive's 1.2 KB");
});

test('nothing to compare shows "-", a naive run is the baseline, and anything sent never reads 100%', () => {
  assert.equal(savingOf({ ...run, sent: 0, naiveBytes: 0 }).label, '-');
  assert.equal(savingOf({ ...run, naiveBytes: null }).label, '-', 'a run recorded before naiveBytes existed');
  assert.equal(savingOf({ ...run, strategy: 'naive', naiveBytes: null }).label, 'baseline');
  assert.equal(savingOf({ ...run, bytesSent: 1, naiveBytes: 10_000 }).label, '99%');
  for (let sent = 0; sent < 5000; sent += 7) {
    const s = savingOf({ ...run, bytesSent: sent, setupBytes: sent % 3 ? 100 : 0 });
    assert.ok(!s.label.startsWith('-') && (s.share === null || (s.share >= 0 && s.share <= 1)), JSON.stringify(s));
  }
});

test('a first sync of one small session records its set-up apart and shows a real saving', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'saving-test-'));
  dirs.push(dir);
  const { store } = await SessionStore.open(dir);
  const remote = new Remote({ url: embeddedRemoteUrl(dir) });
  try {
    const small: Session = { id: 's1', workspace: 'w', branch: null, startedAt: 1000, endedAt: 9000, activeMs: 8000,
      files: ['a.ts'], languages: { typescript: 1 }, edits: 1, charsAdded: 3, charsRemoved: 0,
      events: [{ t: 1000, kind: 'open', file: 0 }, { t: 2000, kind: 'edit', file: 0, added: 3, removed: 0 }],
      notes: [], updatedAt: 9000 };
    store.upsertMany([small]);
    const r = await runSync(store, remote);
    assert.equal(r.result, 'ok', r.error ?? '');
    assert.ok(r.setupBytes > r.bytesSent / 2, `set-up ${r.setupBytes} of ${r.bytesSent} B`);
    assert.ok(r.naiveBytes! > 0);
    const [recorded] = listRuns(store, 1);
    assert.equal(recorded.setupBytes, r.setupBytes);
    assert.equal(recorded.naiveBytes, r.naiveBytes);
    assert.match(savingOf(recorded).label, /^\d+%$/);
  } finally {
    remote.close();
    await store.close();
  }
});
