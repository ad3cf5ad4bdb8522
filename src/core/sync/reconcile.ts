import type { PendingRecord } from '../store/session-store';
import { sqliteFailure } from '../remote/errors';
import { dropShape } from '../store/sync-state';
import { withRetry } from './retry';
import type { SyncContext, SyncTotals } from './context';
import { hashesOfIdsSql, SESSIONS_TABLE } from '../remote/sessions-table';

/** Where a batch's ledger row stands among its statements (optimized.ts puts it first). */
export const LEDGER_AT = 0;

/**
 * A batch that failed on its own ledger row: the server committed it before. The row's only constraint is its
 * batch_id key, so a constraint failure of that statement says it (libSQL names the statement of a failed batch).
 */
export function isLedgerConflict(err: unknown): boolean {
  const failure = sqliteFailure(err);
  return failure !== undefined && failure.code.startsWith('SQLITE_CONSTRAINT') && failure.statement === LEDGER_AT;
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
      sql: hashesOfIdsSql(chunk.length), args: chunk,
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
