import type { Remote } from '../remote/connect';
import { withRetry } from '../sync/retry';
import { SESSIONS_TABLE } from '../remote/sessions-table';
import type { ArchiveStore } from './archive-store';

export interface DeleteReport {
  /** Archived sessions whose remote copy was asked to go. */
  requested: number;
  /** Rows the remote actually deleted. */
  deleted: number;
}

const BATCH = 200;

/**
 * Opt-in: deletes archived sessions from the remote `sessions` table, to cut storage cost. Only ids that
 * are in the archive (and not mid-move) are touched, so a live session is never deleted from the cloud.
 * Their archived sync state is cleared and saved BEFORE the remote delete: a crash in between leaves the
 * remote copy in place and a restore merely re-uploads it, whereas the other order could restore a session
 * as "synced" that the remote no longer holds.
 */
export async function deleteArchivedFromRemote(archive: ArchiveStore, remote: Remote, ids: string[],
  opts: { signal?: AbortSignal } = {}): Promise<DeleteReport> {
  const archived = ids.filter((id) => archive.scalar(
    'SELECT 1 FROM archived_sessions WHERE id = ? AND id NOT IN (SELECT record_id FROM in_flight)', [id]) !== undefined);
  if (!archived.length) return { requested: 0, deleted: 0 };
  archive.transaction(() => {
    for (const id of archived) {
      archive.sql.run('UPDATE archived_sessions SET last_sync_hash = NULL, synced_at = NULL, shape = NULL WHERE id = ?', [id]);
    }
  });
  await archive.save();
  let deleted = 0;
  for (let i = 0; i < archived.length; i += BATCH) {
    const chunk = archived.slice(i, i + BATCH);
    const [rs] = await withRetry(() => remote.batch([{
      sql: `DELETE FROM ${SESSIONS_TABLE} WHERE id IN (${chunk.map(() => '?').join(', ')})`, args: chunk,
    }]), remote.displayUrl, undefined, opts.signal);
    deleted += rs.rowsAffected;
  }
  return { requested: archived.length, deleted };
}

/** Archived sessions that, as far as this store knows, `remoteUrl` (a display URL) still holds. */
export function remoteHeldIds(archive: ArchiveStore, remoteUrl: string): string[] {
  return archive.rows('SELECT id FROM archived_sessions WHERE last_sync_hash IS NOT NULL AND sync_remote = ? ORDER BY id',
    [remoteUrl]).map((r) => String(r[0]));
}
