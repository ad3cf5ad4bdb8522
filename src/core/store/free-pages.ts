import type { Database } from 'sql.js';

/**
 * sql.js keeps the database file in an in-memory file whose buffer is exactly the file's size when it is loaded.
 * The first write that makes SQLite extend the file makes that buffer grow, by copying all of it: 475 ms for a
 * 470 MB store of 100,000 sessions, in the middle of someone's typing (the first auto-sync after every start).
 * SQLite takes new pages from its free list before it extends the file, so the snapshot is saved with free pages
 * in reserve: the writes of a working session after the next start reuse them and the file does not grow.
 */
const RESERVE_FRACTION = 0.02;
const MIN_RESERVE_PAGES = 64;
const MAX_RESERVE_PAGES = 16_384;

/** Free pages a saved file of `pages` pages should hold: 2% of it, at least 64 and at most 16,384. */
export function freePageReserve(pages: number): number {
  return Math.min(MAX_RESERVE_PAGES, Math.max(MIN_RESERVE_PAGES, Math.ceil(pages * RESERVE_FRACTION)));
}

/**
 * Tops the free list up to the reserve: a blob of the missing pages written and dropped at once (its pages go to
 * the free list). Changes no row, so it is not journaled. Costs a file extension, so it belongs where the whole
 * file is copied anyway: just before an export.
 */
export function keepFreePages(db: Database): void {
  const pragma = (name: string) => Number(db.exec(`PRAGMA ${name}`)[0]?.values[0]?.[0] ?? 0);
  const missing = freePageReserve(pragma('page_count')) - pragma('freelist_count');
  if (missing <= 0) return;
  db.exec('CREATE TABLE free_page_reserve (b BLOB)');
  try {
    db.run('INSERT INTO free_page_reserve VALUES (zeroblob(?))', [missing * pragma('page_size')]);
  } finally {
    db.exec('DROP TABLE free_page_reserve');
  }
}
