import * as fs from 'node:fs';
import * as path from 'node:path';
import * as lockfile from 'proper-lockfile';

/**
 * One process at a time owns a store folder: the VS Code window that got here first, or a CLI command.
 * The lock is a folder beside the store that its owner touches every few seconds; a lock left by a
 * killed process goes stale and is taken over. Other windows hand their sessions in through the
 * inbox (inbox.ts) instead of writing the store.
 */
export interface OwnerLock {
  release(): Promise<void>;
  /** Set when the lock was lost (the process stalled past the stale time and another took over). */
  readonly compromised: boolean;
}

export class StoreBusyError extends Error {}

const STALE_MS = 15_000;
const UPDATE_MS = 3_000;

export function lockTarget(dir: string): string {
  fs.mkdirSync(dir, { recursive: true });
  return path.join(dir, 'owner');
}

/** Takes the lock, waiting up to `waitMs`; throws StoreBusyError when another live process holds it. */
export async function acquireOwnerLock(dir: string, waitMs = 0, onLost?: (err: Error) => void): Promise<OwnerLock> {
  const target = lockTarget(dir);
  const state = { compromised: false };
  const retries = waitMs > 0 ? { retries: Math.ceil(waitMs / 250), minTimeout: 250, maxTimeout: 250, factor: 1 } : 0;
  let release: () => Promise<void>;
  try {
    release = await lockfile.lock(target, {
      realpath: false,
      stale: STALE_MS,
      update: UPDATE_MS,
      retries,
      onCompromised: (err) => {
        state.compromised = true;
        onLost?.(err);
      },
    });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ELOCKED') {
      throw new StoreBusyError(
        `The session store in ${dir} is in use by another process (a VS Code window or another session-sync command). ` +
        'Wait for it to finish, or close it, and try again.');
    }
    throw err;
  }
  return {
    get compromised() { return state.compromised; },
    release: async () => {
      if (!state.compromised) await release().catch(() => undefined);
    },
  };
}

/** True when some live process owns the store now. */
export function isOwned(dir: string): Promise<boolean> {
  return lockfile.check(lockTarget(dir), { realpath: false, stale: STALE_MS });
}
