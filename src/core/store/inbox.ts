import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { Session, parseSession, sessionToJson } from '../model';
import { writeFileAtomic } from './atomic-file';
import { ensurePrivateDir } from './private-files';

/**
 * How a VS Code window that does not own the store hands its sessions to the one that does: each
 * snapshot is written atomically as its own file, and the owner ingests and deletes them after its
 * store is saved. Files survive crashes of either side, so nothing is lost; an older snapshot never
 * overwrites a newer session because the store compares updatedAt.
 */
export function inboxDir(storeDir: string): string {
  return path.join(storeDir, 'inbox');
}

export async function postToInbox(storeDir: string, session: Session): Promise<void> {
  const dir = inboxDir(storeDir);
  ensurePrivateDir(dir);
  const name = `${session.updatedAt}-${randomBytes(6).toString('hex')}.json`;
  await writeFileAtomic(path.join(dir, name), sessionToJson(session));
}

export interface InboxBatch {
  sessions: Session[];
  files: string[];
  /** Files that were not a valid session; moved aside as `*.bad` so they are not retried forever. */
  rejected: string[];
}

/** A temporary file older than this was left by a window killed mid-write (a live write takes milliseconds). */
const STALE_TEMP_MS = 10 * 60_000;

export async function readInbox(storeDir: string, max = 500, now = Date.now()): Promise<InboxBatch> {
  const dir = inboxDir(storeDir);
  let all: string[];
  try {
    all = await fs.promises.readdir(dir);
  } catch {
    return { sessions: [], files: [], rejected: [] };
  }
  await removeAbandonedTemps(dir, all.filter((n) => n.startsWith('.') && n.endsWith('.tmp')), now);
  const names = all.filter((n) => n.endsWith('.json')).sort().slice(0, max);
  const batch: InboxBatch = { sessions: [], files: [], rejected: [] };
  for (const name of names) {
    const file = path.join(dir, name);
    try {
      batch.sessions.push(parseSession(JSON.parse(await fs.promises.readFile(file, 'utf8'))));
      batch.files.push(file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      await fs.promises.rename(file, `${file}.bad`).catch(() => undefined);
      batch.rejected.push(`${name}: ${(err as Error).message}`);
    }
  }
  return batch;
}

/** Deletes ingested files; call only after the store that took them is saved. */
export async function removeFromInbox(files: string[]): Promise<void> {
  await Promise.all(files.map((f) => fs.promises.rm(f, { force: true })));
}

/** Removes temporary files a killed writer left; a recent one may still be written by a live guest window. */
async function removeAbandonedTemps(dir: string, temps: string[], now: number): Promise<void> {
  for (const name of temps) {
    const file = path.join(dir, name);
    const stat = await fs.promises.stat(file).catch(() => undefined);
    if (stat && now - stat.mtimeMs > STALE_TEMP_MS) await fs.promises.rm(file, { force: true });
  }
}
