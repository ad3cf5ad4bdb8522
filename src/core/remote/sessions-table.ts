import type { InValue, Row } from '@libsql/client';
import type { Session } from '../model';

/*
 * The remote `sessions` table, the one module that knows its columns (docs/remote-schema.md describes them for
 * outside readers). The DDL (SESSIONS_STEPS, which remote/schema.ts runs as part of its numbered steps), the
 * writer (sync/delta.ts: full rows, the upsert, guarded appends) and the reader (sync/remote-read.ts) all follow
 * the lists below. A new column is an entry in PLAIN_COLUMNS (or a new kind of its own here), a step appended to
 * SESSIONS_STEPS that adds it, and a line in the docs; test/unit/remote-schema.test.ts checks that a remote built
 * by the steps has exactly SESSIONS_COLUMNS.
 */

/** The optimized strategy's table, and the `table_name` its records carry in the local sync_status. */
export const SESSIONS_TABLE = 'sessions';

/** A plain (queryable) column: how its value comes from a session and goes back into one. */
interface PlainColumn {
  column: string;
  field: keyof Session;
  toSql?: (v: unknown) => InValue;
  fromSql?: (v: unknown) => unknown;
}

export const PLAIN_COLUMNS: readonly PlainColumn[] = [
  { column: 'workspace', field: 'workspace' },
  { column: 'branch', field: 'branch' },
  { column: 'started_at', field: 'startedAt' },
  { column: 'ended_at', field: 'endedAt' },
  { column: 'active_ms', field: 'activeMs' },
  { column: 'edits', field: 'edits' },
  { column: 'chars_added', field: 'charsAdded' },
  { column: 'chars_removed', field: 'charsRemoved' },
  { column: 'languages', field: 'languages', toSql: (v) => JSON.stringify(v), fromSql: (v) => JSON.parse(String(v)) },
];

/** The growing fields: framed, compressed BLOBs that grow by appending frames, each with its item count. */
export type Growing = 'events' | 'files' | 'notes';
export const GROWING_COLUMNS: readonly { column: Growing; count: string }[] = [
  { column: 'events', count: 'event_count' },
  { column: 'files', count: 'file_count' },
  { column: 'notes', count: 'note_count' },
];

/** Every column, in the table's order: the order of a full row's values and of a read row. */
export const SESSIONS_COLUMNS: readonly string[] = ['id', ...PLAIN_COLUMNS.map((c) => c.column),
  ...GROWING_COLUMNS.map((g) => g.count), ...GROWING_COLUMNS.map((g) => g.column), 'content_hash', 'updated_at'];

/**
 * The table's part of the remote's numbered steps, by remote schema version (remote/schema.ts). Version 1 created
 * it as below; a step that changes it is appended to its version's entry and never edited afterwards.
 */
export const SESSIONS_STEPS: Readonly<Record<number, readonly string[]>> = {
  1: [`CREATE TABLE IF NOT EXISTS sessions (
       id TEXT PRIMARY KEY,
       workspace TEXT NOT NULL,
       branch TEXT,
       started_at INTEGER NOT NULL,
       ended_at INTEGER NOT NULL,
       active_ms INTEGER NOT NULL,
       edits INTEGER NOT NULL,
       chars_added INTEGER NOT NULL,
       chars_removed INTEGER NOT NULL,
       languages TEXT NOT NULL,
       event_count INTEGER NOT NULL,
       file_count INTEGER NOT NULL,
       note_count INTEGER NOT NULL,
       events BLOB,
       files BLOB,
       notes BLOB,
       content_hash TEXT NOT NULL,
       updated_at INTEGER NOT NULL
     )`],
};

/** The plain columns' values for `s`, by column name (what a shape remembers as sent). */
export function plainValues(s: Session): Record<string, InValue> {
  const values: Record<string, InValue> = {};
  for (const c of PLAIN_COLUMNS) values[c.column] = c.toSql ? c.toSql(s[c.field]) : (s[c.field] as InValue);
  return values;
}

/** What a full row holds besides the plain columns. */
export interface FullRowParts {
  counts: Record<Growing, number>;
  frames: Record<Growing, Uint8Array | null>;
  contentHash: string;
  updatedAt: number;
}

/** A full row's values in SESSIONS_COLUMNS order. */
export function fullRow(s: Session, parts: FullRowParts): InValue[] {
  const plain = plainValues(s);
  return [s.id, ...PLAIN_COLUMNS.map((c) => plain[c.column]), ...GROWING_COLUMNS.map((g) => parts.counts[g.column]),
    ...GROWING_COLUMNS.map((g) => parts.frames[g.column]), parts.contentHash, parts.updatedAt];
}

/** One multi-row upsert of `rows` full rows; an older copy never replaces a newer one. Returns the ids written. */
export function upsertSql(rows: number): string {
  const placeholders = `(${SESSIONS_COLUMNS.map(() => '?').join(', ')})`;
  const updates = SESSIONS_COLUMNS.filter((c) => c !== 'id').map((c) => `${c} = excluded.${c}`).join(', ');
  return `INSERT INTO sessions (${SESSIONS_COLUMNS.join(', ')}) VALUES ${Array(rows).fill(placeholders).join(', ')} ` +
    `ON CONFLICT(id) DO UPDATE SET ${updates} WHERE excluded.updated_at >= sessions.updated_at RETURNING id`;
}

/** The SET part that appends a frame to a growing column: `col = col || frame`, as a BLOB. */
export const appendFrameSet = (g: Growing): string => `${g}=CAST(ifnull(${g},x'')||? AS BLOB)`;

/** The count column of a growing one. */
export const countColumn = (g: Growing): string => GROWING_COLUMNS.find((x) => x.column === g)!.count;

/**
 * An append's UPDATE: `sets` (each `col=?` or appendFrameSet), then content_hash and updated_at, applied only to
 * the exact state it extends. Its arguments: the sets', the hash, the time, then appendGuardArgs. Written without
 * spaces: it travels with every append, and an auto-sync of one session is little else.
 */
export function appendSql(sets: string[]): string {
  const counts = GROWING_COLUMNS.map((g) => `${g.count}=?`).join(' AND ');
  return `UPDATE sessions SET ${[...sets, 'content_hash=?', 'updated_at=?'].join(',')} WHERE id=? AND ${counts} ` +
    'AND updated_at<=?';
}

export function appendGuardArgs(id: string, held: Record<Growing, number>, updatedAt: number): InValue[] {
  return [id, ...GROWING_COLUMNS.map((g) => held[g.column]), updatedAt];
}

/** A page of rows in id order after `after` (its arguments: after, limit). */
export const SELECT_PAGE_SQL = `SELECT ${SESSIONS_COLUMNS.join(', ')} FROM sessions WHERE id > ? ORDER BY id LIMIT ?`;

/** The content hashes of `n` ids (its arguments: the ids). */
export const hashesOfIdsSql = (n: number): string =>
  `SELECT id, content_hash FROM sessions WHERE id IN (${Array(n).fill('?').join(', ')})`;

/** A read row, by meaning rather than position. */
export interface SessionsRow {
  id: string;
  /** The plain columns' values as session fields (languages parsed). */
  fields: Partial<Record<keyof Session, unknown>>;
  counts: Record<Growing, number>;
  frames: Record<Growing, ArrayBuffer | null>;
  contentHash: string;
  updatedAt: unknown;
}

const AT = new Map(SESSIONS_COLUMNS.map((c, i) => [c, i]));

/** Reads a row selected with SELECT_PAGE_SQL. Throws (a plain Error) for a value that does not parse. */
export function readRow(row: Row): SessionsRow {
  const v = (column: string) => row[AT.get(column)!];
  const fields: Partial<Record<keyof Session, unknown>> = {};
  for (const c of PLAIN_COLUMNS) fields[c.field] = c.fromSql ? c.fromSql(v(c.column)) : v(c.column);
  const counts = {} as Record<Growing, number>;
  const frames = {} as Record<Growing, ArrayBuffer | null>;
  for (const g of GROWING_COLUMNS) {
    counts[g.column] = Number(v(g.count));
    frames[g.column] = v(g.column) as ArrayBuffer | null;
  }
  return { id: String(v('id')), fields, counts, frames, contentHash: String(v('content_hash')), updatedAt: v('updated_at') };
}
