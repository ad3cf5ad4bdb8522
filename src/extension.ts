import * as vscode from 'vscode';
import { randomUUID } from 'node:crypto';
import type { Session } from './core/model';
import { SessionBuilder } from './core/session-builder';
import { SharedStore } from './core/store/shared-store';
import { affectsSettings, readSettings } from './settings';
import { loadPathHashKey, TokenStore } from './secrets';
import { ensurePrivateDir } from './core/store/private-files';
import { createLog } from './log';
import { Recorder } from './recorder';
import { SyncController } from './sync-controller';
import { StatusBar } from './status-bar';
import { registerCommands, registerSafely } from './commands';
import { registerHistoryView } from './history-view';
import { createArchivePort } from './archive-port';
import { registerArchiveCommands } from './archive-commands';
import { registerPreview } from './preview-command';

/** What `activate` returns: used by the integration tests and open to other extensions. */
export interface SessionSyncApi {
  storeDir: string;
  remoteUrl(): string;
  /** Writes everything recorded so far to the store file. */
  flush(): Promise<void>;
}

let teardown: (() => Promise<void>) | undefined;

/** Wires the parts together; each lives in its own file. */
export async function activate(context: vscode.ExtensionContext): Promise<SessionSyncApi> {
  const log = createLog();
  const storeDir = context.globalStorageUri.fsPath;
  let settings = readSettings(warnOnce(log));
  const tokens = new TokenStore(context.secrets);
  const hashKey = await loadPathHashKey(context.secrets);
  ensurePrivateDir(storeDir); // created owner-only, before the store, the inbox and remote.db go into it
  // The store starts first and may report a role change before the controller exists; the controller asks for the
  // open session before the recorder exists.
  const late: { controller?: SyncController; recorder?: Recorder } = {};
  const shared = await SharedStore.start(storeDir, {
    log: (m) => log.info(m),
    onRoleChange: () => late.controller?.refresh(),
    onSyncRequest: () => void late.controller?.syncNow(),
    onRecovered: (keptAs) => void vscode.window.showWarningMessage(
      `Session Sync: the session store could not be read and was kept as ${keptAs}. A new store was started; ` +
      'sessions already synced are still in your database.'),
  });
  const controller = new SyncController(shared, () => settings, tokens, log, () => late.recorder?.currentId());
  late.controller = controller;
  const statusBar = new StatusBar();
  controller.onDidChangeState((s) => statusBar.render(s));
  statusBar.render(controller.current);

  const writes = new Set<Promise<void>>();
  const record = (s: Session) => {
    const p = shared.put(s).then(() => controller.refresh(), (err) => log.error(`Could not save a session: ${(err as Error).message}`));
    writes.add(p);
    void p.finally(() => writes.delete(p));
  };
  const recorder = new Recorder({
    builder: (ctx) => new SessionBuilder({ ...ctx, newId: randomUUID, idleTimeoutMs: settings.idleTimeoutMinutes * 60_000 }),
    onSession: record,
    settings: () => ({ pathPrivacy: settings.pathPrivacy, excludedWorkspaces: settings.excludedWorkspaces }),
    hashKey,
    log: (m) => log.debug(m),
  });
  late.recorder = recorder;

  controller.schedule();
  context.subscriptions.push(
    log, statusBar, controller,
    ...registerCommands({ controller, shared, recorder, tokens, log }),
    ...registerHistoryView({ extensionUri: context.extensionUri, controller, shared, archive: createArchivePort(shared), log }),
    ...registerArchiveCommands({ shared, controller, settings: () => settings, log }),
    ...registerPreview({ shared, excludedGlobs: () => settings.excludedWorkspaces, remoteUrl: () => controller.remoteUrl() },
      (id, fn) => registerSafely(id, log, fn)),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (!affectsSettings(e)) return;
      settings = readSettings(warnOnce(log));
      // Only the auto-sync setting itself may pause or resume: a pause from the palette survives other changes.
      if (e.affectsConfiguration('sessionSync.sync.auto')) controller.setPaused(!settings.autoSync);
      if (e.affectsConfiguration('sessionSync.recorder.idleTimeoutMinutes')) {
        recorder.setIdleTimeout(settings.idleTimeoutMinutes * 60_000);
      }
      controller.schedule();
    }),
  );

  teardown = async () => {
    recorder.dispose();
    await Promise.all(writes);
    await shared.dispose();
  };

  return {
    storeDir,
    remoteUrl: () => controller.remoteUrl(),
    flush: async () => {
      const open = recorder.current();
      if (open) record(open);
      await Promise.all(writes);
      await shared.tick();
      await shared.owned?.flush();
    },
  };
}

/** Ends the open session and saves the store before the window goes away. */
export async function deactivate(): Promise<void> {
  await teardown?.();
  teardown = undefined;
}

const warned = new Set<string>();

/** Logs each malformed-setting message, and shows it once per activation. */
function warnOnce(log: vscode.LogOutputChannel): (message: string) => void {
  return (message) => {
    log.warn(message);
    if (warned.has(message)) return;
    warned.add(message);
    void vscode.window.showWarningMessage(`Session Sync: ${message}`);
  };
}
