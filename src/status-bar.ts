import * as vscode from 'vscode';
import type { SyncState } from './sync-controller';
import { statusDetails, statusText } from './core/sync-state';
import { formatBytes } from './core/format';
import { savingSentence } from './core/sync/saving';
import { COMMAND } from './command-ids';

/** One status bar item that shows the sync state; clicking it syncs now. The wording lives in core/sync-state.ts. */
export class StatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('sessionSync.status', vscode.StatusBarAlignment.Left, 50);

  constructor() {
    this.item.name = 'Session Sync';
    this.item.command = COMMAND.syncNow;
    this.item.show();
  }

  render(s: SyncState): void {
    const { text, background } = statusText(s);
    this.item.text = text;
    this.item.backgroundColor = background ? new vscode.ThemeColor(background) : undefined;
    this.item.tooltip = tooltip(s);
    this.item.accessibilityInformation = { label: `Session Sync: ${text.replace(/\$\([^)]*\)\s*/g, '')}` };
  }

  dispose(): void {
    this.item.dispose();
  }
}

function tooltip(s: SyncState): vscode.MarkdownString {
  const md = new vscode.MarkdownString(undefined, true);
  md.isTrusted = false;
  md.appendMarkdown('**Session Sync**\n\n');
  md.appendText(`${statusDetails(s).join('\n')}\n`);
  if (s.last) {
    md.appendText(`\nThis window's last sync sent ${s.last.sent} sessions: ${savingSentence(s.last, formatBytes)}\n`);
  }
  md.appendText('\nClick to sync now.');
  return md;
}
