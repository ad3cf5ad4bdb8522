/** What went wrong with the remote, in the terms a user can act on. */
export type RemoteProblem = 'auth' | 'not-found' | 'rate-limited' | 'server' | 'busy' | 'network' | 'timeout' |
  'url' | 'schema' | 'constraint' | 'other';

/**
 * What code downstream matches on instead of an error's wording. The wording is read once, here, because libSQL gives
 * these no code of their own: SQLite reports both as SQLITE_ERROR, and sqld passes them on as SQLITE_UNKNOWN.
 */
export type RemoteErrorCode =
  /** A statement named a table the remote does not have (a new or wiped database). */
  | 'missing-table'
  /** The schema guard fired (remote/schema.ts, schemaCheck): another release moved the remote's schema version on. */
  | 'schema-moved';

export interface ClassifiedError {
  problem: RemoteProblem;
  /** Set for the errors the sync answers by checking the remote's schema again. */
  code?: RemoteErrorCode;
  /** Worth trying again after a pause (the network, the server's load, a rate limit). */
  retryable: boolean;
  /** Seconds the server asked us to wait (HTTP 429 Retry-After). */
  retryAfterSec?: number;
  /** One sentence that says what happened and what to do. */
  message: string;
}

const NETWORK_CODES = ['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH',
  'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT'];

/** Every message, code and cause in an error's chain, so classification survives wrapping. */
function chain(err: unknown): { text: string; codes: string[] } {
  const parts: string[] = [];
  const codes: string[] = [];
  let e: unknown = err;
  for (let depth = 0; e && depth < 6; depth++) {
    const x = e as { message?: string; name?: string; code?: string; extendedCode?: string; cause?: unknown };
    if (x.message) parts.push(x.message);
    if (x.name && x.name !== 'Error') parts.push(x.name);
    if (typeof x.code === 'string') codes.push(x.code);
    if (typeof x.extendedCode === 'string') codes.push(x.extendedCode);
    e = x.cause;
  }
  return { text: parts.join(' | '), codes };
}

function httpStatusOf(text: string): number | undefined {
  const m = /HTTP status (\d{3})|status(?: code)? (\d{3})|\b(4\d\d|5\d\d) (?:Unauthorized|Forbidden|Not Found|Too Many)/i
    .exec(text);
  const s = m?.[1] ?? m?.[2] ?? m?.[3];
  return s ? Number(s) : undefined;
}

export function classifyRemoteError(err: unknown, url: string): ClassifiedError {
  const { text, codes } = chain(err);
  const classified = classifyProblem(err, text, codes, url);
  const code = remoteErrorCode(classified.problem, text);
  return code ? { ...classified, code } : classified;
}

function remoteErrorCode(problem: RemoteProblem, text: string): RemoteErrorCode | undefined {
  if (problem === 'schema' && /no such table/i.test(text)) return 'missing-table';
  // The guard's abs() overflow is the only integer overflow anything Session Sync sends can raise.
  if (/integer overflow/i.test(text)) return 'schema-moved';
  return undefined;
}

function classifyProblem(err: unknown, text: string, codes: string[], url: string): ClassifiedError {
  const status = httpStatusOf(text);
  const has = (...cs: string[]) => cs.some((c) => codes.includes(c));
  if (status === 401 || status === 403 || /unauthori[sz]ed|authenticat|invalid token|jwt/i.test(text)) {
    return { problem: 'auth', retryable: false, message:
      `The database at ${url} refused the token. Run "Session Sync: Configure Remote" (or set SESSION_SYNC_TOKEN) with a valid token.` };
  }
  if (status === 404) {
    return { problem: 'not-found', retryable: false, message:
      `No database answers at ${url} (HTTP 404). Check the URL, for example libsql://<db>-<org>.turso.io.` };
  }
  if (status === 429) {
    const after = /retry-after[":\s]+(\d+)/i.exec(text);
    return { problem: 'rate-limited', retryable: true, retryAfterSec: after ? Number(after[1]) : undefined,
      message: `The database at ${url} is rate-limiting requests. Try again in a few minutes.` };
  }
  if (status !== undefined && status >= 500) {
    return { problem: 'server', retryable: true, message: `The database at ${url} had a server error (HTTP ${status}). Try again later.` };
  }
  if (has('URL_INVALID', 'URL_SCHEME_NOT_SUPPORTED', 'URL_PARAM_NOT_SUPPORTED', 'ERR_INVALID_URL')) {
    return { problem: 'url', retryable: false, message:
      `"${url}" is not a database URL Session Sync can use. Use libsql://, https://, http:// or file: URLs.` };
  }
  if (/TimeoutError|timed out|aborted due to timeout/i.test(text) || (err as Error)?.name === 'TimeoutError') {
    return { problem: 'timeout', retryable: true, message:
      `The database at ${url} did not answer in time. Check your connection, or try again later.` };
  }
  if (has(...NETWORK_CODES) || /fetch failed|socket hang up|network|connect|other side closed|terminated/i.test(text)) {
    return { problem: 'network', retryable: true, message:
      `Cannot reach the database at ${url} (${codes.find((c) => NETWORK_CODES.includes(c)) ?? 'network error'}). ` +
      'Check the URL and your connection.' };
  }
  // SQLite lets one write transaction run at a time; the server answers BUSY when its wait for the lock runs
  // out (parallel batches, or another client writing). The lock frees up: wait and try again.
  if (has('SQLITE_BUSY', 'SQLITE_LOCKED') || /database is locked|database table is locked/i.test(text)) {
    return { problem: 'busy', retryable: true, message:
      `The database at ${url} stayed busy with other writes (database is locked). Try again in a moment; if it ` +
      'persists, another program may be holding a long write transaction.' };
  }
  if (has('SQLITE_CONSTRAINT', 'SQLITE_CONSTRAINT_PRIMARYKEY', 'SQLITE_CONSTRAINT_UNIQUE')) {
    return { problem: 'constraint', retryable: false, message: `The database at ${url} rejected a write: ${firstLine(text)}` };
  }
  if (/no such table|no such column|has no column/i.test(text)) {
    return { problem: 'schema', retryable: false, message:
      `The database at ${url} has tables Session Sync does not recognise (${firstLine(text)}). Use an empty database or one Session Sync created.` };
  }
  if (has('SQLITE_CANTOPEN') || /unable to open database/i.test(text)) {
    return { problem: 'url', retryable: false, message: `Cannot open the database file ${url}: ${firstLine(text)}` };
  }
  return { problem: 'other', retryable: false, message: `Sync with ${url} failed: ${firstLine(text)}` };
}

function firstLine(text: string): string {
  return text.split('\n')[0].slice(0, 300);
}

/** An error that already carries a user-facing message. */
export class SyncError extends Error {
  constructor(readonly classified: ClassifiedError, options?: { cause?: unknown }) {
    super(classified.message, options);
  }

  get code(): RemoteErrorCode | undefined {
    return this.classified.code;
  }
}

/**
 * SQLite's error code as libSQL reports it (`SQLITE_CONSTRAINT`, ...) from the first error in the chain that has one,
 * and, when a batch failed, the index of its statement that failed.
 */
export function sqliteFailure(err: unknown): { code: string; statement: number | undefined } | undefined {
  let e: unknown = err;
  for (let depth = 0; e && depth < 6; depth++) {
    const x = e as { code?: unknown; statementIndex?: unknown; cause?: unknown };
    if (typeof x.code === 'string' && x.code.startsWith('SQLITE_')) {
      return { code: x.code, statement: typeof x.statementIndex === 'number' ? x.statementIndex : undefined };
    }
    e = x.cause;
  }
  return undefined;
}
