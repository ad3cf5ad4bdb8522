import { createClient, InStatement, ResultSet, TransactionMode } from '@libsql/client';
import { HranaHttp, protobufServerCounters } from './hrana-http';

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
  private readonly client: Backend;
  private readonly timeoutMs: number;

  constructor(readonly target: RemoteTarget, opts: RemoteOptions = {}) {
    this.isFile = target.url.startsWith('file:');
    this.meter = opts.meter ?? newMeter();
    this.timeoutMs = opts.timeoutMs ?? REQUEST_TIMEOUT_MS;
    const counted = (req: Request) => this.countedFetch(req);
    this.client = HTTP_SCHEMES.test(target.url) && opts.wire !== 'stock'
      ? new HranaHttp(target.url, target.authToken, counted)
      : createClient({
        url: target.url, authToken: target.authToken, intMode: 'number', ...(this.isFile ? {} : { fetch: counted }),
      });
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
    return this.client.batch(stmts, mode);
  }

  async execute(stmt: InStatement): Promise<ResultSet> {
    if (this.isFile) this.countLocal([stmt]);
    return this.client.execute(stmt);
  }

  close(): void {
    this.client.close();
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

  private async countedFetch(req: Request): Promise<Response> {
    this.meter.roundTrips++;
    const body = req.body ? (await req.clone().arrayBuffer()).byteLength : 0;
    this.meter.bytesSent += requestHeadBytes(req, body) + body;
    const signal = AbortSignal.any([req.signal, AbortSignal.timeout(this.timeoutMs)]);
    const resp = await fetch(req, { signal });
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

export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    for (const key of [...u.searchParams.keys()]) {
      if (/token|auth|key|secret/i.test(key)) u.searchParams.set(key, '***');
    }
    return u.toString();
  } catch {
    return url.replace(/(authToken|token)=[^&]+/gi, '$1=***');
  }
}
