import * as vscode from 'vscode';
import type { SharedStore } from './core/store/shared-store';
import { previewNextSync } from './core/sync/preview';
import { previewMarkdown } from './core/sync/preview-report';
import { cachedDictionary } from './core/sync/dictionary-cache';
import { redactUrl } from './core/remote/connect';

export const PREVIEW_COMMAND = 'sessionSync.previewNextSync';
const DETAILED = 500;

/** "Session Sync: Preview Next Sync": what the next sync would send, as a Markdown document; nothing is uploaded. */
export async function previewNextSyncCommand(shared: SharedStore, excludedGlobs: () => string[],
  remoteUrl: () => string): Promise<void> {
  const store = shared.owned;
  if (!store) {
    void vscode.window.showInformationMessage('Session Sync: run Preview Next Sync in the window that owns the session store.');
    return;
  }
  try {
    const preview = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification,
      title: 'Session Sync: planning the next sync (nothing is sent)…', cancellable: true }, (_p, token) => {
      const abort = new AbortController();
      token.onCancellationRequested(() => abort.abort());
      const dictionary = cachedDictionary(store, redactUrl(remoteUrl()));
      return previewNextSync(store, { limit: DETAILED, signal: abort.signal, dictionary });
    });
    const content = previewMarkdown(preview, excludedGlobs());
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument({ language: 'markdown', content }));
  } catch (err) {
    if ((err as Error).name === 'AbortError') return;
    void vscode.window.showErrorMessage(`Session Sync: could not preview the next sync: ${(err as Error).message}`);
  }
}
