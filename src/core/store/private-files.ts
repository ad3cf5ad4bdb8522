import * as fs from 'node:fs';

/**
 * Everything Session Sync writes (the store, the archive, remote.db, the checkpoint, the inbox) holds the user's
 * sessions and notes: only the user may read it. Files are created 0600 and folders 0700, whatever the umask.
 */
export const PRIVATE_FILE_MODE = 0o600;
export const PRIVATE_DIR_MODE = 0o700;

/** Creates `dir` (and missing parents) owner-only; an existing folder is left as the user set it. */
export function ensurePrivateDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
}
