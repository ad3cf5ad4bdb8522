import * as vscode from 'vscode';
import type { SyncState } from './sync-controller';
import { formatBytes, savingPercent } from './core/format';

export const SYNC_NOW_COMMAND = 'sessionSync.syncNow';

/** One status bar item that shows the sync state; clicking it syncs now. */
export class StatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('sessionSync.status', vscode.StatusBarAlignment.Left, 50);

  constructor() {
    this.item.name = 'Session Sync';
    this.item.command = SYNC_NOW_COMMAND;
    this.item.show();
  }

  render(s: SyncState): void {
    const { text, background } = label(s);
    this.item.text = text;
    this.item.backgroundColor = background ? new vscode.ThemeColor(background) : undefined;
    this.item.tooltip = tooltip(s);
    this.item.accessibilityInformation = { label: `Session Sync: ${text.replace(/\$\([^)]*\)\s*/g, '')}` };
  }

  dispose(): void {
    this.item.dispose();
  }
}

function label(s: SyncState): { text: string; background?: string } {
  switch (s.kind) {
    case 'syncing':
      return { text: s.progress?.batchesTotal ? `$(sync~spin) Syncing ${s.progress.batchesDone}/${s.progress.batchesTotal}`
        : '$(sync~spin) Syncing' };
    case 'paused':
      return { text: `$(debug-pause) Sync paused${s.pending ? ` (${s.pending} pending)` : ''}` };
    case 'offline':
      return { text: '$(cloud-offline) Offline, retrying', background: 'statusBarItem.warningBackground' };
    case 'error':
      return { text: '$(error) Sync failed', background: 'statusBarItem.errorBackground' };
    case 'guest':
      return { text: '$(cloud) Session Sync (other window syncs)' };
    default:
      return { text: s.pending ? `$(cloud-upload) ${s.pending} pending` : '$(check) Synced' };
  }
}

function tooltip(s: SyncState): vscode.MarkdownString {
  const md = new vscode.MarkdownString(undefined, true);
  md.isTrusted = false;
  md.appendMarkdown('**Session Sync**\n\n');
  if (s.error) md.appendText(`${s.error}\n\n`);
  md.appendText(s.lastAt ? `Last sync: ${new Date(s.lastAt).toLocaleString()}\n` : 'Not synced yet\n');
  if (s.last) {
    md.appendText(`\nSent ${s.last.sent} sessions, ${formatBytes(s.last.bytesSent)} ` +
      `(saving ${savingPercent(s.last.bytesRaw, s.last.bytesSent)} versus uncompressed)\n`);
  }
  md.appendText(`\n${s.pending} pending. Click to sync now.`);
  return md;
}
