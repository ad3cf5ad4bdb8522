import * as fs from 'node:fs';
import type { Session } from '../model';
import { setAside } from './atomic-file';
import { JournalFormatError, scanJournal } from './journal';
import { decodeRecord, type SessionRowHead } from './journal-ops';
import { applyPatch } from './session-patch';
import { StoreCorruptError } from './session-rows';

/** What opening found in the journal, for the log and for tests. */
export interface ReplayReport {
  replayed: number;
  /** Records that could not be applied (or came from an owner that had already lost the store). */
  skipped: number;
  /** Bytes of a torn or corrupt tail, cut at the last good record (only reported when opened read-only). */
  cutBytes: number;
  /** Where an unreadable journal was kept aside. */
  keptAs?: string;
  /** Human-readable lines: what was cut, skipped or kept aside and what it means. */
  problems: string[];
}

export interface FoundJournal {
  file: string;
  seq: number;
  records: Buffer[];
  goodBytes: number;
  tailBytes: number;
  /** The file continues this snapshot and can be appended to. */
  writable: boolean;
  keptAs?: string;
}

/** How replay writes into the store, without journaling the changes a second time. */
export interface ReplayTarget {
  sql(sql: string, params: unknown[]): void;
  row(head: SessionRowHead, body: unknown): void;
  base(id: string): Session | undefined;
  put(session: Session): void;
  transaction<T>(fn: () => T): T;
  finish(): void;
}

/**
 * Reads the journal beside a snapshot whose first unfolded journal is `snapshotSeq`. A journal with a lower
 * sequence number was folded in by a compaction that crashed before replacing it: it is removed. One that is
 * not a journal at all is kept aside (read-only: refused).
 */
export function readJournal(file: string, snapshotSeq: number, readOnly: boolean): FoundJournal {
  const none: FoundJournal = { file, seq: snapshotSeq, records: [], goodBytes: 0, tailBytes: 0, writable: false };
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return none;
    throw err;
  }
  try {
    const scan = scanJournal(bytes);
    if (scan.seq < snapshotSeq) {
      if (!readOnly) fs.rmSync(file, { force: true });
      return none;
    }
    return { file, ...scan, writable: true };
  } catch (err) {
    if (!(err instanceof JournalFormatError)) throw err;
    if (readOnly) {
      throw new StoreCorruptError(`The store's journal ${file} cannot be read (${err.message}). ` +
        'Run a command that writes (for example sync) to keep it aside.');
    }
    return { ...none, keptAs: setAside(file, 'corrupt') };
  }
}

/** Applies the journal's records in order, each atomically; a record that fails is skipped and reported. */
export function replayRecords(target: ReplayTarget, found: FoundJournal): ReplayReport {
  const report: ReplayReport = { replayed: 0, skipped: 0, cutBytes: found.tailBytes, keptAs: found.keptAs, problems: [] };
  if (found.keptAs) {
    report.problems.push(`The store's journal could not be read and was kept as ${found.keptAs}; ` +
      'changes made since the last compaction may be missing (synced sessions are still in your database).');
  }
  let newestGeneration = -Infinity;
  for (const payload of found.records) {
    try {
      const record = decodeRecord(payload);
      // A write that a stalled former owner made after a newer owner took over: never applied.
      if (record.g < newestGeneration) {
        report.skipped++;
        continue;
      }
      newestGeneration = record.g;
      target.transaction(() => {
        for (const op of record.ops) {
          if (op.o === 'q') target.sql(op.s, op.p);
          else if (op.o === 's') target.row(op.row, op.z);
          else target.put(applyPatchTo(target, op));
        }
      });
      report.replayed++;
    } catch (err) {
      report.skipped++;
      if (report.problems.length < 5) report.problems.push(`A journal record was skipped: ${(err as Error).message}`);
    }
  }
  target.finish();
  if (found.tailBytes) {
    report.problems.push(`The store's journal ended in ${found.tailBytes} bytes of an unfinished write (the process ` +
      'stopped mid-write); they were dropped: at most the last two seconds of activity before it stopped are missing.');
  }
  return report;
}

function applyPatchTo(target: ReplayTarget, op: Parameters<typeof applyPatch>[1]): Session {
  const base = target.base(op.id);
  if (!base) throw new StoreCorruptError(`journal patch for ${op.id}, which the store does not hold`);
  return applyPatch(base, op);
}
