import type { SqlValue } from 'sql.js';
import type { SessionStore } from '../store/session-store';
import type { Shape } from './delta';

const SHAPE_COLUMNS = 'record_id, events, events_hash, files, files_hash, notes, notes_hash, frames, meta';

function shapeOfRow(row: SqlValue[]): Shape {
  return {
    events: Number(row[1]), eventsHash: String(row[2]),
    files: Number(row[3]), filesHash: String(row[4]),
    notes: Number(row[5]), notesHash: String(row[6]),
    frames: Number(row[7]), meta: JSON.parse(String(row[8])) as Shape['meta'],
  };
}

/** Reads and writes the local `sync_shape` table: what the remote holds of each record. */
export function getShape(store: SessionStore, id: string): Shape | undefined {
  const row = store.rows(`SELECT ${SHAPE_COLUMNS} FROM sync_shape WHERE record_id = ?`, [id])[0];
  return row ? shapeOfRow(row) : undefined;
}

/** The shapes of many records at once; records the remote holds nothing of are absent. */
export function getShapes(store: SessionStore, ids: string[]): Map<string, Shape> {
  const rows = store.rowsForIds((list) => `SELECT ${SHAPE_COLUMNS} FROM sync_shape WHERE record_id IN ${list}`, ids);
  return new Map(rows.map((row) => [String(row[0]), shapeOfRow(row)]));
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
