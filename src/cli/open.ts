import * as fs from 'node:fs';
import * as path from 'node:path';
import { SessionStore, STORE_FILE } from '../core/store/session-store';
import { acquireOwnerLock, OwnerLock } from '../core/store/owner-lock';
import { Remote } from '../core/remote/connect';
import { resolveRemoteTarget } from '../core/remote/target';
import { ensurePrivateDir } from '../core/store/private-files';

/** A failure the CLI reports as one line on stderr with exit code 1. */
export class CliError extends Error {}

export interface OpenStore {
  store: SessionStore;
  close(): Promise<void>;
}

/** Opens the store to write: takes the owner lock (waiting a little for another command to finish). */
export async function openForWrite(dir: string): Promise<OpenStore> {
  ensurePrivateDir(dir); // a new store folder is the user's alone
  const lock: OwnerLock = await acquireOwnerLock(dir, 10_000);
  try {
    const { store, recoveredFrom, journal } = await SessionStore.open(dir, { fence: () => lock.isHeld(), generation: lock.generation });
    if (recoveredFrom) {
      process.stderr.write(`warning: the store file could not be read and was kept as ${recoveredFrom}; ` +
        'started an empty store (run `session-sync pull` to recover synced sessions).\n');
    }
    for (const problem of journal.problems) process.stderr.write(`warning: ${problem}\n`);
    return { store, close: async () => { await store.close(); await lock.release(); } };
  } catch (err) {
    await lock.release();
    throw err;
  }
}

/** Opens an existing store to read; nothing is written and no lock is taken. */
export async function openForRead(dir: string): Promise<OpenStore> {
  if (!fs.existsSync(path.join(dir, STORE_FILE))) {
    throw new CliError(`No session store in ${path.resolve(dir)} (run \`session-sync seed --store ${dir} --count 100\` to make one).`);
  }
  const { store } = await SessionStore.open(dir, { readOnly: true });
  return { store, close: async () => { await store.close(); } };
}

export function openRemote(storeDir: string, url: string | undefined): Remote {
  return new Remote(resolveRemoteTarget(storeDir, url ?? process.env.SESSION_SYNC_REMOTE, process.env.SESSION_SYNC_TOKEN));
}

export async function withStore<T>(open: Promise<OpenStore>, fn: (store: SessionStore) => Promise<T>): Promise<T> {
  const opened = await open;
  try {
    return await fn(opened.store);
  } finally {
    await opened.close();
  }
}

export function print(json: boolean, value: unknown, text: () => string): void {
  process.stdout.write(json ? `${JSON.stringify(value)}\n` : `${text()}\n`);
}
