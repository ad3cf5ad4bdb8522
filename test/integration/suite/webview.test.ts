// The history webview in a real VS Code: a Sync Now from the palette adds a row with its byte figures to
// the open page; the archive days field writes the real setting and follows it when it changes elsewhere;
// a note holding HTML shows as text and runs nothing. Under SESSION_SYNC_SCREENSHOTS=1 it also takes the
// README's screenshots (docs/images/statusbar.png, docs/images/history-webview.png).
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { formatBytes } from '../../../src/core/format';
import { savingOf } from '../../../src/core/sync/saving';
import { ui } from './ui-bridge';
import { PREVIEW_SCHEME } from '../../../src/preview-command';
import { editAndSave, eventually, sessionSyncApi, syncNowFromPalette } from './helpers';

const XSS_NOTE = '<img src=x onerror="document.body.dataset.pwned=1"> fixed the login bug';
const RUN_ROWS = '#runs-body tr[class^="result-"]';

const archiveDays = () => vscode.workspace.getConfiguration('sessionSync').get<number>('archive.olderThanDays');

async function openHistory(): Promise<void> {
  await ui.palette('Session Sync: Show Sync History');
  await ui.webviewText('Sync runs');
}

suite('history webview', () => {
  suiteTeardown(async () => {
    await vscode.workspace.getConfiguration('sessionSync').update('archive.olderThanDays', undefined,
      vscode.ConfigurationTarget.Global);
  });

  test('Sync Now from the palette adds a row with the bytes figures to the open history', async function () {
    if (!ui.available) this.skip();
    const sessionSync = await sessionSyncApi();
    await editAndSave('history.ts', '// a change for the history view\n');
    await sessionSync.flush();
    await openHistory();
    const before = (await ui.webviewQuery(RUN_ROWS)).count;

    const run = await syncNowFromPalette(sessionSync);
    assert.ok(run.sent >= 1, `the sync sent the edited session (sent ${run.sent})`);

    const row = await eventually('a new row in the history table', async () => {
      const m = await ui.webviewQuery(RUN_ROWS);
      return m.count > before ? m : undefined;
    });
    const text = row.text ?? '';
    assert.ok(run.naiveBytes !== null, 'the run knows what naive would have sent');
    const saving = savingOf(run).label;
    assert.match(saving, /^\d+%$/, 'a saving against naive, set-up left out');
    for (const figure of [formatBytes(run.naiveBytes), formatBytes(run.bytesSent - run.setupBytes), saving]) {
      assert.ok(text.includes(figure), `newest row shows ${figure}: ${JSON.stringify(text)}`);
    }
    assert.doesNotMatch(text, /-\d+%/, 'no negative saving');
    assert.match(text, /\bok\b/);
    await ui.screenshot('history-webview');
    await ui.screenshot('statusbar');
  });

  test('the archive days field writes the setting and follows it when changed elsewhere', async function () {
    if (!ui.available) this.skip();
    await sessionSyncApi();
    await openHistory();
    await ui.webviewFill('#archive-days', 45);
    await eventually('the setting to become 45', async () => (archiveDays() === 45 ? true : undefined));

    await vscode.workspace.getConfiguration('sessionSync').update('archive.olderThanDays', 120,
      vscode.ConfigurationTarget.Global);
    await eventually('the page to show 120 days', async () =>
      ((await ui.webviewQuery('#archive-days')).value === '120' ? true : undefined));
    await ui.webviewText('sessions older than 120 days');

    // Every session of this run is minutes old: the dry run must find none of them.
    await ui.webviewClick('#archive-preview');
    await ui.webviewText('Dry run: 0 sessions older than 120 days would be archived');
  });

  test('a note holding HTML renders as text and runs nothing', async function () {
    if (!ui.available) this.skip();
    const sessionSync = await sessionSyncApi();
    await ui.palette('Session Sync: Add Note to Current Session');
    await ui.quickInput(XSS_NOTE);
    await sessionSync.flush();
    await openHistory();
    const body = await ui.webviewText(XSS_NOTE);
    assert.ok(body.includes(XSS_NOTE), 'the note is shown literally');
    assert.equal((await ui.webviewQuery('img')).count, 0, 'no <img> element was created from the note');
    assert.equal((await ui.webviewQuery('body[data-pwned]')).count, 0, 'the onerror handler never ran');
  });

  test('Preview Next Sync lists the pending session and its new note without sending it', async function () {
    if (!ui.available) this.skip();
    await sessionSyncApi();
    await ui.palette('Session Sync: Preview Next Sync');
    await ui.webviewText('Nothing was uploaded');
    const doc = await eventually('the preview document', async () =>
      vscode.workspace.textDocuments.find((d) => d.uri.scheme === PREVIEW_SCHEME));
    const text = doc.getText();
    assert.match(text, /Nothing was uploaded/);
    assert.ok(text.includes(`\` ${vscode.workspace.name} \``), `the workspace is listed: ${text}`);
    assert.match(text, /\| append \| \d+ \| \d+ \| 1 \|/, 'an append carrying the one new note');
  });
});
