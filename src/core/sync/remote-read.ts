import type { Row } from '@libsql/client';
import { Session, parseSession } from '../model';
import { decodeFrames } from '../codec/frames';
import { decodeTimelineChunk } from '../codec/timeline-binary';
import type { Remote } from '../remote/connect';
import { withRetry } from './retry';
import { loadDictionaries, toBytes } from '../remote/dictionaries';
import { inspectRemote } from '../remote/schema';
import { readRow, SELECT_PAGE_SQL, SESSIONS_TABLE } from '../remote/sessions-table';

/**
 * Checks the remote before a read (pull, verify) without writing or creating anything, and loads its
 * dictionaries in the same request as its schema version. Undefined when nothing has been synced there yet:
 * no file, an empty database, or no `table`. Throws RemoteSchemaError for a foreign or newer database.
 */
export async function openRemoteForRead(remote: Remote, table = SESSIONS_TABLE)
  : Promise<Map<number, Uint8Array> | undefined> {
  if (remote.hasNoFile()) return undefined;
  const { state, extra } = await withRetry(() => inspectRemote(remote, (tables) => tables.has('session_sync_dictionaries')
    ? ['SELECT id, data FROM session_sync_dictionaries ORDER BY id'] : []), remote.displayUrl);
  if (state.kind === 'empty' || !state.tables.has(table)) return undefined;
  return new Map((extra[0]?.rows ?? []).map((r) => [Number(r[0]), toBytes(r[1])]));
}

export interface RemoteSession {
  session: Session;
  contentHash: string;
  frames: number;
}


/**
 * Every session the remote holds, decoded, a page at a time (Turso fails responses over 10 MB). With
 * `onUndecodable`, a row that does not decode is reported there and skipped, so one bad row does not stop the rest.
 */
export async function* readRemoteSessions(remote: Remote, dictionaries?: ReadonlyMap<number, Uint8Array>,
  pageSize = 200, onUndecodable?: (id: string, message: string) => void): AsyncGenerator<RemoteSession> {
  const dicts = dictionaries ?? await withRetry(() => loadDictionaries(remote), remote.displayUrl);
  let after = '';
  for (;;) {
    const rs = await withRetry(() => remote.execute({ sql: SELECT_PAGE_SQL, args: [after, pageSize] }), remote.displayUrl);
    for (const row of rs.rows) {
      const decoded = decodeOrReport(() => decodeRemoteRow(row, dicts), String(row[0]), onUndecodable);
      if (decoded) yield decoded;
    }
    if (rs.rows.length < pageSize) return;
    after = String(rs.rows[rs.rows.length - 1][0]);
  }
}

/** Naive-table sessions, for verifying the baseline strategy; bad rows as in readRemoteSessions. */
export async function* readNaiveSessions(remote: Remote, pageSize = 200,
  onUndecodable?: (id: string, message: string) => void): AsyncGenerator<Session> {
  let after = '';
  for (;;) {
    const rs = await withRetry(() => remote.execute({
      sql: 'SELECT id, body FROM sessions_naive WHERE id > ? ORDER BY id LIMIT ?', args: [after, pageSize],
    }), remote.displayUrl);
    for (const row of rs.rows) {
      const id = String(row[0]);
      const decoded = decodeOrReport(() => {
        try {
          return parseSession(JSON.parse(String(row[1])));
        } catch (err) {
          throw new RemoteRecordError(`Remote session ${id} cannot be decoded: ${(err as Error).message}`);
        }
      }, id, onUndecodable);
      if (decoded) yield decoded;
    }
    if (rs.rows.length < pageSize) return;
    after = String(rs.rows[rs.rows.length - 1][0]);
  }
}

export class RemoteRecordError extends Error {}

function decodeOrReport<T>(decode: () => T, id: string, onUndecodable?: (id: string, message: string) => void): T | undefined {
  if (!onUndecodable) return decode();
  try {
    return decode();
  } catch (err) {
    if (!(err instanceof RemoteRecordError)) throw err;
    onUndecodable(id, err.message);
    return undefined;
  }
}

export function decodeRemoteRow(row: Row, dicts: ReadonlyMap<number, Uint8Array> = new Map()): RemoteSession {
  const id = String(row[0]);
  const what = (col: string) => `Remote session ${id}, column ${col}`;
  try {
    const r = readRow(row);
    const timeline = decodeFrames(r.frames.events, what('events'), dicts);
    const events = timeline.flatMap((chunk) => decodeTimelineChunk(chunk, what('events')));
    const files = decodeFrames(r.frames.files, what('files'), dicts).flat() as string[];
    const notes = decodeFrames(r.frames.notes, what('notes'), dicts).flat() as Session['notes'];
    if (events.length !== r.counts.events || files.length !== r.counts.files || notes.length !== r.counts.notes) {
      throw new RemoteRecordError(`Remote session ${id}: counts do not match its data (a partial write?)`);
    }
    const session = parseSession({ ...r.fields, id, files, events, notes, updatedAt: r.updatedAt });
    return { session, contentHash: r.contentHash, frames: timeline.length };
  } catch (err) {
    if (err instanceof RemoteRecordError) throw err;
    throw new RemoteRecordError((err as Error).message.startsWith('Remote session') ? (err as Error).message :
      `Remote session ${id} cannot be decoded: ${(err as Error).message}`);
  }
}
