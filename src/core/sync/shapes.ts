import type { SessionStore } from '../store/session-store';
import type { Shape } from './delta';

/** Reads and writes the local `sync_shape` table: what the remote holds of each record. */
export function getShape(store: SessionStore, id: string): Shape | undefined {
  const row = store.rows('SELECT events, events_hash, files, files_hash, notes, notes_hash, frames, meta ' +
    'FROM sync_shape WHERE record_id = ?', [id])[0];
  if (!row) return undefined;
  return {
    events: Number(row[0]), eventsHash: String(row[1]),
    files: Number(row[2]), filesHash: String(row[3]),
    notes: Number(row[4]), notesHash: String(row[5]),
    frames: Number(row[6]), meta: JSON.parse(String(row[7])) as Shape['meta'],
  };
}

export function putShape(store: SessionStore, id: string, s: Shape): void {
  store.run(
    `INSERT INTO sync_shape (record_id, events, events_hash, files, files_hash, notes, notes_hash, frames, meta)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT(record_id) DO UPDATE SET events = excluded.events, events_hash = excluded.events_hash,
       files = excluded.files, files_hash = excluded.files_hash, notes = excluded.notes,
       notes_hash = excluded.notes_hash, frames = excluded.frames, meta = excluded.meta`,
    [id, s.events, s.eventsHash, s.files, s.filesHash, s.notes, s.notesHash, s.frames, JSON.stringify(s.meta)]);
}

export function dropShape(store: SessionStore, id: string): void {
  store.run('DELETE FROM sync_shape WHERE record_id = ?', [id]);
}
