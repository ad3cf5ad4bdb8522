// Settings applied where the user sees their effect, in a real VS Code on the embedded default remote:
// privacy.filePaths "hashed" and "none" in the synced `files`, a workspace in privacy.excludedWorkspaces records
// nothing, and a malformed sync.batchSize warns exactly once (not again after a later settings change) while the
// default batch size is used.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { SessionStore } from '../../../src/core/store/session-store';
import { postToInbox } from '../../../src/core/store/inbox';
import { generateSessions } from '../../../src/lab/generator';
import { ui } from './ui-bridge';
import { editAndSave, sessionSyncApi, settleRecorder, syncNowFromPalette, syncedText } from './helpers';
import { clearToasts, syncedFiles, toast, toastsMatching } from './observe';

const config = () => vscode.workspace.getConfiguration('sessionSync');
const setGlobal = (key: string, value: unknown) => config().update(key, value, vscode.ConfigurationTarget.Global);

/** Edits `name` in the workspace, then syncs from the palette; resolves with this workspace's synced file paths. */
async function editAndSync(name: string): Promise<string[]> {
  const api = await sessionSyncApi();
  await editAndSave(name, `// ${name}\n`);
  await settleRecorder(api);
  const run = await syncNowFromPalette(api);
  assert.equal(run.result, 'ok', `the sync succeeded: ${run.error ?? ''}`);
  return syncedFiles(api.remoteUrl(), vscode.workspace.name!);
}

/** Events recorded so far in this workspace's sessions, from the store file the window saved. */
async function workspaceEvents(): Promise<number> {
  const api = await sessionSyncApi();
  await api.flush();
  const { store } = await SessionStore.open(api.storeDir, { readOnly: true });
  try {
    return [...store.iterate()].filter((s) => s.workspace === vscode.workspace.name).reduce((n, s) => n + s.events.length, 0);
  } finally {
    await store.close();
  }
}

suite('settings applied', () => {
  suiteSetup(function () {
    if (!ui.available) this.skip();
  });

  teardown(async () => {
    for (const key of ['privacy.filePaths', 'privacy.excludedWorkspaces', 'sync.batchSize', 'sync.concurrency']) {
      await setGlobal(key, undefined);
    }
  });

  test('privacy.filePaths "hashed": the synced files hold a keyed hash of the path, not the path', async () => {
    const before = await editAndSync('privacy-before-hashed.ts');
    await setGlobal('privacy.filePaths', 'hashed');
    const after = await editAndSync('privacy-hashed.ts');
    const added = after.filter((f) => !before.includes(f));
    // The hash is keyed with a secret of this user's (the test cannot know it): its shape and the extension are checked.
    assert.equal(added.length, 1, `one new file name: ${JSON.stringify(added)}`);
    assert.match(added[0], /^[0-9A-Za-z_-]{6,}\.ts$/, 'a hash that keeps the extension');
    assert.ok(!after.some((f) => f.includes('privacy-hashed')), `no plain path is synced: ${JSON.stringify(after)}`);
  });

  test('privacy.filePaths "none": an edit adds no file at all to the synced files', async () => {
    const before = await editAndSync('privacy-before-none.ts');
    await setGlobal('privacy.filePaths', 'none');
    const after = await editAndSync('privacy-none.ts');
    assert.deepEqual(after, before, 'the edited file left no trace in the synced files');
  });

  test('a workspace in privacy.excludedWorkspaces records nothing', async () => {
    const api = await sessionSyncApi();
    await settleRecorder(api);
    const before = await workspaceEvents();
    await setGlobal('privacy.excludedWorkspaces', [vscode.workspace.name]);
    await settleRecorder(api);
    const excludedFrom = await workspaceEvents();
    await editAndSave('excluded.ts', '// typed in an excluded workspace\n');
    await settleRecorder(api);
    assert.equal(await workspaceEvents(), excludedFrom, 'no event was recorded once the workspace was excluded');
    assert.ok(excludedFrom >= before);
  });

  test('a malformed sync.batchSize: one warning, not again after another change, and batches of the default 100', async function () {
    this.timeout(120_000);
    const api = await sessionSyncApi();
    await clearToasts();
    const warning = 'Session Sync: Setting "sessionSync.sync.batchSize" must be a whole number from 1 to 1000; ' +
      'using the default (100).';
    await setGlobal('sync.batchSize', 'lots');
    assert.equal((await toast(warning, 'warning')).length, 1);
    // The user closes it; another change makes the settings be read again, and the warning must not come back.
    await clearToasts();
    await setGlobal('sync.concurrency', 3);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    assert.deepEqual(await toastsMatching(/sync\.batchSize/), [], 'the closed warning is not shown again');

    const extra = generateSessions({ count: 150, days: 1, seed: 'batch-size-it', idPrefix: 'batch-size-it' });
    for (const s of extra) await postToInbox(api.storeDir, s);
    await settleRecorder(api);
    const run = await syncNowFromPalette(api);
    assert.equal(run.result, 'ok', `the sync succeeded: ${run.error ?? ''}`);
    assert.ok(run.sent >= 150, `sent ${run.sent}`);
    assert.equal(run.batches, Math.ceil(run.sent / 100), `${run.sent} sessions in batches of 100`);
    await ui.statusBarExact(syncedText(run));
  });
});
