import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { RemoteTarget } from './connect';

export const EMBEDDED_REMOTE_FILE = 'remote.db';
const SCHEMES = ['file:', 'libsql:', 'http:', 'https:', 'ws:', 'wss:'];

export class RemoteUrlError extends Error {}

/** The embedded default: a local libSQL file beside the store, so sync works offline with no account. */
export function embeddedRemoteUrl(storeDir: string): string {
  return pathToFileURL(path.join(path.resolve(storeDir), EMBEDDED_REMOTE_FILE)).href;
}

/** Checks a user-given URL and pairs it with the token; no URL means the embedded default. */
export function resolveRemoteTarget(storeDir: string, url: string | undefined, authToken: string | undefined): RemoteTarget {
  const trimmed = url?.trim();
  if (!trimmed) return { url: embeddedRemoteUrl(storeDir) };
  let parsed: URL;
  try {
    parsed = new URL(trimmed);
  } catch {
    throw new RemoteUrlError(`"${trimmed}" is not a URL. Use libsql://<database>.turso.io, https://…, http://… or file:/path/to/db.`);
  }
  if (!SCHEMES.includes(parsed.protocol)) {
    throw new RemoteUrlError(`"${parsed.protocol}" URLs are not supported. Use libsql:, https:, http:, ws:, wss: or file:.`);
  }
  if (/token|authToken/i.test(parsed.search)) {
    throw new RemoteUrlError('Put the token in SecretStorage ("Session Sync: Configure Remote") or SESSION_SYNC_TOKEN, not in the URL.');
  }
  return { url: trimmed, authToken: authToken?.trim() || undefined };
}
