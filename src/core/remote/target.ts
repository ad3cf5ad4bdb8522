import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { CREDENTIAL_PARAM, localFilePath, redactUrl, type RemoteTarget } from './connect';

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
    throw new RemoteUrlError(`"${redactUrl(trimmed)}" is not a URL. Use libsql://<database>.turso.io, https://…, ` +
      'http://… or file:/path/to/db.');
  }
  if (!SCHEMES.includes(parsed.protocol)) {
    throw new RemoteUrlError(`"${parsed.protocol}" URLs are not supported. Use libsql:, https:, http:, ws:, wss: or file:.`);
  }
  if (carriesCredential(parsed)) {
    throw new RemoteUrlError(`${redactUrl(trimmed)} carries a credential (a user name, password, token or fragment). ` +
      'Give the URL without it, and the token through "Session Sync: Configure Remote" (kept in the OS keychain) ' +
      'or SESSION_SYNC_TOKEN.');
  }
  const volatile = volatileReason(parsed, trimmed);
  if (volatile) throw new RemoteUrlError(`${redactUrl(trimmed)} ${volatile}: sessions synced there would be lost. Give a file path, for example file:/home/me/sessions.db.`);
  return { url: trimmed, authToken: authToken?.trim() || undefined };
}

/** User info, a fragment, or a credential-like query parameter: none of these may reach settings or logs. */
function carriesCredential(u: URL): boolean {
  return u.username !== '' || u.password !== '' || u.hash !== '' ||
    [...u.searchParams.keys()].some((k) => CREDENTIAL_PARAM.test(k));
}

/** Why a `file:` URL names a database that does not outlive the connection, if it does. */
function volatileReason(u: URL, url: string): string | undefined {
  if (u.protocol !== 'file:') return undefined;
  const file = localFilePath(url);
  if (file === '' || file === '/' || file.endsWith('/')) return 'names no database file';
  if (file.includes(':memory:') || /^memory$/i.test(u.searchParams.get('mode') ?? '')) return 'is an in-memory database';
  return undefined;
}
