import * as vscode from 'vscode';

const TOKEN_KEY = 'sessionSync.remoteToken';

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
