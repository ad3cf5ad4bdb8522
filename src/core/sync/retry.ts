import { ClassifiedError, SyncError, classifyRemoteError } from '../remote/errors';

export interface RetryPolicy {
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 5, baseDelayMs: 500, maxDelayMs: 15_000 };

export class CancelledError extends Error {
  constructor() {
    super('Sync was cancelled.');
  }
}

const sleep = (ms: number, signal?: AbortSignal) => new Promise<void>((resolve, reject) => {
  if (signal?.aborted) return reject(new CancelledError());
  const timer = setTimeout(() => { signal?.removeEventListener('abort', onAbort); resolve(); }, ms);
  const onAbort = () => { clearTimeout(timer); reject(new CancelledError()); };
  signal?.addEventListener('abort', onAbort, { once: true });
});

/**
 * Runs `op` until it succeeds, retrying only what a retry can fix (network, server load, rate limits)
 * with exponential backoff and full jitter, and honouring a server's Retry-After. Anything else (a bad
 * token, a wrong URL, a schema conflict) fails at once with a message that says what to fix.
 */
export async function withRetry<T>(op: () => Promise<T>, url: string, policy: RetryPolicy = DEFAULT_RETRY,
  signal?: AbortSignal, onRetry?: (c: ClassifiedError, attempt: number, delayMs: number) => void): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await op();
    } catch (err) {
      if (err instanceof CancelledError || err instanceof SyncError) throw err;
      const c = classifyRemoteError(err, url);
      if (!c.retryable || attempt >= policy.attempts) throw new SyncError(c, { cause: err });
      const backoff = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
      const delay = c.retryAfterSec !== undefined ? c.retryAfterSec * 1000 : Math.round(Math.random() * backoff);
      onRetry?.(c, attempt, delay);
      await sleep(delay, signal);
    }
  }
}
