import type { PendingRecord } from '../store/session-store';
import { dropShape } from '../store/sync-state';
import { withRetry } from './retry';
import type { SyncContext, SyncTotals } from './context';
import { SESSIONS_TABLE } from '../remote/schema';

/** A batch that failed on its own ledger row: the server committed it before. */
export function isLedgerConflict(err: unknown): boolean {
  let e: unknown = err;
  for (let i = 0; e && i < 6; i++) {
    if (/UNIQUE constraint failed: sync_batches\.batch_id/.test((e as Error).message ?? '')) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

/**
 * Asks the remote which of `ids` it already holds with the same content hash, and records those as
 * synced (the next change of each is written whole). Returns the rest.
 */
export async function reconcile(ctx: SyncContext, ids: string[], byId: Map<string, PendingRecord>,
  totals: SyncTotals): Promise<string[]> {
  const { store, remote } = ctx;
  const unmatched: string[] = [];
  for (let i = 0; i < ids.length; i += 200) {
    const chunk = ids.slice(i, i + 200);
    const rs = await ctx.withSchema(() => withRetry(() => remote.execute({
      sql: `SELECT id, content_hash FROM sessions WHERE id IN (${chunk.map(() => '?').join(', ')})`, args: chunk,
    }), remote.displayUrl, ctx.opts.retry, ctx.opts.signal));
    const held = new Map(rs.rows.map((r) => [String(r[0]), String(r[1])]));
    const matched = chunk.filter((id) => held.get(id) === byId.get(id)?.hash);
    unmatched.push(...chunk.filter((id) => !matched.includes(id)));
    // Their frame count is unknown: with no shape, the next change of each is written whole.
    store.transaction(() => matched.forEach((id) => dropShape(store, id)));
    store.markSynced(SESSIONS_TABLE, matched.map((id) => byId.get(id)!), Date.now());
    for (const id of matched) byId.delete(id);
    totals.reconciled += matched.length;
  }
  return unmatched;
}
