// Small helpers several unit test files share.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SessionStore } from '../../src/core/store/session-store';
import type { Session } from '../../src/core/model';
import { Remote } from '../../src/core/remote/connect';
import { exportStore } from '../../src/cli/data-commands';

/** The error `p` rejects with; fails the test if it resolves or rejects with something that is not an Error. */
export async function errorOf(p: Promise<unknown>): Promise<Error & { code?: string; cause?: unknown }> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof Error, `expected an Error, got ${String(e)}`);
    return e;
  }
  assert.fail('expected the call to fail');
}

/** What `session-sync export` prints for the store: one canonical JSON line per session. */
export async function exportText(store: SessionStore): Promise<string> {
  const parts: Buffer[] = [];
  const out = new Writable({ write(chunk: Buffer, _enc, cb) { parts.push(Buffer.from(chunk)); cb(); } });
  exportStore(store, out);
  await new Promise<void>((resolve) => out.end(resolve));
  return Buffer.concat(parts).toString('utf8');
}

/** Undo steps a test file registers; they run in reverse order after all its tests. */
export type Cleanups = (() => Promise<void> | void)[];

/** A store in a new temporary folder holding `sessions`; closed and deleted with the file's cleanups. */
export async function tempStore(prefix: string, sessions: Session[], cleanups: Cleanups): Promise<SessionStore> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
  const { store } = await SessionStore.open(dir);
  store.upsertMany(sessions);
  cleanups.push(async () => {
    await store.close().catch(() => undefined);
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return store;
}

/** A Remote on `url`, closed with the file's cleanups. */
export function tempRemote(cleanups: Cleanups, url: string, authToken?: string): Remote {
  const r = new Remote({ url, authToken });
  cleanups.push(() => r.close());
  return r;
}
