import type { SqlValue } from 'sql.js';
import type { SessionPatch } from './session-patch';

/**
 * What one journal record holds: the writer's owner generation and the operations of one atomic change
 * (a single write, or every write of one transaction). Encoded as UTF-8 JSON; binary values as base64.
 *
 *   { "g": 7, "ops": [
 *       { "o": "q", "s": "<sql>", "p": [<params>] },           -- a SQL write (sync marks, runs, meta, moves)
 *       { "o": "s", "row": [id, workspace, branch, started, ended, updated, hash], "z": {"$b": "<deflated JSON>"} },
 *       { "o": "p", "id": "...", "base": <updatedAt>, "set": {...}, "lists": {...} }   -- a session patch
 *   ] }
 */
export type SessionRowHead = [id: string, workspace: string, branch: string | null, startedAt: number,
  endedAt: number, updatedAt: number, contentHash: string];

export type JournalOp =
  | { o: 'q'; s: string; p: unknown[] }
  | { o: 's'; row: SessionRowHead; z: unknown }
  | ({ o: 'p' } & SessionPatch);

export interface JournalRecord {
  g: number;
  ops: JournalOp[];
}

/** SQL parameters as JSON: a BLOB becomes { "$b": base64 }. */
export function encodeValue(v: SqlValue | Uint8Array): unknown {
  return v instanceof Uint8Array ? { $b: Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64') } : v;
}

export function decodeValue(v: unknown): SqlValue {
  if (v !== null && typeof v === 'object' && typeof (v as { $b?: unknown }).$b === 'string') {
    return new Uint8Array(Buffer.from((v as { $b: string }).$b, 'base64'));
  }
  return v as SqlValue;
}

export function encodeRecord(record: JournalRecord): Buffer {
  return Buffer.from(JSON.stringify(record), 'utf8');
}

export function decodeRecord(payload: Buffer): JournalRecord {
  const value = JSON.parse(payload.toString('utf8')) as JournalRecord;
  if (typeof value?.g !== 'number' || !Array.isArray(value.ops)) throw new Error('journal record without "g" and "ops"');
  return value;
}
