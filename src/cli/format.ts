import { formatBytes, savingPercent } from '../core/format';
import type { SyncReport } from '../core/sync/engine';
import type { VerifyReport } from '../core/sync/verify';


export function formatSyncReport(r: SyncReport): string {
  const head = r.result === 'ok' ? 'Synced' : r.result === 'cancelled' ? 'Sync cancelled' : 'Sync failed';
  const lines = [
    `${head} (${r.strategy}) with ${r.remote} in ${r.durationMs} ms${r.resumed ? ', resumed from a checkpoint' : ''}`,
    `  sent ${r.sent} sessions in ${r.batches} batches, ${r.skipped} unchanged`,
    `  ${formatBytes(r.bytesRaw)} of records as ${formatBytes(r.bytesSent)} sent (saving ${savingPercent(r.bytesRaw, r.bytesSent)}), ${r.roundTrips} round trips`,
  ];
  return lines.join('\n');
}

export function formatVerifyReport(r: VerifyReport): string {
  const ok = r.missing === 0 && r.mismatched === 0 && r.extra === 0;
  const lines = [`${ok ? 'Verified' : 'Differences found'}: ${r.local} local, ${r.remote} remote` +
    `${r.archived ? ` (${r.archived} of them archived here)` : ''}, ` +
    `${r.missing} missing, ${r.mismatched} mismatched, ${r.extra} extra`];
  for (const kind of ['missing', 'mismatched', 'extra'] as const) {
    if (r.examples[kind].length) lines.push(`  ${kind}: ${r.examples[kind].join(', ')}`);
  }
  return lines.join('\n');
}
