import * as fs from 'node:fs';
import * as os from 'node:os';
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
  /** This owner's generation: one more than the owner before it (journal records carry it). */
  readonly generation: number;
  /**
   * True while this process is still the owner: its generation is the one in the owner file. Every write to the
   * store's files checks it first (fencing), so an owner that stalled past the stale time and lost the store
   * to another process never writes again, even before proper-lockfile notices.
   */
  isHeld(): boolean;
}

export class StoreBusyError extends Error {}

const STALE_MS = 15_000;
const UPDATE_MS = 3_000;

export function lockTarget(dir: string): string {
  fs.mkdirSync(dir, { recursive: true });
  return path.join(dir, 'owner');
}

/**
 * proper-lockfile's lock folder, and beside it (not inside: the folder must stay empty for proper-lockfile
 * to remove it) the owner's pid, so a dead owner is noticed at once.
 */
const lockDir = (target: string) => `${target}.lock`;
const ownerFile = (target: string) => `${target}.pid.json`;
/** The last generation handed out; outlives each owner so that generations only grow. */
const generationFile = (target: string) => `${target}.generation`;

interface OwnerInfo {
  pid: number;
  host: string;
  generation?: number;
}

function readOwner(target: string): OwnerInfo | undefined {
  try {
    return JSON.parse(fs.readFileSync(ownerFile(target), 'utf8')) as OwnerInfo;
  } catch {
    return undefined;
  }
}

function nextGeneration(target: string): number {
  let last = 0;
  try {
    last = Number(fs.readFileSync(generationFile(target), 'utf8')) || 0;
  } catch { /* the first owner */ }
  const owner = readOwner(target);
  const generation = Math.max(last, owner?.generation ?? 0) + 1;
  fs.writeFileSync(generationFile(target), String(generation), { mode: 0o600 });
  return generation;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * A lock whose owner ran on this machine and no longer exists (killed, crashed) is removed at once,
 * rather than after the stale time, so a command after a crash does not wait.
 */
function removeIfOwnerDead(target: string): boolean {
  if (isOrphan(target)) {
    fs.rmSync(lockDir(target), { recursive: true, force: true });
    return true;
  }
  try {
    const owner = readOwner(target);
    if (!owner || owner.host !== os.hostname() || isAlive(owner.pid)) return false;
    fs.rmSync(lockDir(target), { recursive: true, force: true });
    fs.rmSync(ownerFile(target), { force: true });
    return true;
  } catch {
    return false;
  }
}

/** An owner writes its pid file right after taking the lock; a lock without one after this long lost its owner. */
const ORPHAN_MS = 2_000;

/** A lock whose owner was killed between taking it and writing its pid file. */
function isOrphan(target: string): boolean {
  if (fs.existsSync(ownerFile(target))) return false;
  try {
    return Date.now() - fs.statSync(lockDir(target)).mtimeMs > ORPHAN_MS;
  } catch {
    return false;
  }
}

/** Takes the lock, waiting up to `waitMs`; throws StoreBusyError when another live process holds it. */
export async function acquireOwnerLock(dir: string, waitMs = 0, onLost?: (err: Error) => void): Promise<OwnerLock> {
  const target = lockTarget(dir);
  const state = { compromised: false };
  const deadline = Date.now() + waitMs;
  let release: () => Promise<void>;
  for (;;) {
    removeIfOwnerDead(target);
    try {
      release = await lockfile.lock(target, {
        realpath: false,
        stale: STALE_MS,
        update: UPDATE_MS,
        onCompromised: (err) => {
          state.compromised = true;
          onLost?.(err);
        },
      });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ELOCKED') throw err;
      if (Date.now() >= deadline) {
        throw new StoreBusyError(
          `The session store in ${dir} is in use by another process (a VS Code window or another session-sync command). ` +
          'Wait for it to finish, or close it, and try again.');
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  const generation = nextGeneration(target);
  fs.writeFileSync(ownerFile(target), JSON.stringify({ pid: process.pid, host: os.hostname(), generation }), { mode: 0o600 });
  const isHeld = () => {
    if (state.compromised) return false;
    const owner = readOwner(target);
    return owner?.pid === process.pid && owner.generation === generation;
  };
  return {
    get compromised() { return state.compromised; },
    generation,
    isHeld,
    release: async () => {
      if (!isHeld()) return;
      fs.rmSync(ownerFile(target), { force: true });
      await release().catch(() => undefined);
    },
  };
}

/** True when some live process owns the store now. */
export function isOwned(dir: string): Promise<boolean> {
  return lockfile.check(lockTarget(dir), { realpath: false, stale: STALE_MS });
}
