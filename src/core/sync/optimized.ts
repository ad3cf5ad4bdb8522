import { randomBytes, randomUUID } from 'node:crypto';
import pLimit from 'p-limit';
import type { InStatement, ResultSet } from '@libsql/client';
import type { PendingRecord } from '../store/session-store';
import { yieldToEventLoop } from '../metrics';
import { CHECKPOINT_FILE, CheckpointBatch, CheckpointWriter, loadCheckpoint } from './checkpoint';
import { removeStaleTemps } from '../store/atomic-file';
import { RecordWrite, fullUpsert } from './delta';
import { EncodedRecord, isRefused, RawRecord } from './encode-task';
import { PoolError, acquireSharedPool, encodeHere, releaseSharedPool } from './encode-pool';
import { dictionaryFor } from './dictionary-cache';
import { isLedgerConflict, reconcile } from './reconcile';
import { REMOTE_SCHEMA_VERSION, schemaCheck } from '../remote/schema';
import { SESSIONS_TABLE } from '../remote/sessions-table';
import { dropShape, getShapes, putShape } from '../store/sync-state';
import { CancelledError, withRetry } from './retry';
import { SyncContext, SyncTotals } from './context';

/**
 * The optimized strategy: only records whose content hash differs from sync_status, each as a delta of
 * what the remote already holds, compressed, in batches uploaded in parallel, with a checkpoint to
 * resume from and a ledger row per batch so a replayed batch changes nothing.
 */
export async function syncOptimized(ctx: SyncContext, totals: SyncTotals): Promise<void> {
  const { store, remote, opts, timer } = ctx;
  const pending = timer.timeSync('plan', () => store.pending(SESSIONS_TABLE));
  totals.skipped = store.count() - pending.length;
  removeStaleTemps(store.dir, CHECKPOINT_FILE); // a write killed midway left one; only this owner writes the file
  const loaded = loadCheckpoint(store.dir, remote.displayUrl, 'optimized');
  if (loaded.discarded) ctx.log(loaded.discarded);
  if (pending.length === 0 && !loaded.checkpoint) return;

  const byId = new Map(pending.map((p) => [p.id, p]));
  const writer = new CheckpointWriter(store.dir, loaded.checkpoint ?? newCheckpoint(remote.displayUrl));
  const cp = writer.checkpoint;
  if (loaded.checkpoint) {
    totals.resumed = true;
    totals.skippedBatches = cp.batches.filter((b) => b.completed).length;
  }
  const planned = new Set(cp.batches.flatMap((b) => b.recordIds));
  cp.batches.push(...makeBatches(pending.filter((p) => !planned.has(p.id)), opts.batchSize, opts.maxBatchBytes));
  await writer.save();

  const beforeSetup = remote.meter.bytesSent;
  await ensureSchema(ctx);
  ctx.dictionary = await dictionaryFor(ctx);
  totals.setupBytes += remote.meter.bytesSent - beforeSetup; // nothing else is in flight yet
  // Batches that committed before an interruption, but whose records the store did not save as synced.
  const unconfirmed = cp.batches.filter((b) => b.completed).flatMap((b) => b.recordIds).filter((id) => byId.has(id));
  if (unconfirmed.length) {
    await reconcile(ctx, unconfirmed, byId, totals);
    await store.flush(); // what the check found survives another interruption
  }
  // Records of completed batches that the remote does not hold as they are now go into new batches.
  const stillPending = unconfirmed.filter((id) => byId.has(id));
  if (stillPending.length) {
    cp.batches.push(...makeBatches(stillPending.map((id) => byId.get(id)!), opts.batchSize, opts.maxBatchBytes));
    await writer.save();
  }

  const todo = cp.batches.filter((b) => !b.completed);
  totals.batchesPlanned = todo.length;
  // Workers pay off from a couple of batches on; a few records are encoded here.
  // So does one long session: encoding a timeline of thousands of events here would stall the editor (tens of ms).
  const heavy = todo.length > 1 || pending.some((p) => (p.size ?? 0) > INLINE_MAX_STORED_BYTES);
  ctx.pool = heavy ? acquireSharedPool() : undefined;
  const usesPool = ctx.pool !== undefined;
  try {
    const retryFull = await uploadAll(ctx, writer, todo, byId, totals);
    if (retryFull.length && !ctx.stopped) {
      // Appends that found the remote in another state than expected are written whole.
      const extra = makeBatches(retryFull.map((id) => byId.get(id) as PendingRecord), opts.batchSize, opts.maxBatchBytes);
      cp.batches.push(...extra);
      totals.batchesPlanned += extra.length;
      await writer.save();
      await uploadAll(ctx, writer, extra, byId, totals);
    }
  } finally {
    if (usesPool) releaseSharedPool();
    ctx.pool = undefined;
  }
  // The store must hold the synced marks before the checkpoint goes: otherwise a crash in between would
  // leave records that the remote holds but neither the store nor a checkpoint knows to be synced.
  await store.flush();
  if (cp.batches.every((b) => b.completed)) await writer.remove();
  else await writer.save();
  if (ctx.failure) throw ctx.failure;
  if (ctx.stopped) throw new CancelledError();
}

function newCheckpoint(remote: string): CheckpointWriter['checkpoint'] {
  return { format: 'session-sync-checkpoint', version: 1, runId: randomUUID(), remote, strategy: 'optimized',
    createdAt: Date.now(), batches: [] };
}

/** A record stored larger than this (compressed; a session of a few thousand events) is encoded in a worker. */
const INLINE_MAX_STORED_BYTES = 16 * 1024;

/** 128 random bits, as 22 characters: the ledger key every batch sends (a UUID's text would be 36). */
const newBatchId = (): string => randomBytes(16).toString('base64url');

/** Up to `size` records a batch, and fewer when their stored size passes `maxBytes`. */
export function makeBatches(records: PendingRecord[], size: number, maxBytes: number): CheckpointBatch[] {
  const batches: CheckpointBatch[] = [];
  let ids: string[] = [];
  let bytes = 0;
  const close = () => {
    if (ids.length) batches.push({ batchId: newBatchId(), recordIds: ids, completed: false, error: null });
    ids = [];
    bytes = 0;
  };
  for (const r of records) {
    if (ids.length >= size || (ids.length > 0 && bytes + (r.size ?? 0) > maxBytes)) close();
    ids.push(r.id);
    bytes += r.size ?? 0;
  }
  close();
  return batches;
}

async function ensureSchema(ctx: SyncContext): Promise<void> {
  const key = `remote-schema:${ctx.remote.displayUrl}`;
  if (ctx.store.getMeta(key) === String(REMOTE_SCHEMA_VERSION)) return;
  await ctx.ensureRemoteSchema();
  ctx.store.setMeta(key, String(REMOTE_SCHEMA_VERSION));
}

/** Uploads batches, at most `concurrency` at once; returns ids whose append must be redone as a full write. */
async function uploadAll(ctx: SyncContext, writer: CheckpointWriter, batches: CheckpointBatch[],
  byId: Map<string, PendingRecord>, totals: SyncTotals): Promise<string[]> {
  const limit = pLimit(ctx.opts.concurrency);
  const retryFull: string[] = [];
  await Promise.all(batches.map((batch) => limit(async () => {
    if (ctx.stopped || ctx.failure) return;
    try {
      retryFull.push(...await uploadBatch(ctx, batch, byId, totals));
      batch.completed = true;
      batch.error = null;
    } catch (err) {
      if (err instanceof CancelledError) {
        ctx.stopped = true;
        return;
      }
      batch.error = (err as Error).message;
      ctx.failure ??= err as Error;
    } finally {
      // Not awaited: the next batch need not wait for the disk. A lagging checkpoint costs at most a replay,
      // which the ledger turns into a check; the run's last save is awaited before it ends.
      writer.save().catch((err: Error) => { ctx.failure ??= err; });
      ctx.progress(totals);
    }
  })));
  return retryFull;
}

async function uploadBatch(ctx: SyncContext, batch: CheckpointBatch, byId: Map<string, PendingRecord>,
  totals: SyncTotals): Promise<string[]> {
  const { store } = ctx;
  const ids = batch.recordIds.filter((id) => byId.has(id));
  const encoded = await encodeBatch(ctx, ids);
  // What leaves for the remote must be on this disk first: else a crash could leave the remote holding a version
  // the store lost, which the store could then never sync over (the remote keeps the newer copy).
  await store.flush();
  // A session the remote could not store identically is not sent, so it is never marked synced; it stays pending.
  for (const w of encoded) if (isRefused(w)) ctx.refuse(w.id, w.invalid);
  const writes = encoded.filter((w): w is RecordWrite => !isRefused(w));
  const { stmts, appendAt, upsertAt } = statements(batch.batchId, writes);
  let results: ResultSet[];
  try {
    results = await ctx.timer.time('upload', () => ctx.withSchema(() => withRetry(() => ctx.remote.batch(stmts),
      ctx.remote.displayUrl, ctx.opts.retry, ctx.opts.signal, (c, n, ms) =>
        ctx.log(`Batch ${batch.batchId.slice(0, 8)}: ${c.message} (attempt ${n}, next in ${ms} ms)`))));
  } catch (err) {
    if (!isLedgerConflict(err)) throw err;
    // The server committed this batch before (its answer was lost): learn what it holds instead of resending.
    const unmatched = await reconcile(ctx, ids, byId, totals);
    store.transaction(() => unmatched.forEach((id) => dropShape(store, id)));
    return unmatched;
  }
  // The upsert returns the ids it wrote; the others met a newer copy on the remote (another machine).
  const written = upsertAt === undefined ? new Set() : new Set(results[upsertAt].rows.map((r) => String(r[0])));
  const redo: string[] = [];
  const refused: RecordWrite[] = [];
  const committed: RecordWrite[] = [];
  writes.forEach((w, i) => {
    const at = appendAt.get(i);
    if (at !== undefined && results[at].rowsAffected === 0) redo.push(w.id);
    else if (w.kind === 'full' && !written.has(w.id)) refused.push(w);
    else committed.push(w);
  });
  if (refused.length) {
    ctx.log(`${refused.length} sessions were not written: the remote holds a newer copy (from another machine?). ` +
      'Run "session-sync pull" to bring it here.');
  }
  store.transaction(() => {
    // A refused record keeps no shape (what the remote holds is not ours), so nothing is ever appended to it.
    for (const id of [...redo, ...refused.map((w) => w.id)]) dropShape(store, id);
    for (const w of committed) putShape(store, w.id, w.shape);
  });
  // Refused records count as synced, so they are not offered again until they change here.
  store.markSynced(SESSIONS_TABLE, [...committed, ...refused].map((w) => ({ id: w.id, hash: w.hash })), Date.now());
  totals.sent += committed.length;
  totals.bytesRaw += committed.reduce((n, w) => n + w.rawBytes, 0);
  totals.naiveRecordBytes += committed.reduce((n, w) => n + (w.naiveBytes ?? 0), 0);
  totals.batches++;
  return redo;
}

/** Records encoded on this thread between two yields when no worker runs, so the event loop stays responsive. */
const INLINE_CHUNK = 4;

/** Encodes the batch's records: in a worker when the pool runs, else here in small chunks. */
async function encodeBatch(ctx: SyncContext, ids: string[]): Promise<EncodedRecord[]> {
  const { store, timer } = ctx;
  const records: RawRecord[] = timer.timeSync('read', () => {
    const stored = store.getStoredMany(ids);
    const shapes = getShapes(store, ids);
    return ids.flatMap((id) => {
      const s = stored.get(id);
      return s ? [{ id, hash: s.hash, body: s.body, shape: shapes.get(id) }] : [];
    });
  });
  const dictionary = ctx.dictionary;
  if (ctx.pool) {
    try {
      return await timer.time('encode', () => ctx.pool!.encode({ records, dictionary }));
    } catch (err) {
      if (!(err instanceof PoolError)) throw err;
      ctx.log(`Encoding on the main thread from now on: ${err.message}`);
      ctx.pool = undefined;
    }
  }
  const writes: EncodedRecord[] = [];
  for (let i = 0; i < records.length; i += INLINE_CHUNK) {
    writes.push(...timer.timeSync('encode', () => encodeHere({ records: records.slice(i, i + INLINE_CHUNK), dictionary })));
    await yieldToEventLoop();
  }
  return writes;
}

/**
 * The batch's statements: its ledger row (first: reconcile.ts's LEDGER_AT, where isLedgerConflict looks for it), which also checks the
 * remote's schema version (so a remote another release moved on is never written, at no extra statement), then one
 * multi-row upsert, then one UPDATE per append.
 */
function statements(batchId: string, writes: RecordWrite[])
  : { stmts: InStatement[]; appendAt: Map<number, number>; upsertAt: number | undefined } {
  const stmts: InStatement[] = [{
    sql: `INSERT INTO sync_batches(batch_id,committed_at,records)VALUES(?,?,?+${schemaCheck()})`,
    args: [batchId, Date.now(), writes.length],
  }];
  const fulls = writes.filter((w) => w.kind === 'full');
  const upsertAt = fulls.length ? stmts.length : undefined;
  if (fulls.length) stmts.push(fullUpsert(fulls.map((w) => w.row!)));
  const appendAt = new Map<number, number>();
  writes.forEach((w, i) => {
    if (w.kind !== 'append') return;
    appendAt.set(i, stmts.length);
    stmts.push({ sql: w.sql!, args: w.args! });
  });
  return { stmts, appendAt, upsertAt };
}
