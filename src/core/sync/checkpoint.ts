import * as fs from 'node:fs';
import * as path from 'node:path';
import { setAside, writeFileAtomic } from '../store/atomic-file';

/**
 * The resume point of a sync, as the spec sketches it: the planned batches with their records and
 * whether each one committed. Written atomically before the first upload and after each batch, so a
 * run that is killed, cancelled or fails continues at the first incomplete batch.
 */
export interface CheckpointBatch {
  batchId: string;
  recordIds: string[];
  completed: boolean;
  error: string | null;
}

export interface Checkpoint {
  format: 'session-sync-checkpoint';
  version: 1;
  runId: string;
  remote: string;
  strategy: string;
  createdAt: number;
  batches: CheckpointBatch[];
}

export const CHECKPOINT_FILE = 'sync-checkpoint.json';

export function checkpointPath(storeDir: string): string {
  return path.join(storeDir, CHECKPOINT_FILE);
}

export interface LoadedCheckpoint {
  checkpoint?: Checkpoint;
  /** Why a checkpoint file was not used, and where it was kept. */
  discarded?: string;
}

function isCheckpoint(v: unknown): v is Checkpoint {
  const c = v as Checkpoint;
  return typeof c === 'object' && c !== null && c.format === 'session-sync-checkpoint' && c.version === 1 &&
    typeof c.runId === 'string' && typeof c.remote === 'string' && typeof c.strategy === 'string' &&
    Array.isArray(c.batches) && c.batches.every((b) => typeof b?.batchId === 'string' &&
      Array.isArray(b.recordIds) && b.recordIds.every((id) => typeof id === 'string') && typeof b.completed === 'boolean');
}

/** Reads the checkpoint for this remote and strategy; a corrupt or foreign file is set aside, not trusted. */
export function loadCheckpoint(storeDir: string, remote: string, strategy: string): LoadedCheckpoint {
  const file = checkpointPath(storeDir);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return {};
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (!isCheckpoint(parsed)) {
    const aside = setAside(file, 'corrupt');
    return { discarded: `The sync checkpoint could not be read and was moved to ${aside}; planning afresh from sync_status.` };
  }
  if (parsed.remote !== remote || parsed.strategy !== strategy) {
    const aside = setAside(file, 'foreign');
    return { discarded: `The sync checkpoint belongs to another remote or strategy (${parsed.remote}, ${parsed.strategy}) ` +
      `and was moved to ${aside}; planning afresh.` };
  }
  return { checkpoint: parsed };
}

/**
 * Saves checkpoint updates one at a time, each write taking the state as it is when the write starts.
 * Saves asked for while a write is waiting share it: the file lists every record of the run, so writing
 * it once per batch would grow with the square of the run (100,000 sessions: 1,000 writes of 4 MB).
 */
export class CheckpointWriter {
  private chain: Promise<void> = Promise.resolve();
  private waiting: Promise<void> | undefined;
  /** Each batch's JSON as last written: only a batch's completed and error fields change during a run. */
  private readonly batchJson = new WeakMap<CheckpointBatch, { completed: boolean; error: string | null; json: string }>();

  constructor(private readonly storeDir: string, readonly checkpoint: Checkpoint) {}

  /** Resolves once a write that started after this call has landed. */
  save(): Promise<void> {
    if (this.waiting) return this.waiting;
    const write = this.chain.then(() => {
      this.waiting = undefined;
      return writeFileAtomic(checkpointPath(this.storeDir), this.serialize());
    });
    this.waiting = write;
    this.chain = write.catch(() => undefined); // a failed write is the caller's error; the next one still runs
    return write;
  }

  /** JSON.stringify(checkpoint), re-serializing only the batches that changed since the last write. */
  private serialize(): string {
    const { batches, ...head } = this.checkpoint;
    const parts = batches.map((b) => {
      const cached = this.batchJson.get(b);
      if (cached && cached.completed === b.completed && cached.error === b.error) return cached.json;
      const json = JSON.stringify(b);
      this.batchJson.set(b, { completed: b.completed, error: b.error, json });
      return json;
    });
    return `${JSON.stringify(head).slice(0, -1)},"batches":[${parts.join(',')}]}`;
  }

  async remove(): Promise<void> {
    await this.chain;
    await fs.promises.rm(checkpointPath(this.storeDir), { force: true });
  }
}

export function checkpointProgress(storeDir: string): { batches: number; completed: number; records: number } | null {
  try {
    const c = JSON.parse(fs.readFileSync(checkpointPath(storeDir), 'utf8')) as unknown;
    if (!isCheckpoint(c)) return null;
    return {
      batches: c.batches.length,
      completed: c.batches.filter((b) => b.completed).length,
      records: c.batches.reduce((n, b) => n + b.recordIds.length, 0),
    };
  } catch {
    return null;
  }
}
