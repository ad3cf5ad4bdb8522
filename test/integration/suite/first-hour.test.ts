// A new user's first hour, in a real VS Code on a fresh profile (first in TEST_FILES: nothing synced yet):
// Verify Cloud Copy says nothing was synced yet (information, no file created); Preview Next Sync renders a read-only page with no error and no dirty or untitled editor, and refreshes; Sync Now
// then shows "Synced HH:MM", and the open session's next change reads "recording", not "1 pending"; the walkthrough
// is listed, and each step's button, clicked on the walkthrough page, runs the command it describes.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { PREVIEW_SCHEME } from '../../../src/preview-command';
import { ui } from './ui-bridge';
import {
  EXTENSION_ID, editAndSave, eventually, newestRun, sessionSyncApi, settleRecorder, syncNowFromPalette, syncedText,
} from './helpers';

const WALKTHROUGH_TITLE = 'Get started with Session Sync';
const WALKTHROUGH_ID = 'sessionSync.gettingStarted';

interface Step {
  id: string;
  title: string;
  description: string;
  media: { markdown?: string };
}

/** The walkthrough's steps as the extension host loaded them from package.json. */
function walkthroughSteps(): Step[] {
  const ext = vscode.extensions.getExtension(EXTENSION_ID);
  const walkthroughs = (ext?.packageJSON as { contributes: { walkthroughs: { title: string; steps: Step[] }[] } })
    .contributes.walkthroughs;
  const mine = walkthroughs.find((w) => w.title === WALKTHROUGH_TITLE);
  assert.ok(mine, `walkthrough "${WALKTHROUGH_TITLE}" is contributed`);
  return mine.steps;
}

/** The step's button, `[Label](command:id?args)`: its label and the command it runs. */
function stepButton(step: Step): { label: string; command: string } {
  const m = /\[([^\]]+)\]\(command:([\w.]+)(?:\?[^)]*)?\)/.exec(step.description);
  assert.ok(m, `step "${step.id}" has a command button`);
  return { label: m[1], command: m[2] };
}

const STEP = '.gettingStartedContainer button.getting-started-step';

/** Shows the walkthrough, expands `step` and clicks its button, as a user would. */
async function clickStepButton(step: Step): Promise<void> {
  await vscode.commands.executeCommand('workbench.action.openWalkthrough', `${EXTENSION_ID}#${WALKTHROUGH_ID}`, false);
  await ui.workbenchClick(STEP, step.title);
  await ui.workbenchClick(`${STEP}[aria-expanded="true"] .monaco-button`, stepButton(step).label);
}

const allTabs = () => vscode.window.tabGroups.all.flatMap((g) => g.tabs);
const markdownPreviewTab = () => allTabs().find((t) =>
  t.input instanceof vscode.TabInputWebview && t.input.viewType.includes('markdown.preview'));
const previewDocument = () => vscode.workspace.textDocuments.find((d) => d.uri.scheme === PREVIEW_SCHEME);

async function noErrorToasts(what: string): Promise<void> {
  const errors = (await ui.notifications()).filter((t) => t.severity === 'error');
  assert.deepEqual(errors, [], `no error notification after ${what}`);
}

function assertNoDirtyOrUntitledEditor(): void {
  const dirty = vscode.workspace.textDocuments.filter((d) => d.isDirty).map((d) => d.uri.toString());
  assert.deepEqual(dirty, [], 'no document is left dirty');
  const untitled = vscode.workspace.textDocuments.filter((d) => d.isUntitled).map((d) => d.uri.toString());
  assert.deepEqual(untitled, [], 'no untitled buffer was opened');
}

/** The "New notes" cell of the first record row, in the virtual document and on the rendered page. */
function newNotesInDocument(text: string): number {
  const row = text.split('\n').find((l) => /^\| `.*\| (whole record|append) \|/.test(l));
  assert.ok(row, `a record row in the preview: ${text}`);
  return Number(row.split(' | ')[5]);
}

suite('first hour', () => {
  // The auto-sync (every 30 s by default) would sync between the steps; the tests sync when they mean to.
  suiteSetup(async () => {
    await vscode.workspace.getConfiguration('sessionSync').update('sync.intervalSeconds', 86_400,
      vscode.ConfigurationTarget.Global);
  });
  suiteTeardown(async () => {
    await vscode.workspace.getConfiguration('sessionSync').update('sync.intervalSeconds', undefined,
      vscode.ConfigurationTarget.Global);
  });

  test('on a fresh profile Preview Next Sync renders a read-only page, with no error and no dirty editor, and refreshes',
    async function () {
      if (!ui.available) this.skip();
      const api = await sessionSyncApi();
      assert.equal(await newestRun(api), undefined, 'a fresh profile: nothing was synced yet');
      await editAndSave('hello.ts', '// the first edit of a new user\n');
      await api.flush();

      await ui.palette('Session Sync: Preview Next Sync');
      await eventually('the Markdown preview tab', async () => markdownPreviewTab());
      const rendered = await ui.webviewText('Nothing was uploaded');
      assert.ok(!rendered.includes('# Session Sync') && !/\| *---/.test(rendered), `rendered, not raw Markdown: ${rendered}`);
      assert.equal((await ui.webviewQuery('h1')).text, 'Session Sync: next sync preview');
      assert.ok((await ui.webviewQuery('table')).count >= 1, 'the records are a rendered table');
      await noErrorToasts('Preview Next Sync');
      assertNoDirtyOrUntitledEditor();
      const doc = previewDocument();
      assert.ok(doc, 'the preview is a virtual document of its own scheme');
      const notesBefore = newNotesInDocument(doc.getText());

      // A new note, then the same command again: the open page shows the new plan.
      await ui.palette('Session Sync: Add Note to Current Session');
      await ui.quickInput('a note the refreshed preview counts');
      await api.flush();
      await ui.palette('Session Sync: Preview Next Sync');
      await eventually('the preview document to count the new note', async () =>
        (newNotesInDocument(previewDocument()?.getText() ?? '') === notesBefore + 1 ? true : undefined));
      await eventually('the rendered page to count the new note', async () => {
        const cell = await ui.webviewQuery('table tbody tr td:nth-child(6)');
        return cell.text === String(notesBefore + 1) ? true : undefined;
      });
      assert.equal(allTabs().filter((t) => t.input instanceof vscode.TabInputWebview &&
        t.input.viewType.includes('markdown.preview')).length, 1, 'refreshed in place, not opened twice');
      await noErrorToasts('refreshing the preview');
      assertNoDirtyOrUntitledEditor();
      await ui.screenshot('preview-next-sync');
    });

  test('on a fresh profile Verify Cloud Copy says nothing was synced yet, as information, and creates no database',
    async function () {
      if (!ui.available) this.skip();
      const api = await sessionSyncApi();
      assert.equal(await newestRun(api), undefined, 'a fresh profile: nothing was synced yet');
      const remoteFile = path.join(api.storeDir, 'remote.db');
      assert.ok(!fs.existsSync(remoteFile), 'no embedded database before the first sync');
      await vscode.commands.executeCommand('notifications.clearAll');
      await ui.palette('Session Sync: Verify Cloud Copy');
      const info = await eventually('the information that nothing was synced yet', async () =>
        (await ui.notifications()).find((t) => /nothing has been synced to this database yet/.test(t.message)));
      assert.notEqual(info.severity, 'error', `an information, not an error: ${JSON.stringify(info)}`);
      await noErrorToasts('Verify Cloud Copy before the first sync');
      assertNoDirtyOrUntitledEditor();
      assert.ok(!fs.existsSync(remoteFile), 'Verify created no database file just to read it');
    });

  test('Sync Now shows "Synced HH:MM"; the open session changing again reads "recording", not "1 pending"',
    async function () {
      if (!ui.available) this.skip();
      const api = await sessionSyncApi();
      await settleRecorder(api);
      const run = await syncNowFromPalette(api);
      assert.equal(run.result, 'ok', `the sync succeeded: ${run.error ?? ''}`);
      assert.ok(run.sent >= 1, 'the first sync sent the recorded session');
      assert.equal(await ui.statusBarExact(syncedText(run)), syncedText(run));

      await editAndSave('hello.ts', '// a change right after the sync\n');
      await api.flush();
      assert.equal(await ui.statusBarExact(syncedText(run, true)), syncedText(run, true));
      await noErrorToasts('Sync Now');
    });

  test('the walkthrough is listed, opens, and each step runs the command it describes', async function () {
    if (!ui.available) this.skip();
    const api = await sessionSyncApi();
    const steps = walkthroughSteps();
    assert.deepEqual(steps.map((s) => s.id), ['recorded', 'local', 'turso', 'preview', 'history']);

    await ui.palette('Welcome: Open Walkthrough...');
    await ui.workbenchText('.quick-input-list', WALKTHROUGH_TITLE);
    await ui.quickInput(WALKTHROUGH_TITLE);
    const page = await ui.workbenchText('.gettingStartedContainer', steps[steps.length - 1].title);
    for (const step of steps) assert.ok(page.includes(step.title), `the page lists step "${step.title}"`);
    await ui.screenshot('walkthrough');

    const step = new Map(steps.map((s) => [s.id, s]));
    assert.deepEqual(steps.map((s) => stepButton(s).command), ['workbench.action.openSettings', 'sessionSync.syncNow',
      'sessionSync.configureRemote', 'sessionSync.previewNextSync', 'sessionSync.showHistory']);

    await clickStepButton(step.get('recorded')!);
    await eventually('the Settings editor', async () =>
      (vscode.window.tabGroups.activeTabGroup.activeTab?.label === 'Settings' ? true : undefined));
    await ui.workbenchText('.settings-editor', 'File Paths');
    await ui.workbenchText('.settings-editor', 'Excluded Workspaces');

    const before = (await newestRun(api))?.id ?? 0;
    await clickStepButton(step.get('local')!);
    const synced = await eventually('the "Sync Now" step to sync', async () => {
      const run = await newestRun(api);
      return run && (run.id ?? 0) > before ? run : undefined;
    });
    assert.equal(synced.result, 'ok');

    // Configure Remote asks for a URL: the box opens, and Escape leaves the remote as it was.
    const remoteBefore = api.remoteUrl();
    await clickStepButton(step.get('turso')!);
    await ui.workbenchText('.quick-input-widget', 'Configure Remote (1/2)');
    await ui.press('Escape');
    assert.equal(api.remoteUrl(), remoteBefore, 'dismissing Configure Remote changes nothing');

    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await clickStepButton(step.get('preview')!);
    await eventually('the preview page', async () => markdownPreviewTab());

    await clickStepButton(step.get('history')!);
    await ui.webviewText('Sync runs');
    await noErrorToasts('the walkthrough steps');
    assertNoDirtyOrUntitledEditor();
  });
});
