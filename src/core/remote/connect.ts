import { createClient, Client, InStatement, ResultSet, TransactionMode } from '@libsql/client';

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

export function newMeter(): RemoteMeter {
  return { bytesSent: 0, bytesReceived: 0, roundTrips: 0, rowsRead: 0, rowsWritten: 0 };
}

/**
 * A libSQL database through @libsql/client, with every request counted. `file:` URLs are the embedded
 * default (the native libsql module); http(s)/libsql/ws(s) URLs are a server such as Turso.
 */
export class Remote {
  readonly meter: RemoteMeter = newMeter();
  readonly isFile: boolean;
  private readonly client: Client;

  constructor(readonly target: RemoteTarget, private readonly timeoutMs = REQUEST_TIMEOUT_MS) {
    this.isFile = target.url.startsWith('file:');
    this.client = createClient({
      url: target.url,
      authToken: target.authToken,
      intMode: 'number',
      ...(this.isFile ? {} : { fetch: (req: Request) => this.countedFetch(req) }),
    });
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
    let headerBytes = `${req.method} ${new URL(req.url).pathname} HTTP/1.1\r\n`.length + 2;
    req.headers.forEach((v, k) => { headerBytes += k.length + v.length + 4; });
    this.meter.bytesSent += headerBytes + body;
    const signal = AbortSignal.any([req.signal, AbortSignal.timeout(this.timeoutMs)]);
    const resp = await fetch(req, { signal });
    let text = await resp.text();
    this.meter.bytesReceived += text.length;
    if (resp.ok) this.addServerCounters(text);
    const headers = new Headers(resp.headers);
    if (resp.status === 429 && resp.headers.get('retry-after')) {
      // The client's error carries a plain-text body but no headers: pass Retry-After on in the body.
      text = `rate limited; retry-after: ${resp.headers.get('retry-after')}`;
      headers.set('content-type', 'text/plain');
    }
    return new Response(text, { status: resp.status, statusText: resp.statusText, headers });
  }

  /** Hrana responses carry rows_read / rows_written per statement; @libsql/client drops them, so read them here. */
  private addServerCounters(text: string): void {
    for (const m of text.matchAll(/"rows_(read|written)":(\d+)/g)) {
      if (m[1] === 'read') this.meter.rowsRead += Number(m[2]);
      else this.meter.rowsWritten += Number(m[2]);
    }
  }
}

function valueBytes(v: unknown): number {
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
