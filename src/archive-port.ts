import * as vscode from 'vscode';
import type { SharedStore } from './core/store/shared-store';
import { planArchive } from './core/archive/archive';
import type { ArchivePreviewData } from './webview-messages';
import { COMMAND } from './command-ids';

/** What the history webview needs from archiving; kept small so the page does not depend on its internals. */
export interface ArchivePort {
  /** Dry run: what archiving sessions older than `days` would move. Changes nothing. */
  preview(days: number): Promise<ArchivePreviewData>;
  archiveNow(): Promise<ArchiveOutcome>;
  restore(): Promise<ArchiveOutcome>;
}

export interface ArchiveOutcome {
  ok: boolean;
  /** One sentence for the page. */
  message: string;
}

export class NotOwnerError extends Error {
  constructor() {
    super('Another VS Code window owns the session store: archive from that window.');
  }
}

/**
 * The port as the editor provides it: the preview reads the store through the archive planner; Archive now
 * and Restore run the palette commands (which show their own progress and confirmations), so the page and
 * the palette always do the same thing.
 */
export function createArchivePort(shared: SharedStore): ArchivePort {
  return {
    async preview(days) {
      const store = shared.owned;
      if (!store) throw new NotOwnerError();
      const { summary } = planArchive(store, { olderThanDays: days });
      return { olderThanDays: days, count: summary.count, bytes: summary.bytes, from: summary.oldestUpdatedAt,
        to: summary.newestUpdatedAt, skipped: summary.skipped };
    },
    archiveNow: () => runCommand(COMMAND.archiveOldSessions, 'Archiving'),
    restore: () => runCommand(COMMAND.restoreArchivedSessions, 'Restoring'),
  };
}

async function runCommand(id: string, what: string): Promise<ArchiveOutcome> {
  const result: unknown = await vscode.commands.executeCommand(id);
  return { ok: true, message: typeof result === 'string' && result ? result : `${what} finished.` };
}
