import * as vscode from 'vscode';
import { SessionSyncContext } from './context';
import { StatusBar } from './status-bar';
import { registerCommands } from './commands';
import { HistoryView, registerHistoryView } from './history-view';
import { createArchivePort } from './archive-port';
import { scheduleArchive } from './archive-commands';
import { PreviewDocument, registerPreviewDocument } from './preview-command';

/** What `activate` returns: used by the integration tests and open to other extensions. */
export interface SessionSyncApi {
  storeDir: string;
  remoteUrl(): string;
  /** Writes everything recorded so far to the store file. */
  flush(): Promise<void>;
  /**
   * For tests: the extension's own `deactivate` (what VS Code calls when the window closes), and its `activate`
   * again with the same ExtensionContext (what VS Code does at the next start), inside this extension host.
   * This object stays valid across them: it speaks for whichever start is current.
   */
  lifecycle: { deactivate(): Promise<void>; activate(): Promise<void> };
}

/** The active start; undefined before activate and after deactivate. */
let current: SessionSyncContext | undefined;

/** Starts the context that owns the store, the sync and the recorder, and wires the editor's parts to it. */
export async function activate(context: vscode.ExtensionContext): Promise<SessionSyncApi> {
  const ctx = await SessionSyncContext.start(context);
  current = ctx;
  // VS Code disposes these after deactivate; the context's dispose is the same stop as deactivate's.
  context.subscriptions.push(ctx);
  wire(ctx, context.extensionUri);
  return {
    storeDir: ctx.storeDir,
    remoteUrl: () => live().controller.remoteUrl(),
    flush: () => live().flush(),
    lifecycle: { deactivate, activate: async () => void (await activate(context)) },
  };
}

/** Cancels a running sync and waits for it, saves the open session, then saves and closes the store. */
export async function deactivate(): Promise<void> {
  const ctx = current;
  current = undefined;
  await ctx?.stop();
}

function live(): SessionSyncContext {
  if (!current) throw new Error('Session Sync is not active.');
  return current;
}

/** The editor's parts, each in its own file, given what they need from the context. */
function wire(ctx: SessionSyncContext, extensionUri: vscode.Uri): void {
  const { controller, shared, log } = ctx;
  const statusBar = new StatusBar();
  ctx.own(statusBar, controller.onDidChangeState((s) => statusBar.render(s)));
  statusBar.render(controller.current);
  const settings = () => ctx.settings.current;
  const history = { extensionUri, controller, shared, archive: createArchivePort(shared), log, settings: ctx.settings };
  const preview = new PreviewDocument({ shared, excludedGlobs: () => settings().excludedWorkspaces,
    remoteUrl: () => controller.remoteUrl() });
  ctx.own(
    preview,
    registerPreviewDocument(preview),
    registerHistoryView(history),
    scheduleArchive({ shared, controller, settings, log }),
    ...registerCommands({ controller, shared, recorder: ctx.recorder, tokens: ctx.tokens, log, settings,
      showHistory: () => HistoryView.show(history), preview }),
  );
}
