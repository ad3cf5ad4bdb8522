// Archived sessions for the editor tests, made as an earlier run of the product would have left them: Archive's "yes"
// cannot be given in an extension test (its confirmation is a modal, which VS Code refuses there), so the archive is
// made by the same code the command runs, on a store of its own, and put beside the window's store.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { archiveSessions, openArchiveFor, planArchive } from '../../../src/core/archive/archive';
import { ARCHIVE_FILE } from '../../../src/core/archive/archive-store';
import { Remote } from '../../../src/core/remote/connect';
import { embeddedRemoteUrl } from '../../../src/core/remote/target';
import { runSync } from '../../../src/core/sync/engine';
import { generateSessions } from '../../../src/lab/generator';
import type { Session } from '../../../src/core/model';
import { SessionStore } from '../../../src/core/store/session-store';

const DAY = 86_400_000;

/**
 * `count` sessions (ids `${seed}-…`, months old) archived by the product's own code on a store of their own (synced
 * to its embedded database, then moved with the plan the command makes), added to the archive beside the live store
 * in `storeDir` (whatever it held stays). Returns the sessions added.
 */
export async function archiveElsewhere(storeDir: string, seed: string, count = 16): Promise<Session[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${seed}-`));
  const live = path.join(storeDir, ARCHIVE_FILE);
  try {
    if (fs.existsSync(live)) fs.copyFileSync(live, path.join(dir, ARCHIVE_FILE));
    const sessions = generateSessions({ count, days: 365, seed, now: Date.now() - 100 * DAY, idPrefix: seed });
    const { store } = await SessionStore.open(dir);
    try {
      store.upsertMany(sessions);
      const remote = new Remote({ url: embeddedRemoteUrl(dir) });
      try {
        const synced = await runSync(store, remote);
        assert.equal(synced.result, 'ok', `the scratch store synced: ${synced.error ?? ''}`);
      } finally {
        remote.close();
      }
      const archive = await openArchiveFor(store);
      try {
        const moved = await archiveSessions(store, archive, planArchive(store, { olderThanDays: 90 }));
        assert.equal(moved.moved, sessions.length, 'every scratch session was archived');
      } finally {
        archive.close();
      }
    } finally {
      await store.close();
    }
    fs.copyFileSync(path.join(dir, ARCHIVE_FILE), live);
    return sessions;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** How many of `sessions` the store file holds. */
export async function storedCount(storeDir: string, sessions: Session[]): Promise<number> {
  const { store } = await SessionStore.open(storeDir, { readOnly: true });
  try {
    return sessions.filter((s) => store.get(s.id)).length;
  } finally {
    await store.close();
  }
}
