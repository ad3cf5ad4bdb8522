// The status bar's states, its tooltip and the notifications that go with them, in a real VS Code against a real
// libSQL server (sqld with JWT auth) that the test stops, restarts and re-keys. Every text is asserted whole,
// as src/status-bar.ts writes it (the accessible label is "Session Sync: " + the text, so the text alone is exact).
// Configure Remote is run with a URL and then a token that fail their connection test: the remote in use, and
// its token, stay what they were. Runs after configure-remote.test.ts and goes back to the embedded default.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { startSqld, type SqldServer } from '../../../src/lab/bench/sqld-process';
import { formatBytes } from '../../../src/core/format';
import { ui } from './ui-bridge';
import { editAndSave, eventually, newestRun, sessionSyncApi, settleRecorder, syncNowFromPalette, syncedText } from './helpers';
import { clearToasts, toast } from './observe';

const remoteSetting = () => vscode.workspace.getConfiguration('sessionSync').inspect<string>('remote.url')?.globalValue;
const NOT_CHANGED = 'The remote was not changed.';
/** Text with every run of white space as one space (a locale's time may hold a narrow no-break space). */
const oneLine = (text: string) => text.replace(/\s+/g, ' ');
/** A URL as the extension writes it in messages (normalised: "http://host:port/"). */
const shown = (url: string) => new URL(url).href;
const refused = (url: string) => `The database at ${shown(url)} refused the token. Run "Session Sync: Configure Remote" ` +
  '(or set SESSION_SYNC_TOKEN) with a valid token.';

async function configureRemote(url: string, token: string): Promise<void> {
  await ui.palette('Session Sync: Configure Remote');
  await ui.quickInput(url);
  await ui.quickInput(token);
}

/** Syncs from the palette after the recorder settled; the run must succeed and the status read "Synced HH:MM". */
async function syncedFromPalette(): Promise<void> {
  const api = await sessionSyncApi();
  await settleRecorder(api);
  const run = await syncNowFromPalette(api);
  assert.equal(run.result, 'ok', `the sync succeeded: ${run.error ?? ''}`);
  await ui.statusBarExact(syncedText(run));
}

suite('status bar states and notifications', () => {
  let server: SqldServer;

  // Each test reads the toasts it caused; an answered error toast also lets its Sync Now command finish.
  setup(clearToasts);

  suiteSetup(async function () {
    if (!ui.available) this.skip();
    this.timeout(60_000);
    server = await startSqld({ auth: true });
    await configureRemote(server.httpUrl, server.token!);
    await eventually('the remote setting to name the server', async () => (remoteSetting() === server.httpUrl ? true : undefined));
  });

  suiteTeardown(async () => {
    if (remoteSetting()) await vscode.commands.executeCommand('sessionSync.useLocalDatabase');
    await server?.stop();
  });

  test('Configure Remote with a URL nobody answers at: "The remote was not changed", and syncing goes on as before', async () => {
    await syncedFromPalette();
    const dead = 'http://127.0.0.1:9';
    await configureRemote(dead, server.token!);
    await toast(`Session Sync: Cannot reach the database at ${shown(dead)} (ECONNREFUSED). ` +
      `Check the URL and your connection. ${NOT_CHANGED}`, 'error');
    assert.equal(remoteSetting(), server.httpUrl, 'the URL setting is the one configured before');
    await editAndSave('kept-remote.ts', '// a change after a failed Configure Remote\n');
    await syncedFromPalette();
    assert.equal((await sessionSyncApi()).remoteUrl(), server.httpUrl);
  });

  test('Configure Remote with a token the server refuses: "The remote was not changed", and the old token still syncs', async () => {
    await configureRemote(server.httpUrl, server.badToken!);
    await toast(`Session Sync: ${refused(server.httpUrl)} ${NOT_CHANGED}`, 'error');
    assert.equal(remoteSetting(), server.httpUrl);
    // The server refuses any request without the good token: a successful sync proves the old token was kept.
    await editAndSave('kept-token.ts', '// a change after a refused token\n');
    await syncedFromPalette();
  });

  test('the tooltip shows the last sync, its time and its saving', async () => {
    const api = await sessionSyncApi();
    const run = await newestRun(api);
    assert.ok(run && run.result === 'ok' && run.sent > 0, 'the last sync sent sessions');
    const tip = oneLine(await ui.statusBarTooltip('Session Sync', 'Last sync'));
    const at = syncedText(run).replace('Synced ', ''); // HH:MM, computed independently of the extension
    // The saving is against what the naive approach would have sent for the same sessions, set-up left out,
    // rounded down: computed here from the run's own figures.
    assert.ok(run.naiveBytes !== null && run.naiveBytes > 0, 'the run knows what naive would have sent');
    const records = run.bytesSent - run.setupBytes;
    const setup = run.setupBytes > 0 ? ` (+${formatBytes(run.setupBytes)} set-up)` : '';
    // A tiny sync can cost more than naive would have (the request's fixed part): then it says so, never "-25%".
    const ratio = records / run.naiveBytes;
    const versus = ratio > 1 ? `${Math.round((ratio - 1) * 100)}% more than naive` : `${Math.floor((1 - ratio) * 100)}% less than naive`;
    for (const line of [`Last sync: succeeded at ${at}`, `This window's last sync sent ${run.sent} sessions: ` +
      `sent ${formatBytes(records)}${setup}, ${versus}'s ${formatBytes(run.naiveBytes)}`]) {
      assert.ok(tip.includes(oneLine(line)), `tooltip holds "${line}": ${JSON.stringify(tip)}`);
    }
  });

  test('Pause from the palette shows "Sync paused", then "Sync paused (1 pending)" after an edit; Resume lets it sync', async () => {
    const api = await sessionSyncApi();
    await ui.palette('Session Sync: Pause Auto-Sync');
    try {
      await ui.statusBarExact('Sync paused');
      // Paused, auto-sync cannot send the edit (unpaused it might, at any moment): the count is stable.
      await editAndSave('paused.ts', '// a change while paused\n');
      await settleRecorder(api);
      await ui.statusBarExact('Sync paused (1 pending)');
      await ui.palette('Session Sync: Resume Auto-Sync');
    } finally {
      await vscode.commands.executeCommand('sessionSync.resumeAutoSync'); // the next tests need auto-sync back
    }
    await syncedFromPalette();
  });

  test('the server stopped: "Offline, retrying" and the error in the tooltip; started again: "Synced"', async function () {
    this.timeout(120_000);
    const api = await sessionSyncApi();
    await server.halt();
    await editAndSave('offline.ts', '// a change while the server is down\n');
    await settleRecorder(api);
    const failed = await syncNowFromPalette(api);
    assert.equal(failed.result, 'failed');
    await ui.statusBarExact('Offline, retrying');
    const cannotReach = `Cannot reach the database at ${shown(server.httpUrl)} (ECONNREFUSED). Check the URL and your connection.`;
    assert.equal(failed.error, cannotReach);
    await toast(`Session Sync: ${cannotReach}`, 'error');
    const tip = oneLine(await ui.statusBarTooltip('Session Sync', 'Cannot reach'));
    assert.ok(tip.includes(cannotReach), `the tooltip says why: ${JSON.stringify(tip)}`);

    await server.resume();
    await syncedFromPalette();
  });

  test('a token the server no longer accepts: "Sync failed" and an error that says to run Configure Remote', async function () {
    this.timeout(120_000);
    const api = await sessionSyncApi();
    await server.resume({ newKey: true }); // every token given out before is refused now
    await editAndSave('refused.ts', '// a change the server will refuse\n');
    await settleRecorder(api);
    const failed = await syncNowFromPalette(api);
    assert.equal(failed.result, 'failed');
    await ui.statusBarExact('Sync failed');
    await toast(`Session Sync: ${refused(server.httpUrl)}`, 'error');

    await configureRemote(server.httpUrl, server.token!);
    await eventually('the new token to be saved', async () => (remoteSetting() === server.httpUrl ? true : undefined));
    await syncedFromPalette();
  });
});
