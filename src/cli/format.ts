import { formatBytes } from '../core/format';
import { savingSentence } from '../core/sync/saving';
import type { SyncReport } from '../core/sync/engine';
import { type VerifyReport, verifyPassed } from '../core/sync/verify';
import type { PullReport } from '../core/sync/pull';
import { type IdSample, sampleIds } from '../core/sync/id-sample';

/** The one line `verify` and `pull` print against a database nothing was synced to (information, exit 0). */
export function nothingSyncedLine(willSend: number): string {
  return `Nothing has been synced to this database yet; \`session-sync sync\` sends ${willSend} sessions.`;
}

export function undecodableLine(u: IdSample): string {
  return `${u.count} remote sessions could not be decoded (${sampleIds(u)}; ` +
    `first: ${u.first}); the others were read. Sync them again from a machine that holds them.`;
}

export function formatPullReport(r: PullReport): string {
  if (r.nothingSynced) return nothingSyncedLine(r.nothingSynced.willSend);
  return `Pulled ${r.remote} sessions: ${r.added} added, ${r.updated} updated, ${r.unchanged} unchanged` +
    `${r.archived ? `, ${r.archived} left in the archive` : ''}${r.undecodable.count ? `, ${r.undecodable.count} undecodable` : ''}.`;
}


export function formatSyncReport(r: SyncReport): string {
  const head = r.result === 'ok' ? 'Synced' : r.result === 'cancelled' ? 'Sync cancelled' : 'Sync failed';
  const lines = [
    `${head} (${r.strategy}) with ${r.remote} in ${r.durationMs} ms${r.resumed ? ', resumed from a checkpoint' : ''}`,
    `  sent ${r.sent} sessions in ${r.batches} batches, ${r.skipped} unchanged`,
    `  ${formatBytes(r.bytesRaw)} of records, ${savingSentence(r, formatBytes)}, ${r.roundTrips} round trips`,
  ];
  return lines.join('\n');
}

export function formatVerifyReport(r: VerifyReport): string {
  if (r.nothingSynced) return nothingSyncedLine(r.nothingSynced.willSend);
  const ok = verifyPassed(r);
  const lines = [`${ok ? 'Verified' : 'Differences found'}: ${r.local} local, ${r.remote} remote` +
    `${r.archived ? ` (${r.archived} of them archived here)` : ''}, ` +
    `${r.missing} missing, ${r.mismatched} mismatched, ${r.extra} extra` +
    `${r.undecodable.count ? `, ${r.undecodable.count} undecodable` : ''}`];
  for (const kind of ['missing', 'mismatched', 'extra'] as const) {
    if (r.examples[kind].length) lines.push(`  ${kind}: ${r.examples[kind].join(', ')}`);
  }
  if (r.undecodable.count) lines.push(`  ${undecodableLine(r.undecodable)}`);
  return lines.join('\n');
}
