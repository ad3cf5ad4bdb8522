// The benchmark's link shaper: its bandwidth cap is one link shared by all connections, as on a real network,
// so parallel uploads cannot look faster than the link allows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { startShapedProxy } from '../../src/lab/shaped-proxy';

/** A TCP server that swallows what it is sent and reports when `total` bytes have arrived. */
async function sink(total: number): Promise<{ port: number; done: Promise<number>; close: () => void }> {
  let received = 0;
  let resolve!: (at: number) => void;
  const done = new Promise<number>((r) => { resolve = r; });
  const server = net.createServer((s) => s.on('data', (b: Buffer) => {
    received += b.length;
    if (received >= total) resolve(performance.now());
  }));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { port: (server.address() as net.AddressInfo).port, done, close: () => server.close() };
}

test('two connections through an 8 Mbit/s link share it: 2 x 100 KB take twice as long as one', async () => {
  const bytes = 100 * 1024; // 8 Mbit/s = 1 MB/s: about 102 ms for one, 205 ms for both
  const target = await sink(2 * bytes);
  const proxy = await startShapedProxy({ target: { host: '127.0.0.1', port: target.port }, mbit: 8 });
  const sockets: net.Socket[] = [];
  try {
    const t0 = performance.now();
    for (let i = 0; i < 2; i++) {
      const s = net.connect({ host: '127.0.0.1', port: proxy.port });
      sockets.push(s);
      s.write(Buffer.alloc(bytes, i));
    }
    const ms = (await target.done) - t0;
    assert.ok(ms >= 190, `both arrived after ${Math.round(ms)} ms; a per-connection cap would take about 102 ms`);
    assert.equal(proxy.stats().bytesUp, 2 * bytes);
  } finally {
    for (const s of sockets) s.destroy();
    await proxy.close();
    target.close();
  }
});
