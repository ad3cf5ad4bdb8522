import * as vscode from 'vscode';
import { randomUUID } from 'node:crypto';
import type { Session } from './core/model';
import { SessionBuilder } from './core/session-builder';
import { SharedStore } from './core/store/shared-store';
import { ensurePrivateDir } from './core/store/private-files';
import { LiveSettings } from './settings';
import { loadPathHashKey, TokenStore } from './secrets';
import { createLog } from './log';
import { Recorder } from './recorder';
import { SyncController } from './sync-controller';

/**
 * The one owner of what lives while the extension is active (as rust-analyzer's `Ctx`): the store, the sync
 * controller and through it the running sync, the recorder, and everything registered with the editor. It starts
 * them in order and stops them in the reverse order, once: the running sync is cancelled and awaited (it records
 * its run and keeps its checkpoint for the next start), the open session is saved, and only then is the store
 * saved and closed. Not to be confused with core/sync/context.ts, the context of one sync run.
 */
export class SessionSyncContext implements vscode.Disposable {
  /** Registrations (commands, views, listeners): disposed at stop, before the store closes. */
  private readonly owned: vscode.Disposable[] = [];
  /** Sessions on their way into the store: awaited before it closes. */
  private readonly writes = new Set<Promise<void>>();
  private stopping: Promise<void> | undefined;

  private constructor(
    readonly log: vscode.LogOutputChannel,
    readonly settings: LiveSettings,
    readonly tokens: TokenStore,
    readonly shared: SharedStore,
    readonly controller: SyncController,
    readonly recorder: Recorder,
  ) {}

  static async start(ext: vscode.ExtensionContext): Promise<SessionSyncContext> {
    const log = createLog();
    const settings = new LiveSettings(warnOnce(log));
    const tokens = new TokenStore(ext.secrets);
    const hashKey = await loadPathHashKey(ext.secrets);
    const storeDir = ext.globalStorageUri.fsPath;
    ensurePrivateDir(storeDir); // created owner-only, before the store, the inbox and remote.db go into it
    // The store may report a role change before the controller exists (the controller reads the role when it is
    // made), the controller asks for the open session before the recorder exists, and the recorder hands sessions
    // to the context it is part of: those calls go through `parts`.
    const parts: { controller?: SyncController; recorder?: Recorder; context?: SessionSyncContext } = {};
    const shared = await SharedStore.start(storeDir, {
      log: (m) => log.info(m),
      onRoleChange: () => parts.controller?.refresh(),
      onSyncRequest: () => void parts.controller?.syncNow(),
      onRecovered: (keptAs) => void vscode.window.showWarningMessage(
        `Session Sync: the session store could not be read and was kept as ${keptAs}. A new store was started; ` +
        'sessions already synced are still in your database.'),
    });
    const controller = new SyncController(shared, () => settings.current, tokens, log, () => parts.recorder?.currentId());
    parts.controller = controller;
    const recorder = new Recorder({
      builder: (c) => new SessionBuilder({ ...c, newId: randomUUID, idleTimeoutMs: settings.current.idleTimeoutMinutes * 60_000 }),
      onSession: (s) => parts.context?.record(s),
      settings: () => ({ pathPrivacy: settings.current.pathPrivacy, excludedWorkspaces: settings.current.excludedWorkspaces }),
      hashKey,
      log: (m) => log.debug(m),
    });
    parts.recorder = recorder;
    const ctx = new SessionSyncContext(log, settings, tokens, shared, controller, recorder);
    parts.context = ctx;
    ctx.own(settings.onDidChange((change) => ctx.applySettings(change)));
    controller.schedule();
    return ctx;
  }

  get storeDir(): string {
    return this.shared.dir;
  }

  /** Keeps `disposables` until stop. */
  own(...disposables: vscode.Disposable[]): void {
    this.owned.push(...disposables);
  }

  /** Hands a snapshot of a session to the store; the status follows once it is in. */
  record(s: Session): void {
    const p = this.shared.put(s).then(() => this.controller.refresh(),
      (err) => this.log.error(`Could not save a session: ${(err as Error).message}`));
    this.writes.add(p);
    void p.finally(() => this.writes.delete(p));
  }

  /** Writes everything recorded so far to the store file. */
  async flush(): Promise<void> {
    const open = this.recorder.current();
    if (open) this.record(open);
    await Promise.all(this.writes);
    await this.shared.tick();
    await this.shared.owned?.flush();
  }

  /** Stops everything, once; a second call waits for the first. */
  stop(): Promise<void> {
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  /** VS Code disposes the extension's subscriptions after deactivate: the same stop. */
  dispose(): void {
    void this.stop();
  }

  private async shutdown(): Promise<void> {
    await this.controller.stop(); // the running sync: cancelled, and done writing to the store
    this.recorder.dispose(); // ends the open session, which goes to the store
    await Promise.all(this.writes);
    for (const d of this.owned.splice(0).reverse()) d.dispose();
    await this.shared.dispose(); // saves and closes the store, then lets another window take it
    this.controller.dispose();
    this.settings.dispose();
    this.log.dispose();
  }

  private applySettings(change: { affects(key: string): boolean }): void {
    // Only the auto-sync setting itself may pause or resume: a pause from the palette survives other changes.
    if (change.affects('sync.auto')) this.controller.setPaused(!this.settings.current.autoSync);
    if (change.affects('recorder.idleTimeoutMinutes')) {
      this.recorder.setIdleTimeout(this.settings.current.idleTimeoutMinutes * 60_000);
    }
    this.controller.schedule();
  }
}

const warned = new Set<string>();

/** Logs each malformed-setting message, and shows it once per extension host (restarts included). */
function warnOnce(log: vscode.LogOutputChannel): (message: string) => void {
  return (message) => {
    log.warn(message);
    if (warned.has(message)) return;
    warned.add(message);
    void vscode.window.showWarningMessage(`Session Sync: ${message}`);
  };
}
