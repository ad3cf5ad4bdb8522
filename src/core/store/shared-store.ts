import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Session } from '../model';
import { SessionStore, type OpenOptions } from './session-store';
import { acquireOwnerLock, OwnerLock, StoreBusyError } from './owner-lock';
import { inboxDir, postToInbox, readInbox, removeFromInbox } from './inbox';

export type Role = 'owner' | 'guest';

export interface SharedStoreEvents {
  log?: (message: string) => void;
  onRoleChange?: (role: Role) => void;
  /** Another window asked for a sync (it cannot sync itself: it does not own the store). */
  onSyncRequest?: () => void;
  /** The store file could not be read and was kept aside. */
  onRecovered?: (keptAs: string) => void;
}

const POLL_MS = 2_000;
const SYNC_REQUEST = 'sync-request';

/**
 * The store as several VS Code windows (and the CLI) share it. The first process to take the owner lock
 * opens the sql.js store and is its only writer; every other window is a guest that posts its sessions to
 * the inbox, and takes over when the owner goes away. Nothing a guest records is lost: its snapshots stay
 * on disk until the owner has saved them.
 */
export class SharedStore {
  private store: SessionStore | undefined;
  private lock: OwnerLock | undefined;
  private timer: NodeJS.Timeout | undefined;
  private ticking = false;
  private disposed = false;

  private constructor(readonly dir: string, private readonly events: SharedStoreEvents,
    private readonly storeOptions: Pick<OpenOptions, 'persistence'>) {}

  /** `storeOptions.persistence: 'snapshot'` is the pre-journal store, for benchmarks only. */
  static async start(dir: string, events: SharedStoreEvents = {},
    storeOptions: Pick<OpenOptions, 'persistence'> = {}): Promise<SharedStore> {
    const shared = new SharedStore(dir, events, storeOptions);
    await shared.tick();
    shared.timer = setInterval(() => void shared.tick(), POLL_MS);
    shared.timer.unref?.();
    return shared;
  }

  get role(): Role {
    return this.store ? 'owner' : 'guest';
  }

  /** The store when this process owns it. */
  get owned(): SessionStore | undefined {
    return this.store;
  }

  /**
   * Records a session snapshot: into the store when owner (journaling only what changed, see
   * SessionStore.record), else through the inbox.
   */
  async put(session: Session): Promise<void> {
    if (this.store) this.store.record(session);
    else await postToInbox(this.dir, session);
  }

  /** Asks the owning process to sync (used by a guest window's "Sync Now"). */
  async requestSync(): Promise<void> {
    await fs.promises.mkdir(inboxDir(this.dir), { recursive: true });
    await fs.promises.writeFile(path.join(inboxDir(this.dir), SYNC_REQUEST), String(Date.now()));
  }

  /** One round of housekeeping: a guest tries to take over; the owner ingests the inbox. */
  async tick(): Promise<void> {
    if (this.ticking || this.disposed) return;
    this.ticking = true;
    try {
      // A lost lock: the store's fence hands unsaved sessions over and demotes this window (handOver).
      if (this.store && !this.store.stillOwned()) return;
      if (!this.store) await this.tryPromote();
      if (this.store) await this.ingest(this.store);
    } catch (err) {
      this.events.log?.(`Store housekeeping failed: ${(err as Error).message}`);
    } finally {
      this.ticking = false;
    }
  }

  private async tryPromote(): Promise<void> {
    let lock: OwnerLock;
    try {
      lock = await acquireOwnerLock(this.dir, 0, () => void this.tick());
    } catch (err) {
      if (err instanceof StoreBusyError) return;
      throw err;
    }
    try {
      const { store, recoveredFrom, journal } = await SessionStore.open(this.dir, {
        ...this.storeOptions,
        fence: () => lock.isHeld(),
        generation: lock.generation,
        onFenced: (unsaved) => void this.handOver(unsaved),
      });
      if (recoveredFrom) this.events.onRecovered?.(recoveredFrom);
      for (const problem of journal.problems) this.events.log?.(problem);
      this.store = store;
      this.lock = lock;
      this.events.log?.(`This window now owns the session store in ${this.dir}.`);
      this.events.onRoleChange?.('owner');
    } catch (err) {
      await lock.release();
      throw err;
    }
  }

  /** The lock was lost (this process stalled past the stale time): stop writing; another owner took over. */
  private async demote(): Promise<void> {
    const store = this.store;
    this.store = undefined;
    this.lock = undefined;
    store?.abandon();
    this.events.log?.('Another window took over the session store; this one hands its sessions over from now on.');
    this.events.onRoleChange?.('guest');
  }

  /**
   * The store found it lost the owner lock before writing: the sessions whose changes were not on disk yet go
   * to the new owner through the inbox, and this process becomes a guest.
   */
  private async handOver(unsaved: Session[]): Promise<void> {
    this.events.log?.(`This window lost the session store to another process; handing ${unsaved.length} ` +
      'unsaved session(s) over through the inbox.');
    for (const s of unsaved) await postToInbox(this.dir, s).catch((err) => this.events.log?.(`Could not hand over session ${s.id}: ${(err as Error).message}`));
    await this.demote();
  }

  private async ingest(store: SessionStore): Promise<void> {
    const batch = await readInbox(this.dir);
    for (const bad of batch.rejected) this.events.log?.(`Ignored an unreadable inbox file: ${bad}`);
    if (batch.sessions.length) {
      store.upsertMany(batch.sessions);
      await store.flush();
      await removeFromInbox(batch.files);
    }
    const request = path.join(inboxDir(this.dir), SYNC_REQUEST);
    if (fs.existsSync(request)) {
      await fs.promises.rm(request, { force: true });
      this.events.onSyncRequest?.();
    }
  }

  /** Saves and lets go: another window may take over. */
  async dispose(): Promise<void> {
    this.disposed = true;
    clearInterval(this.timer);
    const store = this.store;
    this.store = undefined;
    if (store) await store.close();
    await this.lock?.release();
    this.lock = undefined;
  }
}
