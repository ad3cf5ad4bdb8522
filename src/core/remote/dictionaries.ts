import type { Dictionary } from '../codec/frames';
import type { Remote } from './connect';

/**
 * The remote is the authority for dictionaries: every machine that syncs to it compresses with the
 * dictionary it holds, so any of them (and `pull`) can read every frame. The first sync to an empty
 * remote trains one from local data and stores it as id 1; a later format could add id 2 and keep 1
 * for old frames.
 */
export async function loadDictionaries(remote: Remote): Promise<Map<number, Uint8Array>> {
  const rs = await remote.execute('SELECT id, data FROM session_sync_dictionaries ORDER BY id');
  return new Map(rs.rows.map((r) => [Number(r[0]), toBytes(r[1])]));
}

/**
 * The dictionary to compress with, in one round trip: `train()` is offered as id 1 (kept only if the remote
 * has none yet; another machine may have stored its own first) and the remote's newest comes back.
 */
export async function ensureDictionary(remote: Remote, train: () => Uint8Array): Promise<Dictionary> {
  const [, newest] = await remote.batch([
    { sql: 'INSERT INTO session_sync_dictionaries (id, created_at, data) VALUES (1, ?, ?) ON CONFLICT(id) DO NOTHING',
      args: [Date.now(), train()] },
    'SELECT id, data FROM session_sync_dictionaries ORDER BY id DESC LIMIT 1',
  ], 'write');
  const row = newest.rows[0];
  return { id: Number(row[0]), bytes: toBytes(row[1]) };
}

export function toBytes(v: unknown): Uint8Array {
  if (v instanceof Uint8Array) return v;
  if (v instanceof ArrayBuffer) return new Uint8Array(v);
  throw new Error('A dictionary in the remote is not a BLOB.');
}
