import * as fs from 'node:fs';
import * as path from 'node:path';
import { createClient, InStatement, ResultSet, TransactionMode } from '@libsql/client';
import { HranaHttp, protobufServerCounters } from './hrana-http';
import { PRIVATE_DIR_MODE, PRIVATE_FILE_MODE } from '../store/private-files';
import { leanFetch, leanRequest } from './lean-fetch';

/** What one sync cost on the wire and on the server, as counted where it happens. */
export interface RemoteMeter {
  /** Request bytes that left the process (HTTP request line, headers and body; for `file:` the SQL and values). */
  bytesSent: number;
  bytesReceived: number;
  /** Requests made to the server (each `batch` or `execute` is one). */
  roundTrips: number;
  /** The server's own counters, where it reports them (libSQL over HTTP does). */
  rowsRead: number;
  rowsWritten: number;
}

export interface RemoteTarget {
  url: string;
  authToken?: string;
}

/** @libsql/client has no request timeout: a stalled server would hang a sync forever without this. */
export const REQUEST_TIMEOUT_MS = 30_000;

function newMeter(): RemoteMeter {
  return { bytesSent: 0, bytesReceived: 0, roundTrips: 0, rowsRead: 0, rowsWritten: 0 };
}

/** What Remote needs from a driver; @libsql/client's Client and HranaHttp both fit. */
interface Backend {
  batch(stmts: InStatement[], mode?: TransactionMode): Promise<ResultSet[]>;
  execute(stmt: InStatement): Promise<ResultSet>;
  close(): void;
}

/** Schemes served over HTTP, where Hrana v3 protobuf sends BLOBs as raw bytes instead of base64 JSON. */
const HTTP_SCHEMES = /^(https?|libsql):/i;

/**
 * A libSQL database with every request counted. `file:` URLs are the embedded default (the native libsql module,
 * through @libsql/client); http(s)/libsql URLs are a server such as Turso, spoken to in Hrana v3 protobuf
 * (HranaHttp); ws(s) URLs stay on @libsql/client.
 */
export interface RemoteOptions {
  timeoutMs?: number;
  /** 'stock': @libsql/client exactly as shipped (Hrana v2 JSON over HTTP), the naive baseline's wire. */
  wire?: 'protobuf' | 'stock';
  /** Count into this meter (a sibling Remote on the same database shares its parent's). */
  meter?: RemoteMeter;
}

export class Remote {
  readonly meter: RemoteMeter;
  readonly isFile: boolean;
  private backend: Backend | undefined;
  private readonly timeoutMs: number;
  private readonly wire: RemoteOptions['wire'];

  constructor(readonly target: RemoteTarget, opts: RemoteOptions = {}) {
    this.isFile = target.url.startsWith('file:');
    this.meter = opts.meter ?? newMeter();
    this.timeoutMs = opts.timeoutMs ?? REQUEST_TIMEOUT_MS;
    this.wire = opts.wire;
  }

  /**
   * The driver, made on first use: the native driver creates a missing `file:` database as it opens it, and a
   * Remote that is only asked whether it holds anything (`hasNoFile`) must not leave a file behind.
   */
  private get client(): Backend {
    if (this.backend) return this.backend;
    if (this.isFile) createPrivateFile(localFilePath(this.target.url));
    this.backend = HTTP_SCHEMES.test(this.target.url) && this.wire !== 'stock'
      ? new HranaHttp(this.target.url, this.target.authToken, (req: Request) => this.countedFetch(req, 'lean'))
      : createClient({
        url: this.target.url, authToken: this.target.authToken, intMode: 'number',
        ...(this.isFile ? {} : { fetch: (req: Request) => this.countedFetch(req, 'stock') }),
      });
    return this.backend;
  }

  /** True for a `file:` remote whose file does not exist yet: nothing was ever synced to it. */
  hasNoFile(): boolean {
    return this.isFile && !this.backend && !fs.existsSync(localFilePath(this.target.url));
  }

  /** The same database through the stock @libsql/client wire, counted in this meter; close it after use. */
  stock(): Remote {
    return new Remote(this.target, { timeoutMs: this.timeoutMs, wire: 'stock', meter: this.meter });
  }

  /** The URL without credentials, fit for logs and history. */
  get displayUrl(): string {
    return redactUrl(this.target.url);
  }

  async batch(stmts: InStatement[], mode: TransactionMode = 'write'): Promise<ResultSet[]> {
    if (this.isFile) this.countLocal(stmts);
    return this.scrubbed(() => this.client.batch(stmts, mode));
  }

  async execute(stmt: InStatement): Promise<ResultSet> {
    if (this.isFile) this.countLocal([stmt]);
    return this.scrubbed(() => this.client.execute(stmt));
  }

  close(): void {
    this.backend?.close();
  }

  /** Drivers may quote the URL or the token in their errors: those messages reach logs and the history. */
  private async scrubbed<T>(op: () => Promise<T>): Promise<T> {
    try {
      return await op();
    } catch (err) {
      scrubErrorChain(err, [this.target.url, ...urlSecrets(this.target.url), this.target.authToken ?? ''],
        this.displayUrl);
      throw err;
    }
  }

  private countLocal(stmts: InStatement[]): void {
    this.meter.roundTrips++;
    for (const s of stmts) {
      const sql = typeof s === 'string' ? s : s.sql;
      this.meter.bytesSent += Buffer.byteLength(sql);
      const args = typeof s === 'string' ? [] : Object.values(s.args ?? {});
      for (const a of args) this.meter.bytesSent += valueBytes(a);
    }
  }

  /**
   * Sends a request and counts it. 'stock' goes through Node's fetch, as @libsql/client does (the naive baseline);
   * 'lean' sends only the headers the server needs (net/lean-fetch.ts).
   */
  private async countedFetch(req: Request, how: 'stock' | 'lean'): Promise<Response> {
    this.meter.roundTrips++;
    const signal = AbortSignal.any([req.signal, AbortSignal.timeout(this.timeoutMs)]);
    let resp: Response;
    if (how === 'lean') {
      const lean = await leanRequest(req);
      this.meter.bytesSent += lean.headBytes + lean.body.length;
      resp = await leanFetch(lean, signal);
    } else {
      const body = req.body ? (await req.clone().arrayBuffer()).byteLength : 0;
      this.meter.bytesSent += requestHeadBytes(req, body) + body;
      resp = await fetch(req, { signal });
    }
    let data: ArrayBuffer | string = await resp.arrayBuffer();
    this.meter.bytesReceived += data.byteLength; // after fetch undid any gzip: payload bytes, not socket bytes
    if (resp.ok) this.addServerCounters(new Uint8Array(data), resp.headers.get('content-type') ?? '');
    const headers = new Headers(resp.headers);
    headers.delete('content-encoding'); // the body handed on is already decoded
    headers.delete('content-length');
    if (resp.status === 429 && resp.headers.get('retry-after')) {
      // The clients' errors carry a plain-text body but no headers: pass Retry-After on in the body.
      data = `rate limited; retry-after: ${resp.headers.get('retry-after')}`;
      headers.set('content-type', 'text/plain');
    }
    return new Response(data, { status: resp.status, statusText: resp.statusText, headers });
  }

  /** Hrana responses carry rows_read / rows_written per statement; the clients drop them, so read them here. */
  private addServerCounters(body: Uint8Array, contentType: string): void {
    if (contentType.includes('protobuf')) {
      const c = protobufServerCounters(body);
      this.meter.rowsRead += c.rowsRead;
      this.meter.rowsWritten += c.rowsWritten;
      return;
    }
    if (!contentType.includes('json')) return;
    for (const m of new TextDecoder().decode(body).matchAll(/"rows_(read|written)":(\d+)/g)) {
      if (m[1] === 'read') this.meter.rowsRead += Number(m[2]);
      else this.meter.rowsWritten += Number(m[2]);
    }
  }
}

/**
 * Bytes of the request line and headers as Node's fetch (undici) writes them: ours plus the ones it adds. An
 * estimate (a proxy or TLS changes the real figure), but close enough that small requests are not undercounted.
 */
function requestHeadBytes(req: Request, bodyBytes: number): number {
  const url = new URL(req.url);
  const headers = new Headers(req.headers);
  const added: Record<string, string> = {
    host: url.host, connection: 'keep-alive', accept: '*/*', 'accept-language': '*', 'sec-fetch-mode': 'cors',
    'user-agent': 'node', 'accept-encoding': 'gzip, deflate',
  };
  for (const [k, v] of Object.entries(added)) if (!headers.has(k)) headers.set(k, v);
  if (req.body) headers.set('content-length', String(bodyBytes));
  let n = `${req.method} ${url.pathname}${url.search} HTTP/1.1\r\n`.length + 2;
  headers.forEach((v, k) => { n += k.length + v.length + 4; });
  return n;
}

/** Bytes of one statement argument as it travels (a BLOB's length, a string's UTF-8 size, 8 for a number). */
export function valueBytes(v: unknown): number {
  if (v === null || v === undefined) return 0;
  if (v instanceof Uint8Array || v instanceof ArrayBuffer) return v.byteLength;
  if (typeof v === 'string') return Buffer.byteLength(v);
  return 8;
}

/** Query and fragment parameters that carry a credential (authToken, jwt, password, api_key, sig, ...). */
export const CREDENTIAL_PARAM = /token|auth|key|secret|jwt|pass|pwd|credential|sig|session/i;

/** The URL without credentials (user info, credential-like parameters, the fragment), fit for logs and history. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.username) u.username = '***';
    if (u.password) u.password = '***';
    for (const key of [...u.searchParams.keys()]) {
      if (CREDENTIAL_PARAM.test(key)) u.searchParams.set(key, '***');
    }
    u.hash = '';
    return u.toString().replace(/%2A%2A%2A/g, '***');
  } catch {
    return url.replace(/\/\/[^/@\s]*@/, '//***@').replace(/#.*$/, '')
      .replace(/([?&;][^=&#\s]*(?:token|auth|key|secret|jwt|pass|pwd|credential|sig|session)[^=&#\s]*)=[^&#\s]*/gi, '$1=***');
  }
}

/** The secret parts of a URL (user name, password, credential-like parameter values, the fragment). */
export function urlSecrets(url: string): string[] {
  try {
    const u = new URL(url);
    const params = [...u.searchParams.entries()].filter(([k]) => CREDENTIAL_PARAM.test(k)).map(([, v]) => v);
    return [u.username, u.password, decodeURIComponent(u.password), u.hash.slice(1), ...params].filter((s) => s.length >= 3);
  } catch {
    return [];
  }
}

/** Replaces every secret in the messages of an error and its causes (the URL itself by its redacted form). */
function scrubErrorChain(err: unknown, secrets: string[], display: string): void {
  const [url, ...rest] = secrets;
  for (let e = err as { message?: unknown; cause?: unknown } | undefined, i = 0; e && i < 6; e = e.cause as typeof e, i++) {
    if (typeof e.message !== 'string') continue;
    let m = e.message.split(url).join(display);
    for (const s of rest) if (s) m = m.split(s).join('***');
    if (m !== e.message) {
      try { e.message = m; } catch { /* a frozen error keeps its message */ }
    }
  }
}

/** The path of a `file:` URL as the native driver reads it (`file:rel.db` is relative, `file:///abs` absolute). */
export function localFilePath(url: string): string {
  let rest = url.slice('file:'.length).replace(/[?#].*$/, '');
  if (rest.startsWith('//')) {
    const slash = rest.indexOf('/', 2); // file://host/path: the path starts after the (empty) host
    rest = slash < 0 ? '' : rest.slice(slash);
  }
  return decodeURIComponent(rest);
}

/** Creates a missing database file owner-only (0600, its folder 0700), before the driver creates it 0644. */
function createPrivateFile(file: string): void {
  if (!file || fs.existsSync(file)) return;
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: PRIVATE_DIR_MODE });
  fs.closeSync(fs.openSync(file, 'a', PRIVATE_FILE_MODE));
}
