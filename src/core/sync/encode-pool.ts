import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { EncodedRecord, encodeRecords, EncodeTask } from './encode-task';

type Job = { id: number; resolve: (w: EncodedRecord[]) => void; reject: (e: Error) => void };

export class PoolError extends Error {}

/**
 * Worker threads that encode batches (encode-worker.ts), one batch per worker at a time. Bundled, the
 * worker is dist/encode-worker.js beside the bundle; from source (tests, tsx) it is the .ts file loaded
 * through tsx. A worker that dies fails its batch with PoolError, and the caller encodes on its own thread.
 */
export class EncodePool {
  private readonly idle: Worker[] = [];
  private readonly busy = new Map<Worker, Job>();
  private readonly waiting: ((w: Worker | undefined) => void)[] = [];
  private live: number;
  private nextId = 1;

  private constructor(private readonly workers: Worker[]) {
    this.live = workers.length;
    for (const w of workers) {
      this.idle.push(w);
      w.on('message', (m: { id: number; writes?: EncodedRecord[]; error?: string }) => {
        w.unref();
        const job = this.busy.get(w);
        this.busy.delete(w);
        this.release(w);
        if (m.error !== undefined) job?.reject(new Error(m.error));
        else job?.resolve(m.writes!);
      });
      w.unref(); // idle workers never keep a process alive; a worker with a batch does (see encode)
      w.once('error', (err) => this.retire(w, err));
      w.once('exit', (code) => this.retire(w, new PoolError(`encode worker exited (code ${code})`)));
    }
  }

  /** A pool of `size` workers (one per core by default, at most four), or undefined where workers cannot run. */
  static create(size = Math.min(4, Math.max(1, os.availableParallelism()))): EncodePool | undefined {
    const entry = workerEntry();
    if (!entry) return undefined;
    try {
      return new EncodePool(Array.from({ length: size }, () => new Worker(entry.code, { eval: entry.eval })));
    } catch {
      return undefined;
    }
  }

  async encode(task: Omit<EncodeTask, 'id'>): Promise<EncodedRecord[]> {
    const worker = await this.acquire();
    if (!worker) throw new PoolError('no encode worker is running');
    const id = this.nextId++;
    return new Promise<EncodedRecord[]>((resolve, reject) => {
      this.busy.set(worker, { id, resolve, reject });
      worker.ref();
      worker.postMessage({ ...task, id });
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  get alive(): boolean {
    return this.live > 0;
  }

  private acquire(): Promise<Worker | undefined> {
    if (this.idle.length) return Promise.resolve(this.idle.pop());
    if (this.live === 0) return Promise.resolve(undefined);
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(w: Worker): void {
    const next = this.waiting.shift();
    if (next) next(w);
    else this.idle.push(w);
  }

  /** A worker that errored or exited takes no more work; its batch fails, and waiters learn when none is left. */
  private retire(w: Worker, err: Error): void {
    const at = this.idle.indexOf(w);
    if (at >= 0) this.idle.splice(at, 1);
    if (!this.workers.includes(w) || (w as Worker & { retired?: boolean }).retired) return;
    (w as Worker & { retired?: boolean }).retired = true;
    this.live--;
    const job = this.busy.get(w);
    this.busy.delete(w);
    job?.reject(new PoolError(err.message));
    if (this.live === 0) for (const next of this.waiting.splice(0)) next(undefined);
  }
}

function workerEntry(): { code: string; eval: boolean } | undefined {
  const bundled = path.join(__dirname, 'encode-worker.js');
  if (fs.existsSync(bundled)) return { code: bundled, eval: false };
  // From source only when this process runs TypeScript through tsx (tests, scripts): the worker loads it too.
  const source = path.join(__dirname, 'encode-worker.ts');
  if (fs.existsSync(source) && process.execArgv.some((a) => a.includes('tsx'))) {
    return { code: `require('tsx/cjs'); require(${JSON.stringify(source)});`, eval: true };
  }
  return undefined;
}

/** Idle time after which the shared pool's workers are stopped (they cost memory, not CPU). */
const IDLE_MS = 20_000;
let shared: EncodePool | undefined;
let users = 0;
let idleTimer: NodeJS.Timeout | undefined;

/**
 * The process's pool, started on first use and kept while syncs follow each other (starting workers
 * costs tens of milliseconds bundled, hundreds from source), stopped after a while without use.
 */
export function acquireSharedPool(): EncodePool | undefined {
  clearTimeout(idleTimer);
  if (!shared?.alive) shared = EncodePool.create();
  if (shared) users++;
  return shared;
}

export function releaseSharedPool(): void {
  if (--users > 0 || !shared) return;
  idleTimer = setTimeout(() => {
    void shared?.close();
    shared = undefined;
  }, IDLE_MS);
  idleTimer.unref();
}

/** Encodes on the calling thread: the fallback, and what a single batch uses. */
export function encodeHere(task: Omit<EncodeTask, 'id'>): EncodedRecord[] {
  return encodeRecords({ ...task, id: 0 });
}
