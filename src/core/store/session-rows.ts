import { deflateSync, inflateSync } from 'node:zlib';
import type { SqlValue } from 'sql.js';
import { sessionToJson, type Session } from '../model';
import { hashText } from '../hash';
import type { SessionRowHead } from './journal-ops';
import type { StatementCache } from './sql';

export class StoreCorruptError extends Error {}

/** A session as the `sessions` table keeps it: the queryable head and the deflated canonical JSON. */
export interface SessionRow {
  head: SessionRowHead;
  body: Uint8Array;
}

/*
 * Node's zlib, not pako: this is local persistence on the hot path of every sync, and Node's native zlib is
 * about 2.4x faster for the same bytes.
 */
export function toRow(session: Session): SessionRow {
  const json = sessionToJson(session);
  return {
    head: [session.id, session.workspace, session.branch, session.startedAt, session.endedAt, session.updatedAt,
      hashText(json)],
    body: deflateSync(json),
  };
}

const UPSERT = `INSERT INTO sessions (id, workspace, branch, started_at, ended_at, updated_at, content_hash, body)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?)
  ON CONFLICT(id) DO UPDATE SET workspace = excluded.workspace, branch = excluded.branch,
    started_at = excluded.started_at, ended_at = excluded.ended_at, updated_at = excluded.updated_at,
    content_hash = excluded.content_hash, body = excluded.body`;

export function writeRow(statements: StatementCache, row: SessionRow): void {
  statements.run(UPSERT, [...row.head, row.body]);
}

/** updatedAt and content hash of the stored row, or undefined. */
export function rowVersion(statements: StatementCache, id: string): { updatedAt: number; hash: string } | undefined {
  const r = statements.rows('SELECT updated_at, content_hash FROM sessions WHERE id = ?', [id])[0];
  return r && { updatedAt: Number(r[0]), hash: String(r[1]) };
}

export function readSession(statements: StatementCache, id: string): Session | undefined {
  const body = statements.rows('SELECT body FROM sessions WHERE id = ?', [id])[0]?.[0];
  return body === undefined ? undefined : parseBody(id, inflateBody(id, body));
}

/*
 * Bodies are the canonical JSON this store wrote itself (inputs are validated where they enter: import,
 * inbox, pull), so reading trusts their shape.
 */
export function inflateBody(id: string, body: SqlValue): string {
  try {
    return inflateSync(body as Uint8Array).toString('utf8');
  } catch (err) {
    throw new StoreCorruptError(`Session ${id} in the local store cannot be read: ${(err as Error).message}`);
  }
}

export function parseBody(id: string, json: string): Session {
  try {
    return JSON.parse(json) as Session;
  } catch (err) {
    throw new StoreCorruptError(`Session ${id} in the local store cannot be read: ${(err as Error).message}`);
  }
}
