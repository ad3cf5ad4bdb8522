import * as vscode from 'vscode';
import type { SharedStore } from './core/store/shared-store';
import type { SessionStore } from './core/store/session-store';
import type { SyncController } from './sync-controller';
import type { Settings } from './settings';
import {
  ArchivePlan, DAY_MS, archiveSessions, deleteArchivedFromRemote, openArchiveFor, planArchive, remoteHeldIds,
  restoreSessions,
} from './core/archive/archive';
import { formatBytes } from './core/format';

/** A file that was not an archive was set aside: the user hears it, once. */
const warnUser = (message: string) => void vscode.window.showWarningMessage(`Session Sync: ${message}`);

export interface ArchiveDeps {
  shared: SharedStore;
  controller: SyncController;
  settings: () => Settings;
  log: vscode.LogOutputChannel;
}

const day = (ms: number | null) => (ms === null ? '?' : new Date(ms).toISOString().slice(0, 10));

/** The daily archive run (the commands, registered by commands.ts, are archiveCommand and restoreCommand). */
export function scheduleArchive(d: ArchiveDeps): vscode.Disposable {
  const schedule = setInterval(() => void scheduledArchive(d), DAY_MS);
  const first = setTimeout(() => void scheduledArchive(d), 60_000);
  return { dispose: () => { clearInterval(schedule); clearTimeout(first); } };
}

function ownedStore(d: ArchiveDeps): SessionStore | undefined {
  const store = d.shared.owned;
  if (!store) void vscode.window.showInformationMessage('Session Sync: archive from the VS Code window that owns the session store.');
  return store;
}

/** "Archive Old Sessions": asks first, then moves; returns one sentence (the history page shows it). */
export async function archiveCommand(d: ArchiveDeps): Promise<string> {
  const store = ownedStore(d);
  if (!store) return 'Another window owns the session store.';
  const days = d.settings().archiveOlderThanDays;
  if (days === 0) return say('Archiving is off (sessionSync.archive.olderThanDays is 0).');
  const plan = planArchive(store, { olderThanDays: days });
  const s = plan.summary;
  if (s.count === 0) return say(`No session is older than ${days} days${skippedNote(plan)}.`);
  const go = await vscode.window.showWarningMessage(
    `Archive ${s.count} sessions (${formatBytes(s.bytes)}) last updated ${day(s.oldestUpdatedAt)} to ${day(s.newestUpdatedAt)}?`,
    { modal: true, detail: 'They leave the live store and the sync; "Restore Archived Sessions" brings them back.' +
      (d.settings().archiveDeleteFromRemote ? ' They are also deleted from the remote database.' : '') },
    'Archive');
  if (go !== 'Archive') return 'Archiving was cancelled.';
  return say(await runArchive(d, store, days));
}

/** The daily run: quiet, and only when there is something to move. */
async function scheduledArchive(d: ArchiveDeps): Promise<void> {
  const s = d.settings();
  const store = d.shared.owned;
  if (s.archiveSchedule !== 'daily' || s.archiveOlderThanDays === 0 || !store) return;
  if (planArchive(store, { olderThanDays: s.archiveOlderThanDays }).summary.count === 0) return;
  try {
    d.log.info(await runArchive(d, store, s.archiveOlderThanDays));
  } catch (err) {
    d.log.error(`Scheduled archive failed: ${(err as Error).message}`);
  }
}

async function runArchive(d: ArchiveDeps, store: SessionStore, days: number): Promise<string> {
  return inLane(d, 'Session Sync: archiving old sessions…', async () => {
    const archive = await openArchiveFor(store, warnUser);
    try {
      // Planned again inside the lane: a sync may have finished in between.
      const plan = planArchive(store, { olderThanDays: days });
      const r = await archiveSessions(store, archive, plan);
      let deleted = '';
      if (d.settings().archiveDeleteFromRemote) {
        const remote = await d.controller.openRemote();
        try {
          const n = (await deleteArchivedFromRemote(archive, remote, remoteHeldIds(archive, remote.displayUrl))).deleted;
          deleted = ` Deleted ${n} from the remote.`;
        } finally {
          remote.close();
        }
      }
      const message = `Archived ${r.moved} sessions${skippedNote(plan)}.${deleted}`;
      d.log.info(message);
      for (const k of plan.skipped.slice(0, 20)) d.log.info(`Not archived: ${k.id}: ${k.message}`);
      return message;
    } finally {
      archive.close();
    }
  });
}

/**
 * Runs a move in the controller's lane (after a running sync, before the next) under a progress notification that
 * shows from the click, saying so while it waits for the sync.
 */
async function inLane<T>(d: ArchiveDeps, title: string, move: () => Promise<T>): Promise<T> {
  return await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title }, (progress) => {
    if (d.controller.syncing) progress.report({ message: 'waiting for the sync to finish' });
    return d.controller.exclusive(() => {
      progress.report({ message: '' });
      return move();
    });
  });
}

function skippedNote(plan: ArchivePlan): string {
  const n = plan.summary.skipped;
  return n ? `; ${n} old sessions were kept because their changes have not been synced yet (sync first)` : '';
}

/** "Restore Archived Sessions": all, or a date range; returns one sentence. */
export async function restoreCommand(d: ArchiveDeps): Promise<string> {
  const store = ownedStore(d);
  if (!store) return 'Another window owns the session store.';
  const pick = await vscode.window.showQuickPick([
    { label: 'All archived sessions', range: false },
    { label: 'Sessions last updated in a date range…', range: true },
  ], { title: 'Session Sync: Restore Archived Sessions' });
  if (!pick) return 'Restore was cancelled.';
  let since: number | undefined;
  let until: number | undefined;
  if (pick.range) {
    since = await askDay('First day (YYYY-MM-DD)');
    if (since === undefined) return 'Restore was cancelled.';
    const last = await askDay('Last day, included (YYYY-MM-DD)');
    if (last === undefined) return 'Restore was cancelled.';
    until = last + DAY_MS - 1;
  }
  const message = await inLane(d, 'Session Sync: restoring archived sessions…', async () => {
    const archive = await openArchiveFor(store, warnUser);
    try {
      const r = await restoreSessions(store, archive, { since, until });
      return `Restored ${r.restored} sessions; ${r.archived} remain archived.`;
    } finally {
      archive.close();
    }
  });
  d.log.info(message);
  return say(message);
}

async function askDay(prompt: string): Promise<number | undefined> {
  const text = await vscode.window.showInputBox({ title: 'Session Sync: Restore Archived Sessions', prompt,
    placeHolder: '2025-01-31', validateInput: (v) => (/^\d{4}-\d{2}-\d{2}$/.test(v) && !isNaN(Date.parse(`${v}T00:00:00Z`))
      ? undefined : 'A date as YYYY-MM-DD') });
  return text === undefined ? undefined : Date.parse(`${text}T00:00:00Z`);
}

function say(message: string): string {
  void vscode.window.showInformationMessage(`Session Sync: ${message}`);
  return message;
}
