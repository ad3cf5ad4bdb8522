import * as vscode from 'vscode';
import type { SharedStore } from './core/store/shared-store';
import { previewNextSync } from './core/sync/preview';
import { previewMarkdown } from './core/sync/preview-report';
import { cachedDictionary } from './core/sync/dictionary-cache';
import { redactUrl } from './core/remote/connect';

/** A read-only virtual document: VS Code never offers to save it, and the Markdown preview renders it. */
export const PREVIEW_SCHEME = 'session-sync-preview';
export const PREVIEW_URI = vscode.Uri.from({ scheme: PREVIEW_SCHEME, path: '/Next Sync.md' });
const DETAILED = 500;

export interface PreviewDeps {
  shared: SharedStore;
  excludedGlobs: () => string[];
  remoteUrl: () => string;
}

/**
 * Serves the preview's text. Each run of "Session Sync: Preview Next Sync" (registered by commands.ts) plans the
 * next sync again and replaces the text, so running it while the preview is open refreshes it in place.
 */
export class PreviewDocument implements vscode.TextDocumentContentProvider {
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  private text = '';

  constructor(private readonly deps: PreviewDeps) {}

  /** The command: plans the next sync and shows it rendered and read-only; nothing is uploaded. */
  run(): Promise<void> {
    return previewNextSyncCommand(this.deps, this);
  }

  provideTextDocumentContent(): string {
    return this.text;
  }

  update(text: string): void {
    this.text = text;
    this.changed.fire(PREVIEW_URI);
  }

  dispose(): void {
    this.changed.dispose();
  }
}

/** Serves `doc` under the preview's scheme. */
export function registerPreviewDocument(doc: PreviewDocument): vscode.Disposable {
  return vscode.workspace.registerTextDocumentContentProvider(PREVIEW_SCHEME, doc);
}

/** What the next sync would send, as a rendered Markdown preview; nothing is uploaded. */
async function previewNextSyncCommand(d: PreviewDeps, doc: PreviewDocument): Promise<void> {
  const store = d.shared.owned;
  if (!store) {
    void vscode.window.showInformationMessage('Session Sync: run Preview Next Sync in the window that owns the session store.');
    return;
  }
  try {
    const preview = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification,
      title: 'Session Sync: planning the next sync (nothing is sent)…', cancellable: true }, (_p, token) => {
      const abort = new AbortController();
      token.onCancellationRequested(() => abort.abort());
      const dictionary = cachedDictionary(store, redactUrl(d.remoteUrl()));
      return previewNextSync(store, { limit: DETAILED, signal: abort.signal, dictionary });
    });
    doc.update(previewMarkdown(preview, d.excludedGlobs()) +
      `\n_Planned at ${new Date().toLocaleTimeString()}. Run **Session Sync: Preview Next Sync** again to refresh._\n`);
  } catch (err) {
    if ((err as Error).name === 'AbortError') return;
    void vscode.window.showErrorMessage(`Session Sync: could not preview the next sync: ${(err as Error).message}`);
    return;
  }
  // The built-in Markdown extension renders it; an open preview of the same document is revealed and re-rendered.
  // Running its command activates it (getCommands would not list it before then). Without that extension (a user
  // can disable it) the command is unknown, and the same read-only document opens as text.
  try {
    await vscode.commands.executeCommand('markdown.showPreview', PREVIEW_URI);
  } catch {
    await vscode.window.showTextDocument(PREVIEW_URI, { preview: true });
  }
}
