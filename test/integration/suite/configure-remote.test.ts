// Configure Remote in a real VS Code against a real libSQL server (sqld) that demands a JWT: the URL and the
// token are typed into the command's two input boxes, the sessions reach that server, and the token stays out of
// the settings (API and settings.json on disk) and out of every log file. SecretStorage belongs to the extension,
// so the test cannot read it; that the server, which refuses requests without the token, receives the sessions
// proves the extension got the token from somewhere, and the checks below prove it was not the settings.
// Last in TEST_FILES; the suite teardown switches back to the embedded default whatever happened.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { createClient } from '@libsql/client';
import { startSqld, type SqldServer } from '../../../src/lab/bench/sqld-process';
import { postToInbox } from '../../../src/core/store/inbox';
import { archivedIdsIn } from '../../../src/core/archive/archive';
import { generateSessions } from '../../../src/lab/generator';
import { ui } from './ui-bridge';
import { eventually, sessionSyncApi, syncNowFromPalette } from './helpers';

// A session handed in through the store's inbox, as another window would: it must reach the new server.
const [MINE] = generateSessions({ count: 1, days: 1, seed: 'configure-remote-it', idPrefix: 'configure-remote-it' });

/**
 * Writing a setting opens settings.json as a document, which the recorder notes in the open session; it emits
 * at most once a second, so wait out that trailing update before a sync, or it lands after it ("· recording").
 */
const settleRecorder = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 1500));

/** Session ids in the `sessions` table of a libSQL database. */
async function remoteIds(url: string, authToken?: string): Promise<Set<string>> {
  const db = createClient({ url, authToken });
  try {
    const rs = await db.execute('SELECT id FROM sessions');
    return new Set(rs.rows.map((r) => String(r[0])));
  } finally {
    db.close();
  }
}

/** Every file below `dir` (none when it does not exist). */
function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((f) => path.join(dir, f)).filter((f) => fs.statSync(f).isFile());
}

/** The user-data dir: the extension's global storage is <user-data>/User/globalStorage/<extension id>. */
const userDataDir = (storeDir: string): string => path.resolve(storeDir, '..', '..', '..');

async function useLocalDatabase(): Promise<void> {
  const config = vscode.workspace.getConfiguration('sessionSync');
  if (config.inspect<string>('remote.url')?.globalValue) await vscode.commands.executeCommand('sessionSync.useLocalDatabase');
}

suite('configure remote', () => {
  let server: SqldServer | undefined;

  suiteSetup(async function () {
    if (!ui.available) this.skip();
    this.timeout(30_000);
    server = await startSqld({ auth: true });
  });

  suiteTeardown(async () => {
    await useLocalDatabase();
    await server?.stop();
  });

  test('sessions reach a libSQL server that needs a token; the token is in no setting and no log', async function () {
    assert.ok(server?.token, 'sqld started with auth');
    const { httpUrl, token } = server;
    const sessionSync = await sessionSyncApi();
    const embedded = sessionSync.remoteUrl();
    assert.match(embedded, /^file:/, 'the suite starts on the embedded default');
    await assert.rejects(remoteIds(httpUrl), 'the server refuses a client without the token');

    await postToInbox(sessionSync.storeDir, MINE);
    await sessionSync.flush();
    await settleRecorder();
    assert.equal((await syncNowFromPalette(sessionSync)).result, 'ok', 'synced to the embedded database first');
    const before = await remoteIds(embedded);
    assert.ok(before.has(MINE.id), 'the embedded database holds what is to move with the remote');

    await ui.palette('Session Sync: Configure Remote');
    await ui.quickInput(httpUrl);
    await ui.quickInput(token);

    // Waits for the whole sync, not its first batch: a batch is at most sync.maxBatchBytes, so there may be several.
    // Sessions archived meanwhile (the daily archive runs a minute after start, with the days the archive suite set)
    // have left the sync: they are not expected on the new server.
    let missing: string[] = [...before];
    await eventually(`every session synced before on the server`, async () => {
      const onServer = await remoteIds(httpUrl, token).catch(() => new Set<string>());
      const archived = await archivedIdsIn(sessionSync.storeDir);
      missing = [...before].filter((id) => !onServer.has(id) && !archived.has(id));
      return missing.length === 0 ? true : undefined;
    }).catch(() => undefined); // the assertion below names what is missing
    assert.deepEqual(missing, [], 'every session synced before also went to the newly configured server');
    await settleRecorder();
    await syncNowFromPalette(sessionSync); // waits for the run: the status bar may read "Synced HH:MM" before it
    assert.equal(sessionSync.remoteUrl(), httpUrl, 'the extension now syncs to the configured server');

    const setting = vscode.workspace.getConfiguration('sessionSync').inspect<string>('remote.url');
    assert.equal(setting?.globalValue, httpUrl, 'the URL is saved as the user setting, as typed');
    assertSettingsHoldNoToken(userDataDir(sessionSync.storeDir), token, httpUrl);
    await eventually('the Session Sync log to record the new remote', async () =>
      logFiles(userDataDir(sessionSync.storeDir)).some((f) => fs.readFileSync(f, 'utf8').includes(`Remote set to ${httpUrl}`))
        ? true : undefined);
    assertNotInLogs(userDataDir(sessionSync.storeDir), token);
  });

  test('Use Local Database from the palette goes back to the embedded default, which syncs', async () => {
    const sessionSync = await sessionSyncApi();
    await ui.palette('Session Sync: Use Local Database');
    await eventually('the remote URL setting to be cleared', async () =>
      vscode.workspace.getConfiguration('sessionSync').get<string>('remote.url') === '' ? true : undefined);
    const embedded = sessionSync.remoteUrl();
    assert.match(embedded, /^file:/);
    await settleRecorder();
    await syncNowFromPalette(sessionSync); // waits for the run: the status bar may read "Synced HH:MM" before it
    const ids = await remoteIds(embedded);
    assert.ok(ids.has(MINE.id), 'the session added for the server test is in the embedded database');
  });
});

/** settings.json on disk names the server (so it is the file in use) but holds no token. */
function assertSettingsHoldNoToken(userData: string, token: string, url: string): void {
  const settingsFile = path.join(userData, 'User', 'settings.json');
  const settings = fs.readFileSync(settingsFile, 'utf8');
  assert.ok(settings.includes(url), `${settingsFile} holds the remote URL`);
  assert.ok(!settings.includes(token), `${settingsFile} must not hold the token`);
  const folder = vscode.workspace.workspaceFolders?.[0];
  const workspaceSettings = folder && path.join(folder.uri.fsPath, '.vscode', 'settings.json');
  if (workspaceSettings && fs.existsSync(workspaceSettings)) {
    assert.ok(!fs.readFileSync(workspaceSettings, 'utf8').includes(token), 'the workspace settings must not hold the token');
  }
}

function logFiles(userData: string): string[] {
  return filesUnder(path.join(userData, 'logs')).filter((f) => path.basename(f) === 'Session Sync.log');
}

function assertNotInLogs(userData: string, token: string): void {
  const all = filesUnder(path.join(userData, 'logs'));
  assert.ok(logFiles(userData).length > 0, 'the Session Sync log file exists under the user-data logs folder');
  const leaks = all.filter((f) => fs.readFileSync(f).includes(token));
  assert.deepEqual(leaks, [], 'no log file contains the token');
}
