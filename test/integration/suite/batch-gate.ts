// An HTTP relay in front of a real libSQL server that can hold sync batches: the extension syncs through it as
// through any remote, and a test decides when the batches after the first may reach the server. A sync then stays in
// the middle ("Syncing 1/n") for exactly as long as the test needs to look, however fast or slow the machine is, with
// no latency to tune and no timing bound. Requests pass byte for byte (headers, token and compressed answers too).
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface BatchGate {
  /** The URL to sync to (http://127.0.0.1:PORT). */
  url: string;
  /** From now on, lets `n` batch uploads through and holds every later one until release(). */
  holdAfter(n: number): void;
  /** Lets every held upload go on, and holds nothing from now on. */
  release(): void;
  close(): Promise<void>;
}

// Every batch the sync uploads starts with its ledger row (src/core/sync/optimized.ts, statements()); set-up requests
// (schema, dictionary) and reads do not write it. The SQL text travels as is in Hrana's JSON and protobuf alike.
const BATCH_MARK = Buffer.from('INSERT INTO sync_batches(');

export async function startBatchGate(target: string): Promise<BatchGate> {
  const to = new URL(target);
  let allowed = Infinity;
  let waiting: Array<() => void> = [];
  const admit = (): Promise<void> => {
    if (allowed > 0) {
      allowed--;
      return Promise.resolve();
    }
    return new Promise((resolve) => waiting.push(resolve));
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      void (body.includes(BATCH_MARK) ? admit() : Promise.resolve()).then(() => {
        const up = http.request({ host: to.hostname, port: to.port, method: req.method, path: req.url,
          headers: { ...req.headers, host: to.host } }, (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        });
        up.on('error', (err) => res.destroy(err));
        up.end(body);
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const release = () => {
    allowed = Infinity;
    const go = waiting;
    waiting = [];
    go.forEach((resolve) => resolve());
  };
  return {
    url: `http://127.0.0.1:${port}`,
    holdAfter(n) {
      allowed = n;
    },
    release,
    async close() {
      release();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
