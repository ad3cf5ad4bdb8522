import * as vscode from 'vscode';
import { randomBytes } from 'node:crypto';

const TOKEN_KEY = 'sessionSync.remoteToken';
const PATH_KEY = 'sessionSync.pathHashKey';

/** The remote's auth token lives only in the OS keychain through SecretStorage: never settings or logs. */
export class TokenStore {
  constructor(private readonly secrets: vscode.SecretStorage) {}

  get(): Thenable<string | undefined> {
    return this.secrets.get(TOKEN_KEY);
  }

  async set(token: string | undefined): Promise<void> {
    if (token) await this.secrets.store(TOKEN_KEY, token);
    else await this.secrets.delete(TOKEN_KEY);
  }

  onDidChange(listener: () => void): vscode.Disposable {
    return this.secrets.onDidChange((e) => { if (e.key === TOKEN_KEY) listener(); });
  }
}

/**
 * The user's secret for `privacy.filePaths: hashed`, kept beside the token in the OS keychain and made on first
 * use: hashed names stay stable for this user and cannot be reversed by hashing a list of common paths.
 */
export async function loadPathHashKey(secrets: vscode.SecretStorage): Promise<Uint8Array> {
  const stored = await secrets.get(PATH_KEY);
  if (stored) return new Uint8Array(Buffer.from(stored, 'base64'));
  const key = randomBytes(32);
  await secrets.store(PATH_KEY, key.toString('base64'));
  return new Uint8Array(key);
}
