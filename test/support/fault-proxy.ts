// An HTTP proxy in front of sqld's HTTP port that injects one fault per request, following a schedule.
// It buffers each request and response whole (Hrana pipelines are small) so every fault is exact: 'reset-before'
// means the server saw nothing, 'reset-after' means the server committed and only the reply was lost.
import * as http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type Fault =
  | 'pass'
  /** Destroy the client socket before anything reaches the server. */
  | 'reset-before'
  /** Forward, let the server finish (and commit), then destroy the client socket without replying. */
  | 'reset-after'
  /** Never answer; the request hangs until the client gives up or the proxy closes. */
  | 'stall'
  /** Answer with this status without forwarding (optionally with Retry-After). */
  | { status: number; retryAfterSec?: number }
  /** Wait, then forward normally. */
  | { delayMs: number };

/** `n` counts requests from 0 in arrival order. */
export type Schedule = (n: number, req: http.IncomingMessage) => Fault;

export interface RequestRecord {
  n: number;
  method: string;
  path: string;
  fault: Fault;
  /** Status the client received, or undefined if it got none (reset, stall). */
  status?: number;
}

export interface FaultProxy {
  url: string;
  requests(): RequestRecord[];
  setSchedule(fn: Schedule): void;
  close(): Promise<void>;
}

interface Upstream {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

// Headers describing one hop's connection or framing; the proxy re-frames bodies itself.
const HOP_BY_HOP = ['connection', 'keep-alive', 'transfer-encoding', 'content-length', 'host', 'upgrade'];

function stripHopHeaders(headers: http.IncomingHttpHeaders): http.OutgoingHttpHeaders {
  const out: http.OutgoingHttpHeaders = { ...headers };
  for (const h of HOP_BY_HOP) delete out[h];
  return out;
}

function readBody(stream: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}

function forward(
  target: { host: string; port: number },
  agent: http.Agent,
  req: http.IncomingMessage,
  body: Buffer,
): Promise<Upstream> {
  return new Promise((resolve, reject) => {
    const headers = { ...stripHopHeaders(req.headers), 'content-length': body.length };
    const out = http.request(
      { host: target.host, port: target.port, method: req.method, path: req.url, headers, agent },
      (res) => {
        readBody(res).then((b) => resolve({ status: res.statusCode ?? 502, headers: res.headers, body: b }), reject);
      },
    );
    out.on('error', reject);
    out.end(body);
  });
}

function reply(res: http.ServerResponse, up: Upstream): void {
  res.writeHead(up.status, { ...stripHopHeaders(up.headers), 'content-length': up.body.length });
  res.end(up.body);
}

function injectStatus(res: http.ServerResponse, status: number, retryAfterSec?: number): void {
  const body = `injected fault: HTTP ${status}`;
  const headers: http.OutgoingHttpHeaders = { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body) };
  if (retryAfterSec !== undefined) headers['retry-after'] = String(retryAfterSec);
  res.writeHead(status, headers);
  res.end(body);
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function startFaultProxy(opts: {
  target: { host: string; port: number };
  schedule?: Schedule;
}): Promise<FaultProxy> {
  let schedule: Schedule = opts.schedule ?? (() => 'pass');
  const log: RequestRecord[] = [];
  const sockets = new Set<Socket>();
  // A fresh upstream connection per request: a reused one the server closed while idle would fail the request
  // and look like an injected fault, and fault tests must be exact.
  const agent = new http.Agent({ keepAlive: false });

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const rec: RequestRecord = { n: log.length, method: req.method ?? 'GET', path: req.url ?? '/', fault: 'pass' };
    log.push(rec);
    rec.fault = schedule(rec.n, req);
    const body = await readBody(req);
    const fault = rec.fault;
    if (fault === 'stall') return; // the socket is destroyed by close()
    if (fault === 'reset-before') return void req.socket.destroy();
    if (typeof fault === 'object' && 'status' in fault) {
      rec.status = fault.status;
      return injectStatus(res, fault.status, fault.retryAfterSec);
    }
    if (typeof fault === 'object' && 'delayMs' in fault) await sleep(fault.delayMs);
    let up: Upstream;
    try {
      up = await forward(opts.target, agent, req, body);
    } catch {
      return void req.socket.destroy(); // server unreachable: the client sees a dropped connection, as without us
    }
    if (fault === 'reset-after') return void req.socket.destroy();
    rec.status = up.status;
    reply(res, up);
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch(() => req.socket.destroy());
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}`,
    requests: () => log.map((r) => ({ ...r })),
    setSchedule: (fn) => {
      schedule = fn;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        agent.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A schedule that injects `fault` into about `fraction` of requests, decided by `rng` (values in [0, 1)). */
export function failEvery(fraction: number, rng: () => number, fault: Fault = { status: 500 }): Schedule {
  return () => (rng() < fraction ? fault : 'pass');
}

/** A small seeded generator (mulberry32) so fault runs are reproducible from a seed. */
export function seededRng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
