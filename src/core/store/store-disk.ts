import * as path from 'node:path';
import type { Session } from '../model';
import { writeFileAtomic } from './atomic-file';
import { JOURNAL_FILE, JournalWriter } from './journal';
import { encodeRecord, type JournalOp } from './journal-ops';

/** Bytes and counts of everything the store wrote to disk since it was opened. */
export interface StoreIo {
  journalBytes: number;
  journalCommits: number;
  snapshotBytes: number;
  compactions: number;
}

export interface DiskOptions {
  /** True while this process still owns the store (owner-lock generation); checked before every write to disk. */
  fence?: () => boolean;
  /** The fence failed: these sessions had changes not yet on disk; hand them to the new owner. */
  onFenced?: (unsaved: Session[]) => void;
  /** `snapshot` rewrites the whole file on every save: the pre-journal behaviour, kept for benchmarks. */
  persistence?: 'journal' | 'snapshot';
  /** The owner generation written into journal records (replay ignores a stale owner's late writes). */
  generation?: number;
}

/** What the disk side needs from the database. */
export interface SnapshotSource {
  /** The whole database, with `journal_seq` set to `seq` (the first journal it does not contain). */
  export(seq: number, vacuum: boolean): Uint8Array;
  /** The current version of sessions, to hand over when this process lost the store. */
  sessions(ids: string[]): Session[];
}

export class StoreFencedError extends Error {
  constructor() {
    super('Another process (a VS Code window or a session-sync command) took over the session store while this one ' +
      'was stalled, so this one stopped writing to it. Try again: the process that holds the store now does the work.');
  }
}

/** Group commit: a change reaches the disk at most this long after it was made. */
const COMMIT_DELAY_MS = 1000;
/** Compaction when the store has been quiet this long and the journal is worth folding in. */
const QUIET_MS = 30_000;
const QUIET_MIN_JOURNAL = 256 * 1024;
const QUIET_SNAPSHOT_FRACTION = 0.25;
/** Compaction even while the user is active (it blocks for a whole-database export): a journal this large. */
const FORCED_MIN_JOURNAL = 4 * 1024 * 1024;
const FORCED_SNAPSHOT_FRACTION = 1;

/**
 * The store's side that touches the disk: queues journal records and commits them together (group commit),
 * decides when to compact and does it, and checks before every write that this process still owns the store.
 * See "The store on disk" in docs/architecture.md.
 */
export class StoreDisk {
  readonly io: StoreIo = { journalBytes: 0, journalCommits: 0, snapshotBytes: 0, compactions: 0 };
  /** Records made during a compaction's write: they belong to the next journal. */
  private afterCompaction: Buffer[] | undefined;
  /** Session ids with records queued but not yet on disk (handed over if this process is fenced off). */
  private unsavedIds = new Set<string>();
  private commitTimer: NodeJS.Timeout | undefined;
  private quietTimer: NodeJS.Timeout | undefined;
  private committing: Promise<void> | undefined;
  private compacting: Promise<void> | undefined;
  private fenced = false;
  private closed = false;

  constructor(private readonly file: string, private journal: JournalWriter, private snapshotSize: number,
    private readonly source: SnapshotSource, private readonly opts: DiskOptions) {}

  /** False once this process lost the store: it writes nothing more. */
  get writable(): boolean {
    return !this.fenced && !this.closed;
  }

  /** Queues one atomic record (a write, or all the writes of one transaction). */
  enqueue(ops: JournalOp[], sessionIds: Iterable<string>): void {
    if (!this.writable) return;
    for (const id of sessionIds) this.unsavedIds.add(id);
    const payload = encodeRecord({ g: this.opts.generation ?? 0, ops });
    if (this.afterCompaction) this.afterCompaction.push(payload);
    else this.journal.enqueue(payload);
    this.scheduleCommit();
  }

  /** Makes every change so far durable: one journal append and sync (or, in `snapshot` mode, a rewrite). */
  async flush(): Promise<void> {
    clearTimeout(this.commitTimer);
    this.commitTimer = undefined;
    while (this.committing) await this.committing;
    if (this.compacting) await this.compacting;
    if (!this.writable || !this.journal.hasQueued) return;
    // A bulk change (seed, import, pull) queues more than the snapshot holds: write the snapshot instead of both.
    if (this.opts.persistence === 'snapshot' || this.worthCompacting(FORCED_MIN_JOURNAL, FORCED_SNAPSHOT_FRACTION)) {
      return this.compact();
    }
    this.committing = this.commit().finally(() => { this.committing = undefined; });
    await this.committing;
    this.afterCommit();
  }

  /**
   * Folds the journal into a new snapshot: exports the database, replaces the snapshot atomically, then starts an
   * empty journal. Blocks for the export (its cost grows with the store), so it runs when the store is quiet, at
   * close, or when the journal has outgrown the snapshot.
   */
  async compact(vacuum = false): Promise<void> {
    if (!this.writable) return;
    while (this.compacting) await this.compacting;
    this.compacting = this.compactNow(vacuum).finally(() => { this.compacting = undefined; });
    await this.compacting;
  }

  /** Saves what is queued and, when the journal is worth folding in, compacts; then writes nothing more. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.flush();
    if (this.writable && this.worthCompacting(QUIET_MIN_JOURNAL, QUIET_SNAPSHOT_FRACTION)) await this.compact();
    this.release();
  }

  /** Stops writing at once (the process no longer owns the store, or a crash is being simulated). */
  release(): void {
    this.closed = true;
    clearTimeout(this.commitTimer);
    clearTimeout(this.quietTimer);
    this.journal.close();
  }

  /** False (and the store stops writing for good) once another process has taken the store over. */
  checkFence(): boolean {
    if (this.fenced) return false;
    if (!this.opts.fence || this.opts.fence()) return true;
    this.fenced = true;
    const unsaved = this.source.sessions([...this.unsavedIds]);
    this.journal.discardQueue();
    this.opts.onFenced?.(unsaved);
    return false;
  }

  private scheduleCommit(): void {
    if (this.commitTimer || !this.writable) return;
    this.commitTimer = setTimeout(() => {
      this.commitTimer = undefined;
      void this.flush().catch(() => undefined);
    }, COMMIT_DELAY_MS);
    this.commitTimer.unref?.();
  }

  private async commit(): Promise<void> {
    if (!this.checkFence()) throw new StoreFencedError();
    const unsaved = this.unsavedIds;
    this.unsavedIds = new Set();
    try {
      this.io.journalBytes += await this.journal.commit();
      this.io.journalCommits++;
    } catch (err) {
      for (const id of unsaved) this.unsavedIds.add(id);
      throw err;
    }
  }

  /** Compact now if the journal outgrew the snapshot, else once the store has been quiet. */
  private afterCommit(): void {
    if (this.worthCompacting(FORCED_MIN_JOURNAL, FORCED_SNAPSHOT_FRACTION)) {
      void this.compact().catch(() => undefined);
      return;
    }
    clearTimeout(this.quietTimer);
    this.quietTimer = setTimeout(() => {
      if (this.worthCompacting(QUIET_MIN_JOURNAL, QUIET_SNAPSHOT_FRACTION)) void this.compact().catch(() => undefined);
    }, QUIET_MS);
    this.quietTimer.unref?.();
  }

  private worthCompacting(minBytes: number, fraction: number): boolean {
    const bytes = this.journal.bytes;
    return bytes >= minBytes && bytes >= this.snapshotSize * fraction;
  }

  private async compactNow(vacuum: boolean): Promise<void> {
    while (this.committing) await this.committing;
    if (this.closed) return;
    if (!this.checkFence()) throw new StoreFencedError();
    const seq = this.journal.seq + 1;
    const bytes = this.source.export(seq, vacuum);
    // What is queued is in the snapshot: written only if the snapshot cannot be.
    const queued = this.journal.takeQueued();
    const unsaved = this.unsavedIds;
    this.unsavedIds = new Set();
    this.afterCompaction = [];
    try {
      await writeFileAtomic(this.file, bytes);
    } catch (err) {
      this.journal.requeue(queued);
      for (const id of unsaved) this.unsavedIds.add(id);
      for (const p of this.afterCompaction) this.journal.enqueue(p);
      this.afterCompaction = undefined;
      this.scheduleCommit();
      throw err;
    }
    this.journal.close();
    this.journal = JournalWriter.create(path.join(path.dirname(this.file), JOURNAL_FILE), seq);
    for (const p of this.afterCompaction) this.journal.enqueue(p);
    this.afterCompaction = undefined;
    this.snapshotSize = bytes.length;
    this.io.snapshotBytes += bytes.length;
    this.io.compactions++;
    if (this.journal.hasQueued) this.scheduleCommit();
  }
}
