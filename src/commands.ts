import * as vscode from 'vscode';
import type { SyncController } from './sync-controller';
import type { SharedStore } from './core/store/shared-store';
import type { Recorder } from './recorder';
import type { TokenStore } from './secrets';
import { resolveRemoteTarget, RemoteUrlError } from './core/remote/target';
import { Remote } from './core/remote/connect';
import { ensureRemoteSchema } from './core/remote/schema';
import { classifyRemoteError } from './core/remote/errors';
import { verifyPassed, verifyRemote } from './core/sync/verify';
import { archivedIdsIn } from './core/archive/archive';
import { formatBytes } from './core/format';
import { savingSentence } from './core/sync/saving';
import { type Settings, updateSetting } from './settings';
import { COMMAND } from './command-ids';
import { archiveCommand, restoreCommand } from './archive-commands';
import type { PreviewDocument } from './preview-command';

export interface CommandDeps {
  controller: SyncController;
  shared: SharedStore;
  recorder: Recorder;
  tokens: TokenStore;
  log: vscode.LogOutputChannel;
  settings: () => Settings;
  /** Opens (or reveals) the history page. */
  showHistory: () => void;
  preview: PreviewDocument;
}

/**
 * Registers a command whose failure is logged and shown as one "Session Sync: …" message rather than VS Code's
 * generic one. Returns what the command returns (the history page reads archive results that way).
 */
function registerSafely(id: string, log: vscode.LogOutputChannel, fn: () => unknown): vscode.Disposable {
  return vscode.commands.registerCommand(id, async () => {
    try {
      return await fn();
    } catch (err) {
      log.error(`${id}: ${(err as Error).message}`);
      void vscode.window.showErrorMessage(`Session Sync: ${(err as Error).message}`);
      return undefined;
    }
  });
}

/**
 * Registers every command (category "Session Sync"; ids in command-ids.ts, titles in package.json). The archive,
 * preview and history commands do their work in their own modules.
 */
export function registerCommands(d: CommandDeps): vscode.Disposable[] {
  const reg = (id: string, fn: () => unknown) => registerSafely(id, d.log, fn);
  return [
    reg(COMMAND.syncNow, () => syncNow(d)),
    reg(COMMAND.pauseAutoSync, () => d.controller.setPaused(true)),
    reg(COMMAND.resumeAutoSync, () => d.controller.setPaused(false)),
    reg(COMMAND.addNote, () => addNote(d)),
    reg(COMMAND.configureRemote, () => configureRemote(d)),
    reg(COMMAND.useLocalDatabase, () => useLocalDatabase(d)),
    reg(COMMAND.verify, () => verify(d)),
    reg(COMMAND.showLog, () => d.log.show()),
    // Not wrapped, as before: opening the page has no failure of its own to explain.
    vscode.commands.registerCommand(COMMAND.showHistory, () => d.showHistory()),
    reg(COMMAND.previewNextSync, () => d.preview.run()),
    reg(COMMAND.archiveOldSessions, () => archiveCommand(d)),
    reg(COMMAND.restoreArchivedSessions, () => restoreCommand(d)),
  ];
}

async function syncNow(d: CommandDeps): Promise<void> {
  if (!d.shared.owned) {
    await d.controller.syncNow();
    void vscode.window.showInformationMessage('Session Sync: another VS Code window owns the session store; it will sync now.');
    return;
  }
  await vscode.window.withProgress({
    location: vscode.ProgressLocation.Notification, title: 'Session Sync', cancellable: true,
  }, async (progress, token) => {
    progress.report({ message: 'Syncing…' });
    let done = 0;
    const report = await d.controller.syncNow(token, (p) => {
      const step = p.batchesTotal ? (100 * p.batchesDone) / p.batchesTotal - done : 0;
      done += step;
      progress.report({ increment: step, message: `${p.batchesDone} of ${p.batchesTotal} batches` });
    });
    if (!report) return;
    if (report.result === 'failed') {
      const choice = await vscode.window.showErrorMessage(`Session Sync: ${report.error}`, 'Configure Remote', 'Show Log');
      if (choice === 'Configure Remote') await vscode.commands.executeCommand(COMMAND.configureRemote);
      if (choice === 'Show Log') d.log.show();
    } else if (report.result === 'ok') {
      vscode.window.setStatusBarMessage(report.sent ? `Session Sync: sent ${report.sent} sessions: ` +
        savingSentence(report, formatBytes) :
        'Session Sync: everything was already synced', 5000);
    }
  });
}

async function addNote(d: CommandDeps): Promise<void> {
  const text = await vscode.window.showInputBox({
    title: 'Session Sync: Add Note to Current Session', prompt: 'A note about what you are working on',
    placeHolder: 'e.g. Found the cause of the flaky login test', ignoreFocusOut: true,
  });
  if (text === undefined) return;
  if (!d.recorder.addNote(text)) {
    void vscode.window.showWarningMessage('Session Sync: no note was added (open a folder that is not excluded, and type some text).');
  }
}

async function configureRemote(d: CommandDeps): Promise<void> {
  const url = await vscode.window.showInputBox({
    title: 'Session Sync: Configure Remote (1/2)', prompt: 'Database URL (Turso: libsql://<db>-<org>.turso.io)',
    value: d.settings().remoteUrl, ignoreFocusOut: true,
    validateInput: (v) => {
      try {
        if (v.trim()) resolveRemoteTarget(d.shared.dir, v, undefined);
        return undefined;
      } catch (err) {
        return err instanceof RemoteUrlError ? err.message : String(err);
      }
    },
  });
  if (url === undefined) return;
  if (!url.trim()) return useLocalDatabase(d);
  const token = await vscode.window.showInputBox({
    title: 'Session Sync: Configure Remote (2/2)', prompt: 'Auth token (kept in the OS keychain, never in settings)',
    password: true, ignoreFocusOut: true, placeHolder: 'Leave empty for a server without authentication',
  });
  if (token === undefined) return;
  const remote = new Remote(resolveRemoteTarget(d.shared.dir, url, token));
  try {
    await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Session Sync: connecting…' },
      () => ensureRemoteSchema(remote));
  } catch (err) {
    const c = classifyRemoteError(err, remote.displayUrl);
    void vscode.window.showErrorMessage(`Session Sync: ${c.message} The remote was not changed.`);
    return;
  } finally {
    remote.close();
  }
  await d.tokens.set(token || undefined);
  await updateSetting('remote.url', url.trim());
  d.log.info(`Remote set to ${remote.displayUrl}.`);
  void vscode.window.showInformationMessage(`Session Sync: connected to ${remote.displayUrl}. Syncing now.`);
  await d.controller.syncNow();
}

async function useLocalDatabase(d: CommandDeps): Promise<void> {
  await updateSetting('remote.url', '');
  await d.tokens.set(undefined);
  d.log.info('Remote set to the local database.');
  void vscode.window.showInformationMessage('Session Sync: syncing to the local database in the extension storage.');
}

async function verify(d: CommandDeps): Promise<void> {
  const store = d.shared.owned;
  if (!store) {
    void vscode.window.showInformationMessage('Session Sync: run Verify in the window that owns the session store.');
    return;
  }
  const remote = await d.controller.openRemote();
  try {
    const r = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification,
      title: 'Session Sync: comparing every session with the cloud copy…' }, () => verifyRemote(store, remote, () => archivedIdsIn(store.dir)));
    if (r.nothingSynced) {
      // Before the first sync there is nothing to compare: information, not an error.
      void vscode.window.showInformationMessage('Session Sync: nothing has been synced to this database yet; ' +
        `Sync Now sends ${r.nothingSynced.willSend} sessions.`);
      return;
    }
    const summary = `${r.local} local, ${r.remote} remote, ${r.missing} missing, ${r.mismatched} mismatched, ${r.extra} extra` +
      (r.undecodable.count ? `, ${r.undecodable.count} undecodable` : '');
    if (r.undecodable.count) d.log.warn(`Verify, undecodable: ${r.undecodable.ids.join(', ')} (${r.undecodable.first})`);
    d.log.info(`Verify: ${summary}`);
    if (verifyPassed(r)) void vscode.window.showInformationMessage(`Session Sync: cloud copy verified (${summary}).`);
    else {
      for (const kind of ['missing', 'mismatched', 'extra'] as const) {
        if (r.examples[kind].length) d.log.warn(`Verify, ${kind}: ${r.examples[kind].join(', ')}`);
      }
      void vscode.window.showWarningMessage(`Session Sync: differences found (${summary}); the session ids are in the ` +
        'log (Show Log). Sessions not synced yet go with the next sync; a copy changed on the remote needs a pull.');
    }
  } finally {
    remote.close();
  }
}
