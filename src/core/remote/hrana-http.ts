// Hrana v3 over protobuf for libSQL servers (sqld, Turso), through @libsql/hrana-client.
// @libsql/client 0.18 speaks Hrana v2 JSON over HTTP, where every BLOB travels base64-encoded (+33%) and every
// argument as a JSON object; protobuf sends BLOBs as raw bytes. This class keeps @libsql/client's `batch` and
// `execute` semantics (one HTTP request each, one transaction per batch) and error shapes, so callers cannot tell
// the difference except on the wire.
import * as hrana from '@libsql/hrana-client';
import {
  LibsqlBatchError, LibsqlError, type InArgs, type InStatement, type ResultSet, type Row, type TransactionMode,
} from '@libsql/client';

export type FetchFn = (req: Request) => Promise<Response>;

// Like @libsql/client: SQL texts are stored on the server once per batch (sqld refuses stored SQL of 5 KB or
// more). We store only texts used twice or more, where a reference is cheaper than repeating the text.
const SQL_CACHE_MAX = 30;
const SQL_CACHE_MAX_CHARS = 5000;

/**
 * Base URLs whose v3 endpoint must be probed for real. hrana-client probes the version (a GET) once per client, and
 * every CLI run and the first sync of an editor window open a new client: one round trip more for a tiny sync. Turso
 * and sqld serve v3, so the probe is answered "yes" here without asking; a server that then answers 404 to the v3
 * pipeline lands in this set, and the request is made again after a real probe (404: nothing was executed).
 */
const probeFor = new Set<string>();

const BEGIN: Record<TransactionMode, string> = {
  write: 'BEGIN IMMEDIATE', read: 'BEGIN TRANSACTION READONLY', deferred: 'BEGIN DEFERRED',
};

export class HranaHttp {
  readonly baseUrl: string;
  private client: hrana.HttpClient | undefined;
  private closed = false;

  constructor(url: string, private readonly authToken: string | undefined, private readonly fetchFn: FetchFn) {
    this.baseUrl = httpBaseUrl(url);
  }

  /** One statement, outside any transaction, in one HTTP request (the stream opens and closes with it). */
  async execute(stmt: InStatement): Promise<ResultSet> {
    return this.onEndpoint(async () => {
      const stream = this.connect().openStream();
      const rows = stream.query(toHranaStmt(stmt));
      stream.closeGracefully();
      return toResultSet(await rows);
    });
  }

  /** All statements in one transaction and one HTTP request: all commit or none do. */
  async batch(stmts: InStatement[], mode: TransactionMode = 'deferred'): Promise<ResultSet[]> {
    return this.onEndpoint(() => this.batchOnce(stmts, mode));
  }

  /** Runs `op`; if the assumed v3 endpoint is missing (HTTP 404), probes the server for real and runs it again. */
  private async onEndpoint<T>(op: () => Promise<T>): Promise<T> {
    try {
      return await op();
    } catch (e) {
      if (!isMissingEndpoint(e) || probeFor.has(this.baseUrl)) throw mapHranaError(e);
      probeFor.add(this.baseUrl);
      this.client?.close();
      this.client = undefined;
      try {
        return await op();
      } catch (again) {
        throw mapHranaError(again);
      }
    }
  }

  private async batchOnce(stmts: InStatement[], mode: TransactionMode): Promise<ResultSet[]> {
    const client = this.connect();
    const version = await client.getVersion();
    const stream = client.openStream();
    let results: Promise<ResultSet[]>;
    try {
      const hranaStmts = stmts.map(toHranaStmt);
      storeRepeatedSql(stream, hranaStmts);
      results = runInTransaction(stream.batch(false), mode, version, hranaStmts);
    } finally {
      stream.closeGracefully(); // pipelined: the close rides in the same request as the batch
    }
    return await results;
  }

  close(): void {
    this.closed = true;
    this.client?.close();
  }

  /**
   * hrana-client closes a client for good when its protocol-version probe fails (server down at start-up, say);
   * a later retry must not inherit that, so a closed client is replaced.
   */
  private connect(): hrana.HttpClient {
    if (this.closed) throw new LibsqlError('The client is closed', 'CLIENT_CLOSED');
    if (!this.client || this.client.closed) {
      this.client = hrana.openHttp(this.baseUrl, this.authToken, (req: Request) => this.probeAwareFetch(req),
        undefined, 3);
      this.client.intMode = 'number';
    }
    return this.client;
  }

  /**
   * The version probe (GET /v3-protobuf) is answered "yes" without a request unless this server refused v3 before
   * (see probeFor). A real probe falls back to v2 JSON for the client's lifetime on any non-OK answer. Only "no
   * such endpoint" should mean that: a server error, rate limit or auth failure becomes an error (and a fresh client
   * on retry). The probe also carries the token, in case a server guards it.
   */
  private async probeAwareFetch(req: Request): Promise<Response> {
    if (req.method !== 'GET') return this.fetchFn(req);
    if (!probeFor.has(this.baseUrl)) return new Response(null, { status: 200 });
    const headers = new Headers(req.headers);
    if (this.authToken && !headers.has('authorization')) headers.set('authorization', `Bearer ${this.authToken}`);
    const resp = await this.fetchFn(new Request(req, { headers }));
    if (resp.status >= 500 || [401, 403, 429].includes(resp.status)) {
      const text = (await resp.text()).trim();
      throw new hrana.HttpServerError(`Server returned HTTP status ${resp.status}${text ? `: ${text}` : ''}`,
        resp.status);
    }
    return resp;
  }
}

/** An HTTP 404 from the server anywhere in the error's causes: the endpoint asked for does not exist there. */
function isMissingEndpoint(e: unknown): boolean {
  for (let x = e, depth = 0; x && depth < 5; x = (x as { cause?: unknown }).cause, depth++) {
    if (x instanceof hrana.HttpServerError && x.status === 404) return true;
  }
  return false;
}

/** The HTTP base URL of a libsql:/http:/https: URL; libsql: means TLS unless `?tls=0`, as in @libsql/client. */
export function httpBaseUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch (e) {
    throw new LibsqlError(`The URL '${url}' is not in a valid format`, 'URL_INVALID', undefined, undefined, e as Error);
  }
  let scheme = u.protocol.slice(0, -1);
  if (scheme === 'libsql') scheme = u.searchParams.get('tls') === '0' ? 'http' : 'https';
  if (scheme !== 'http' && scheme !== 'https') {
    throw new LibsqlError(`Hrana over HTTP supports libsql:, https: and http: URLs, got "${u.protocol}"`,
      'URL_SCHEME_NOT_SUPPORTED');
  }
  const path = u.pathname === '/' ? '' : u.pathname;
  return `${scheme}://${u.host}${path}`;
}

/**
 * The same steps as @libsql/client's executeHranaBatch: BEGIN, each statement only if the previous step succeeded
 * and the connection is still inside the transaction, COMMIT under the same conditions, ROLLBACK if COMMIT did not
 * succeed.
 */
async function runInTransaction(batch: hrana.Batch, mode: TransactionMode, version: number,
  stmts: hrana.Stmt[]): Promise<ResultSet[]> {
  const inTransaction = (step: hrana.BatchStep): hrana.BatchStep => {
    // is_autocommit exists from v3 on; it guards against a statement that ended the transaction itself.
    return version >= 3 ? step.condition(hrana.BatchCond.not(hrana.BatchCond.isAutocommit(batch))) : step;
  };
  const beginStep = batch.step();
  const begun = beginStep.run(BEGIN[mode]);
  let last = beginStep;
  const pending = stmts.map((stmt) => {
    const step = inTransaction(batch.step().condition(hrana.BatchCond.ok(last)));
    last = step;
    const rows = step.query(stmt);
    rows.catch(() => undefined); // awaited below; this only keeps an early throw from leaving it unhandled
    return rows;
  });
  const commitStep = inTransaction(batch.step().condition(hrana.BatchCond.ok(last)));
  const committed = commitStep.run('COMMIT');
  committed.catch(() => undefined);
  batch.step().condition(hrana.BatchCond.not(hrana.BatchCond.ok(commitStep))).run('ROLLBACK')
    .catch(() => undefined);
  await batch.execute();
  await begun;
  const results: ResultSet[] = [];
  for (let i = 0; i < pending.length; i++) results.push(toResultSet(await stepResult(pending[i], i)));
  await committed;
  return results;
}

async function stepResult(rows: Promise<hrana.RowsResult | undefined>, index: number): Promise<hrana.RowsResult> {
  let result: hrana.RowsResult | undefined;
  try {
    result = await rows;
  } catch (e) {
    const mapped = mapHranaError(e);
    if (!(mapped instanceof LibsqlError)) throw mapped;
    throw new LibsqlBatchError(mapped.message, index, mapped.code, mapped.extendedCode, mapped.rawCode,
      mapped.cause instanceof Error ? mapped.cause : undefined);
  }
  if (result === undefined) {
    throw new LibsqlBatchError('Statement in a batch was not executed, probably because the transaction has been ' +
      'rolled back', index, 'TRANSACTION_CLOSED');
  }
  return result;
}

/** Identical texts share one server-side copy; the others stay inline. */
function storeRepeatedSql(stream: hrana.HttpStream, stmts: hrana.Stmt[]): void {
  const uses = new Map<string, number>();
  for (const s of stmts) if (typeof s.sql === 'string') uses.set(s.sql, (uses.get(s.sql) ?? 0) + 1);
  const stored = new Map<string, hrana.Sql>();
  for (const [text, count] of uses) {
    if (stored.size >= SQL_CACHE_MAX) break;
    if (count > 1 && text.length < SQL_CACHE_MAX_CHARS) stored.set(text, stream.storeSql(text));
  }
  for (const s of stmts) {
    const sql = typeof s.sql === 'string' ? stored.get(s.sql) : undefined;
    if (sql) s.sql = sql;
  }
}

function toHranaStmt(stmt: InStatement | [string, InArgs?]): hrana.Stmt {
  const [sql, args] = typeof stmt === 'string' ? [stmt, undefined] : Array.isArray(stmt) ? stmt : [stmt.sql, stmt.args];
  const out = new hrana.Stmt(sql);
  if (Array.isArray(args)) out.bindIndexes(args);
  else if (args) for (const [name, value] of Object.entries(args)) out.bindName(name, value);
  return out;
}

class HranaResultSet implements ResultSet {
  constructor(readonly columns: string[], readonly columnTypes: string[], readonly rows: Row[],
    readonly rowsAffected: number, readonly lastInsertRowid: bigint | undefined) {}

  toJSON(): unknown {
    const json = (v: unknown): unknown => (typeof v === 'bigint' ? String(v) :
      v instanceof ArrayBuffer ? Buffer.from(v).toString('base64') : v);
    return {
      columns: this.columns, columnTypes: this.columnTypes, rowsAffected: this.rowsAffected,
      rows: this.rows.map((r) => Array.prototype.map.call(r, json)),
      lastInsertRowid: this.lastInsertRowid !== undefined ? String(this.lastInsertRowid) : null,
    };
  }
}

/** Rows stay hrana-client's row objects (indexable by number and by column name), as @libsql/client returns. */
function toResultSet(r: hrana.RowsResult): ResultSet {
  return new HranaResultSet(r.columnNames.map((c) => c ?? ''), r.columnDecltypes.map((c) => c ?? ''),
    r.rows as unknown as Row[], r.affectedRowCount, r.lastInsertRowid);
}

/** As @libsql/client's mapHranaError: protocol errors become LibsqlError (message kept, original as cause). */
export function mapHranaError(e: unknown): unknown {
  if (!(e instanceof hrana.ClientError)) return e;
  return new LibsqlError(e.message, hranaErrorCode(e), undefined, undefined, e);
}

function hranaErrorCode(e: hrana.ClientError): string {
  if (e instanceof hrana.ResponseError && e.code !== undefined) return e.code;
  if (e instanceof hrana.ProtoError) return 'HRANA_PROTO_ERROR';
  if (e instanceof hrana.ClosedError) {
    return e.cause instanceof hrana.ClientError ? hranaErrorCode(e.cause) : 'HRANA_CLOSED_ERROR';
  }
  if (e instanceof hrana.HttpServerError) return 'SERVER_ERROR';
  if (e instanceof hrana.ProtocolVersionError) return 'PROTOCOL_VERSION_ERROR';
  if (e instanceof hrana.InternalError) return 'INTERNAL_ERROR';
  return 'UNKNOWN';
}

// ---- server counters in protobuf responses ----

/*
 * sqld's StmtResult carries rows_read (field 6) and rows_written (field 7), besides replication_index (5) and
 * query_duration_ms (8); hrana-client's decoder skips them. Field numbers found by decoding real sqld 0.24
 * responses (an INSERT of 3 rows gave 7 = 3, a SELECT of them 6 = 3). We walk only the paths that lead to a
 * StmtResult in a PipelineRespBody:
 *   results(3) > ok(1) > execute(2) > result(1)
 *   results(3) > ok(1) > batch(3) > result(1) > step_results(1) > result(2)
 */
const STMT_RESULT_PATHS = [[3, 1, 2, 1], [3, 1, 3, 1, 1, 2]];
const ROWS_READ = 6;
const ROWS_WRITTEN = 7;

export interface ServerCounters {
  rowsRead: number;
  rowsWritten: number;
}

/** Sums rows_read / rows_written over every statement result in a v3 protobuf pipeline response. */
export function protobufServerCounters(body: Uint8Array): ServerCounters {
  const out: ServerCounters = { rowsRead: 0, rowsWritten: 0 };
  const onStmtResult = (start: number, end: number): void => {
    for (const f of fields(body, start, end)) {
      if (f.wire !== 0) continue;
      if (f.num === ROWS_READ) out.rowsRead += f.value;
      else if (f.num === ROWS_WRITTEN) out.rowsWritten += f.value;
    }
  };
  try {
    for (const path of STMT_RESULT_PATHS) descend(body, 0, body.length, path, onStmtResult);
  } catch {
    // A malformed body is hrana-client's to report; the meter only loses this response's counters.
  }
  return out;
}

function descend(buf: Uint8Array, start: number, end: number, path: number[],
  visit: (start: number, end: number) => void): void {
  if (path.length === 0) return visit(start, end);
  for (const f of fields(buf, start, end)) {
    if (f.wire === 2 && f.num === path[0]) descend(buf, f.start, f.end, path.slice(1), visit);
  }
}

interface Field {
  num: number;
  wire: number;
  /** Varint value (wire type 0). */
  value: number;
  /** Payload bounds (wire type 2). */
  start: number;
  end: number;
}

function* fields(buf: Uint8Array, start: number, end: number): Generator<Field> {
  let at = start;
  const varint = (): number => {
    let v = 0;
    for (let scale = 1; ; scale *= 128) {
      if (at >= end) throw new RangeError('truncated varint');
      const b = buf[at++];
      v += (b & 0x7f) * scale; // multiply, not shift: values can pass 2^31
      if (b < 0x80) return v;
    }
  };
  while (at < end) {
    const key = varint();
    const f: Field = { num: Math.floor(key / 8), wire: key % 8, value: 0, start: 0, end: 0 };
    if (f.wire === 0) f.value = varint();
    else if (f.wire === 1) at += 8;
    else if (f.wire === 5) at += 4;
    else if (f.wire === 2) {
      const len = varint();
      f.start = at;
      f.end = at += len;
      if (f.end > end) throw new RangeError('truncated field');
    } else throw new RangeError(`unsupported wire type ${f.wire}`);
    yield f;
  }
}
