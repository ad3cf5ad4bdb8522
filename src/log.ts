import * as vscode from 'vscode';

/** The "Session Sync" output channel (Show Log). Messages must never contain the token. */
export function createLog(): vscode.LogOutputChannel {
  return vscode.window.createOutputChannel('Session Sync', { log: true });
}
