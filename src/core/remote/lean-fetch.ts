// A fetch for Hrana requests that sends only the headers HTTP/1.1 and a libSQL server need. Node's fetch (undici)
// adds accept, accept-language, sec-fetch-mode, user-agent and a content-type to every request: 165 bytes on a
// 1.4 KB auto-sync (scripts/measure-small-sync.ts), for a server that reads none of them.
import * as http from 'node:http';
import * as https from 'node:https';
import { gunzipSync, inflateSync } from 'node:zlib';

const agents = {
  'http:': new http.Agent({ keepAlive: true }),
  'https:': new https.Agent({ keepAlive: true }),
};

/** The header lines of a request, exactly as written to the socket, and their size (what the meter counts). */
export interface LeanRequest {
  url: URL;
  method: string;
  headers: [string, string][];
  body: Uint8Array;
  headBytes: number;
}

/** What will go on the wire for `req`: host, content length, the caller's authorization, gzip allowed back. */
export async function leanRequest(req: Request): Promise<LeanRequest> {
  const url = new URL(req.url);
  const body = req.body ? new Uint8Array(await req.arrayBuffer()) : new Uint8Array(0);
  // Node writes "Connection: keep-alive" for a keep-alive agent unless told: said here, so the count is exact.
  const headers: [string, string][] = [['host', url.host], ['connection', 'keep-alive']];
  const auth = req.headers.get('authorization');
  if (auth) headers.push(['authorization', auth]);
  if (req.method !== 'GET' || body.length) headers.push(['content-length', String(body.length)]);
  // Pulls read pages of up to a few MB: let the server compress them.
  headers.push(['accept-encoding', 'gzip']);
  let headBytes = `${req.method} ${url.pathname}${url.search} HTTP/1.1\r\n`.length + 2;
  for (const [k, v] of headers) headBytes += k.length + v.length + 4;
  return { url, method: req.method, headers, body, headBytes };
}

/** Sends a prepared request and reads the whole answer; aborts with `signal`. */
export function leanFetch(r: LeanRequest, signal: AbortSignal): Promise<Response> {
  const mod = r.url.protocol === 'https:' ? https : http;
  const agent = r.url.protocol === 'https:' ? agents['https:'] : agents['http:'];
  return new Promise<Response>((resolve, reject) => {
    const req = mod.request(r.url, { method: r.method, agent, signal, setHost: false,
      headers: Object.fromEntries(r.headers) }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (chunk: Buffer) => parts.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        try {
          resolve(toResponse(res, Buffer.concat(parts)));
        } catch (err) {
          reject(err as Error);
        }
      });
    });
    req.on('error', reject);
    req.end(r.body);
  });
}

function toResponse(res: http.IncomingMessage, raw: Buffer): Response {
  const encoding = res.headers['content-encoding'];
  const body = encoding === 'gzip' ? gunzipSync(raw) : encoding === 'deflate' ? inflateSync(raw) : raw;
  const headers = new Headers();
  for (const [k, v] of Object.entries(res.headers)) {
    if (v === undefined || k === 'content-encoding' || k === 'content-length') continue;
    headers.set(k, Array.isArray(v) ? v.join(', ') : v);
  }
  const status = res.statusCode ?? 502;
  // A Response cannot carry a body for these statuses.
  const empty = status === 204 || status === 304 || body.length === 0;
  return new Response(empty ? null : new Uint8Array(body), { status, statusText: res.statusMessage, headers });
}
