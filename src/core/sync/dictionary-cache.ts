import type { SessionStore } from '../store/session-store';
import type { Dictionary } from '../codec/frames';
import type { Session } from '../model';
import { trainDictionary } from '../codec/dictionary';
import { ensureDictionary } from '../remote/dictionaries';
import { yieldToEventLoop } from '../metrics';
import type { SyncContext } from './context';
import { withRetry } from './retry';

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

/** Sessions a dictionary is trained from: the most recently changed, as they show the user's current habits. */
const TRAINING_SESSIONS = 300;

/** The dictionary to compress with: cached, or the remote's (which this run may train and store first). */
export async function dictionaryFor(ctx: SyncContext): Promise<Dictionary> {
  const { store, remote } = ctx;
  const cached = cachedDictionary(store, remote.displayUrl);
  if (cached) return cached;
  const sample = await trainingSample(store);
  const dict = await ctx.timer.time('schema', () => withRetry(() => ensureDictionary(remote, () => trainDictionary(sample)),
    remote.displayUrl, ctx.opts.retry, ctx.opts.signal));
  cacheDictionary(store, remote.displayUrl, dict);
  return dict;
}

/** The sessions a dictionary learns from, read a few at a time so the event loop keeps turning. */
async function trainingSample(store: SyncContext['store']): Promise<Session[]> {
  const sample: Session[] = [];
  for (const id of store.recentIds(TRAINING_SESSIONS)) {
    const s = store.get(id);
    if (s) sample.push(s);
    if (sample.length % 20 === 0) await yieldToEventLoop();
  }
  return sample;
}
