// An HTTP hop in front of a real sqld that lets sync batches through until it is told to hold one: the test then
// knows a sync is mid-upload, with a batch in flight, for as long as it likes, without any timing.
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface HeldRemote {
  url: string;
  /** Resolves when the batch after the first `passBatches` reached the hop (and is held there). */
  held: Promise<void>;
  /** Lets the held batch, and everything after it, through. */
  release(): void;
  close(): Promise<void>;
}

/** Every batch the optimized sync sends starts with its ledger row; nothing else writes this text. */
const BATCH_MARK = 'sync_batches(batch_id';

export async function startHeldRemote(target: string, passBatches: number): Promise<HeldRemote> {
  const upstream = new URL(target);
  let batches = 0;
  let open = false;
  let onHeld!: () => void;
  let onRelease!: () => void;
  const held = new Promise<void>((resolve) => { onHeld = resolve; });
  const released = new Promise<void>((resolve) => { onRelease = resolve; });
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => void (async () => {
      const body = Buffer.concat(chunks);
      if (!open && body.includes(BATCH_MARK) && ++batches > passBatches) {
        onHeld();
        await released;
      }
      const out = http.request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url,
        headers: { ...req.headers, host: upstream.host } }, (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      });
      out.on('error', () => res.destroy());
      out.end(body);
    })());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    held,
    release: () => { open = true; onRelease(); },
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
