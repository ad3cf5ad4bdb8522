import * as fs from 'node:fs';
import type { SessionStore } from '../core/store/session-store';
import { Command, InvalidArgumentError, Option } from 'commander';
import { formatBytes } from '../core/format';
import {
  ArchivePlan, DAY_MS, DEFAULT_OLDER_THAN_DAYS, archiveSessions, deleteArchivedFromRemote, openArchiveFor, planArchive,
  remoteHeldIds, restoreSessions,
} from '../core/archive/archive';
import { openForRead, openForWrite, openRemote, print, withStore } from './open';
import type { ArchiveStore } from '../core/archive/archive-store';

export { archivedCountIn } from '../core/archive/archive';

/** Skipped sessions listed by id in the output; the count is always complete. */
const LIST_MAX = 100;

function days(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 36_500) throw new InvalidArgumentError('--older-than must be a whole number of days from 0 to 36500.');
  return n;
}

/** A calendar day as YYYY-MM-DD (UTC), checked for real (2025-02-30 is refused); returns its first millisecond. */
export function parseDay(v: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(v.trim());
  const t = m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : NaN;
  if (!m || new Date(t).toISOString().slice(0, 10) !== v.trim()) {
    throw new InvalidArgumentError(`"${v}" is not a date; use YYYY-MM-DD (UTC), for example 2025-01-31.`);
  }
  return t;
}

const isoDay = (t: number | null) => (t === null ? null : new Date(t).toISOString().slice(0, 10));

const storeOption = () => new Option('--store <dir>', 'folder of the local session store').makeOptionMandatory();

export function registerArchiveCommands(program: Command): void {
  program.command('archive')
    .description('move sessions not updated for more than D days out of the live store and the sync')
    .addOption(storeOption())
    .option('--older-than <days>', 'days without an update (0 archives nothing)', days, DEFAULT_OLDER_THAN_DAYS)
    .option('--dry-run', 'show what would move (count, date range, bytes); change nothing')
    .option('--delete-from-remote', 'also delete the archived sessions from the remote database (restore re-uploads them)')
    .addOption(new Option('--remote <url>', 'the remote to delete from (default: as for sync)'))
    .option('--json', 'print a JSON object')
    .action(async (o) => (o.dryRun ? dryRun(o) : archive(o)));

  program.command('restore')
    .description('bring archived sessions back into the live store and the sync (all, or those last updated in a date range)')
    .addOption(storeOption())
    .option('--since <date>', 'first day, YYYY-MM-DD (UTC)', parseDay)
    .option('--until <date>', 'last day, YYYY-MM-DD (UTC), included', parseDay)
    .option('--json', 'print a JSON object')
    .action(async (o, cmd: Command) => {
      if (o.since !== undefined && o.until !== undefined && o.since > o.until) {
        cmd.error('error: --since must not be after --until.', { exitCode: 2, code: 'session-sync.usage' });
      }
      const until = o.until === undefined ? undefined : o.until + DAY_MS - 1;
      // Printed once the store is saved (withStore closes it): a failed save must not follow a success line.
      const r = await withStore(openForWrite(o.store), async (store) => {
        const archive = await openArchiveFor(store, warnOnStderr);
        try {
          return await restoreSessions(store, archive, { since: o.since, until });
        } finally {
          archive.close();
        }
      });
      print(o.json, r, () => `Restored ${r.restored} sessions` +
        (r.alreadyLive ? ` (${r.alreadyLive} were already in the live store)` : '') + `; ${r.archived} remain archived.`);
    });
}

const warnOnStderr = (message: string) => process.stderr.write(`warning: ${message}\n`);

interface ArchiveOpts { store: string; olderThan: number; dryRun?: boolean; deleteFromRemote?: boolean; remote?: string; json?: boolean }

function planJson(plan: ArchivePlan) {
  const s = plan.summary;
  return {
    olderThanDays: plan.olderThanDays, cutoff: new Date(plan.cutoff).toISOString(), count: s.count, bytes: s.bytes,
    oldestUpdatedAt: isoDay(s.oldestUpdatedAt), newestUpdatedAt: isoDay(s.newestUpdatedAt), skipped: s.skipped,
    skippedSessions: plan.skipped.slice(0, LIST_MAX).map((k) => ({ id: k.id, updatedAt: isoDay(k.updatedAt), reason: k.reason, message: k.message })),
  };
}

function planText(plan: ArchivePlan, verb: string): string {
  const s = plan.summary;
  if (plan.olderThanDays === 0) return 'Archiving is off (--older-than 0): nothing moved.';
  const lines = [`${verb} ${s.count} sessions (${formatBytes(s.bytes)}) not updated for more than ${plan.olderThanDays} days` +
    (s.count ? `, last updated ${isoDay(s.oldestUpdatedAt)} to ${isoDay(s.newestUpdatedAt)}` : '') + '.'];
  if (s.skipped) lines.push(`Skipped ${s.skipped} old sessions whose changes have not reached the remote:`);
  for (const k of plan.skipped.slice(0, 10)) lines.push(`  ${k.id}: ${k.message}`);
  if (s.skipped > 10) lines.push(`  ... and ${s.skipped - 10} more`);
  return lines.join('\n');
}

async function dryRun(o: ArchiveOpts): Promise<void> {
  // Nothing is written: no owner lock, no archive file.
  await withStore(openForRead(o.store), async (store) => {
    const plan = planArchive(store, { olderThanDays: o.olderThan });
    print(!!o.json, { dryRun: true, ...planJson(plan) }, () => planText(plan, 'Would archive'));
  });
}

async function archive(o: ArchiveOpts): Promise<void> {
  const show = await withStore(openForWrite(o.store), async (store) => {
    const archiveStore = await openArchiveFor(store, warnOnStderr);
    try {
      const plan = planArchive(store, { olderThanDays: o.olderThan });
      const before = await liveFileFigures(store);
      const r = await archiveSessions(store, archiveStore, plan);
      const after = await liveFileFigures(store);
      const deleted = o.deleteFromRemote ? await deleteFromRemote(archiveStore, o) : null;
      const out = { dryRun: false, ...planJson(plan), moved: r.moved, stayedLive: r.stayedLive,
        deletedFromRemote: deleted, archived: archiveStore.count(),
        liveStore: { bytesBefore: before.bytes, bytesAfter: after.bytes, compactMsBefore: before.compactMs, compactMsAfter: after.compactMs } };
      return () => print(!!o.json, out, () => planText(plan, 'Archived').replace(/^Archived \d+/, `Archived ${r.moved}`) +
        (r.stayedLive ? `\n${r.stayedLive} changed during the move and stayed live.` : '') +
        (deleted === null ? '' : `\nDeleted ${deleted} of them from the remote.`) +
        `\n${out.archived} sessions are archived in all.` +
        `\nLive store: ${formatBytes(before.bytes)} -> ${formatBytes(after.bytes)}; a compaction took ${before.compactMs} ms, now ${after.compactMs} ms.`);
    } finally {
      archiveStore.close();
    }
  });
  show(); // after the store is saved
}

/**
 * The live store's snapshot size and the time of one compaction (the whole-file rewrite the journal defers, which
 * blocks while it exports), median of three.
 */
async function liveFileFigures(store: SessionStore): Promise<{ bytes: number; compactMs: number }> {
  const times: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    await store.compact();
    times.push(performance.now() - t0);
  }
  return { bytes: fs.statSync(store.file).size, compactMs: Math.round(times.sort((a, b) => a - b)[1]) };
}

/** Every archived session this remote still holds goes, including those of earlier runs without the flag. */
async function deleteFromRemote(archiveStore: ArchiveStore, o: ArchiveOpts): Promise<number> {
  const remote = openRemote(o.store, o.remote);
  try {
    return (await deleteArchivedFromRemote(archiveStore, remote, remoteHeldIds(archiveStore, remote.displayUrl))).deleted;
  } finally {
    remote.close();
  }
}
