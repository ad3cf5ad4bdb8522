import * as fs from 'node:fs';
import type { Database } from 'sql.js';
import { loadSqlJs } from './sqljs';
import { setAside } from './atomic-file';
import { StoreCorruptError } from './session-rows';

/**
 * The store's snapshot file loaded into sql.js: a new database when there is none, and a file that is not a whole
 * SQLite database set aside (kept, never overwritten) for a fresh start, or refused when opened read-only.
 */
export async function loadSnapshot(file: string, readOnly: boolean): Promise<{ db: Database; recoveredFrom?: string; size: number }> {
  const SQL = await loadSqlJs();
  if (!fs.existsSync(file)) return { db: new SQL.Database(), size: 0 };
  let db: Database | undefined;
  try {
    const bytes = fs.readFileSync(file);
    db = new SQL.Database(bytes);
    checkReadable(db, bytes);
    return { db, size: bytes.length };
  } catch (err) {
    db?.close();
    if (readOnly) {
      throw new StoreCorruptError(`The session store ${file} cannot be read (${(err as Error).message}). ` +
        'Run a command that writes (for example sync) to keep it aside and start afresh.');
    }
    return { db: new SQL.Database(), recoveredFrom: setAside(file, 'corrupt'), size: 0 };
  }
}

const SQLITE_MAGIC = Buffer.from('SQLite format 3\0', 'latin1');

/**
 * A cheap check that the file is a whole SQLite database: the header's magic, and a page count that the file's
 * length holds (a truncated file fails it), then the schema must be readable. Not PRAGMA quick_check, which reads
 * every page: seconds at 100,000 sessions, while the editor starts.
 */
function checkReadable(db: Database, bytes: Buffer): void {
  if (bytes.length < 100 || !bytes.subarray(0, 16).equals(SQLITE_MAGIC)) throw new StoreCorruptError('not an SQLite database');
  const raw = bytes.readUInt16BE(16);
  const pageSize = raw === 1 ? 65536 : raw;
  const pages = bytes.readUInt32BE(28);
  if (pageSize < 512 || pages * pageSize > bytes.length) {
    throw new StoreCorruptError(`the file is cut short (${bytes.length} bytes, the header says ${pages * pageSize})`);
  }
  db.exec('SELECT count(*) FROM sqlite_master');
}
