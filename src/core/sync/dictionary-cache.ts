import type { SessionStore } from '../store/session-store';
import type { Dictionary } from '../codec/frames';

/** The remote's compression dictionary, cached in the store per remote so a sync need not ask for it. */
const key = (remoteUrl: string) => `dictionary:${remoteUrl}`;

/** `remoteUrl` is the remote's display URL (Remote.displayUrl). */
export function cachedDictionary(store: SessionStore, remoteUrl: string): Dictionary | undefined {
  const cached = store.getMeta(key(remoteUrl));
  if (!cached) return undefined;
  const [id, b64] = cached.split(':');
  return { id: Number(id), bytes: new Uint8Array(Buffer.from(b64, 'base64')) };
}

export function cacheDictionary(store: SessionStore, remoteUrl: string, dict: Dictionary): void {
  store.setMeta(key(remoteUrl), `${dict.id}:${Buffer.from(dict.bytes).toString('base64')}`);
}
