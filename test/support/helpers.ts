// Small helpers several unit test files share.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import type { SessionStore } from '../../src/core/store/session-store';
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
