import type { Session } from '../model';
import { SyncContext, SyncTotals } from './context';
import type { Remote } from '../remote/connect';
import { withRetry } from './retry';

/**
 * The spec's current approach, kept as the baseline that benchmarks compare against: every session,
 * every time, whole records as JSON text, batches of 100, one batch at a time, no compression, through
 * @libsql/client as shipped (Hrana v2 JSON over HTTP).
 */
export async function syncNaive(ctx: SyncContext, totals: SyncTotals): Promise<void> {
  const remote = ctx.remote.stock();
  try {
    await uploadAll(ctx, remote, totals);
  } finally {
    remote.close();
  }
}

async function uploadAll(ctx: SyncContext, remote: Remote, totals: SyncTotals): Promise<void> {
  const { store, opts, timer } = ctx;
  await ctx.ensureRemoteSchema(remote);
  totals.batchesPlanned = Math.ceil(store.count() / opts.batchSize);
  let page: { sql: string; args: (string | number)[] }[] = [];
  const flush = async () => {
    if (!page.length) return;
    const stmts = page;
    page = [];
    await store.flush(); // nothing leaves that this disk could still lose (see optimized.ts)
    await timer.time('upload', () => withRetry(() => remote.batch(stmts), remote.displayUrl, opts.retry, opts.signal));
    totals.sent += stmts.length;
    totals.batches++;
    ctx.progress(totals);
  };
  for (const [id, json] of store.iterateJson(opts.batchSize)) {
    if (ctx.stopped) break;
    const updatedAt = timer.timeSync('encode', () => (JSON.parse(json) as Session).updatedAt);
    totals.bytesRaw += Buffer.byteLength(json);
    page.push({ sql: 'INSERT OR REPLACE INTO sessions_naive (id, body, updated_at) VALUES (?, ?, ?)',
      args: [id, json, updatedAt] });
    if (page.length >= opts.batchSize) await flush();
  }
  if (!ctx.stopped) await flush();
}
