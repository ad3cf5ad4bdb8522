// A loopback TCP proxy that counts the bytes a client really puts on the wire and can make the link look like
// a slow or distant network (latency + bandwidth cap). Used by tests and by the benchmark command, so it must stay
// free of test-framework imports. It works below HTTP/WebSocket, so counts include headers, framing and TLS-less
// protocol overhead exactly as a server would see them.
import * as net from 'node:net';

export interface LinkShape {
  /** Round-trip time to add; each direction delays every chunk by half of it. */
  rttMs?: number;
  /**
   * Bandwidth cap per direction in Mbit/s (10^6 bits), shared by all connections as one link is. Undefined or
   * <= 0 means unlimited.
   */
  mbit?: number;
}

export interface ProxyStats {
  /** Bytes received from clients (client -> server). */
  bytesUp: number;
  /** Bytes received from the server (server -> client). */
  bytesDown: number;
  /** Client connections accepted since start or the last reset. */
  connections: number;
  /** Client connections open right now (not reset by resetStats). */
  activeConnections: number;
}

export interface ShapedProxy {
  port: number;
  url(scheme?: string): string;
  stats(): ProxyStats;
  resetStats(): void;
  setShape(shape: LinkShape): void;
  close(): Promise<void>;
}

export interface ShapedProxyOptions extends LinkShape {
  target: { host: string; port: number };
}

// Above this many queued bytes in one direction the sender is paused, so a slow link cannot buffer without bound.
const HIGH_WATER = 1 << 20;
// Big chunks are split so pacing stays smooth at low bandwidth instead of arriving in 64 KB bursts.
const SLICE = 16 * 1024;

interface QueueItem {
  at: number;
  data: Buffer | null; // null marks the end of the stream (half-close)
}

/** One direction of the link, shared by every connection: when it finishes sending what it was given so far. */
interface LinkClock {
  freeAt: number;
}

/**
 * One direction of one connection: a FIFO released on a timer, modelling a serial link plus propagation delay.
 * The link's clock is shared by the direction's lanes, so parallel connections split the bandwidth instead of each
 * getting all of it.
 */
class Lane {
  private queue: QueueItem[] = [];
  private queued = 0;
  private lastAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private awaitingDrain = false;

  constructor(
    private readonly from: net.Socket,
    private readonly to: net.Socket,
    private readonly shape: () => LinkShape,
    private readonly link: LinkClock,
    private readonly count: (n: number) => void,
  ) {
    from.on('data', (chunk: Buffer) => this.onData(chunk));
    from.on('end', () => this.push(null, this.deliveryTime(0)));
  }

  private onData(chunk: Buffer): void {
    this.count(chunk.length);
    const { rttMs, mbit } = this.shape();
    if (!rttMs && !(mbit && mbit > 0) && this.queue.length === 0) {
      this.write(chunk); // unshaped: forward at once, as if there were no proxy
      return;
    }
    for (let off = 0; off < chunk.length; off += SLICE) {
      const piece = chunk.subarray(off, off + SLICE);
      this.push(piece, this.deliveryTime(piece.length));
    }
    if (this.queued > HIGH_WATER) this.from.pause();
  }

  /** When `bytes` sent now would arrive: wait for the link, transmit at the cap, then propagate. */
  private deliveryTime(bytes: number): number {
    const { rttMs = 0, mbit } = this.shape();
    const now = performance.now();
    const txMs = mbit && mbit > 0 ? (bytes * 8) / (mbit * 1000) : 0;
    const sent = txMs > 0 ? Math.max(now, this.link.freeAt) + txMs : now;
    if (txMs > 0) this.link.freeAt = sent;
    // Never reorder, even if the shape changes mid-stream.
    this.lastAt = Math.max(this.lastAt, sent + rttMs / 2);
    return this.lastAt;
  }

  private push(data: Buffer | null, at: number): void {
    this.queue.push({ at, data });
    this.queued += data?.length ?? 0;
    this.schedule();
  }

  private schedule(): void {
    if (this.timer || this.queue.length === 0) return;
    const wait = Math.max(0, this.queue[0].at - performance.now());
    this.timer = setTimeout(() => this.release(), wait);
  }

  private release(): void {
    this.timer = undefined;
    const now = performance.now();
    while (this.queue.length > 0 && this.queue[0].at <= now) {
      const item = this.queue.shift()!;
      if (item.data === null) {
        this.to.end();
        continue;
      }
      this.queued -= item.data.length;
      this.write(item.data);
    }
    this.maybeResume();
    this.schedule();
  }

  /** Forward with backpressure: a full destination socket pauses the source until it drains. */
  private write(data: Buffer): void {
    if (this.to.write(data) || this.awaitingDrain) return;
    this.awaitingDrain = true;
    this.from.pause();
    this.to.once('drain', () => {
      this.awaitingDrain = false;
      this.maybeResume();
    });
  }

  private maybeResume(): void {
    if (this.queued <= HIGH_WATER / 2 && !this.awaitingDrain && this.from.isPaused()) this.from.resume();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.queue = [];
  }
}

function emptyStats(active: number): ProxyStats {
  return { bytesUp: 0, bytesDown: 0, connections: 0, activeConnections: active };
}

/** Start the proxy on 127.0.0.1 with an OS-chosen port. */
export async function startShapedProxy(opts: ShapedProxyOptions): Promise<ShapedProxy> {
  let shape: LinkShape = { rttMs: opts.rttMs, mbit: opts.mbit };
  const sockets = new Set<net.Socket>();
  let stats = emptyStats(0);
  const upLink: LinkClock = { freeAt: 0 };
  const downLink: LinkClock = { freeAt: 0 };

  // allowHalfOpen: a client that finishes sending must still receive the reply, as it would without the proxy.
  const server = net.createServer({ allowHalfOpen: true }, (client) => {
    stats.connections++;
    const upstream = net.connect({ port: opts.target.port, host: opts.target.host, allowHalfOpen: true });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.setNoDelay(true);
    }
    stats.activeConnections++;
    const up = new Lane(client, upstream, () => shape, upLink, (n) => (stats.bytesUp += n));
    const down = new Lane(upstream, client, () => shape, downLink, (n) => (stats.bytesDown += n));
    let closed = false;
    // Either side failing (refused, reset) tears down both, so the client sees the failure as a server would cause it.
    const teardown = (): void => {
      if (closed) return;
      closed = true;
      stats.activeConnections--;
      up.stop();
      down.stop();
      for (const s of [client, upstream]) {
        s.destroy();
        sockets.delete(s);
      }
    };
    for (const s of [client, upstream]) {
      s.on('error', teardown);
      s.on('close', teardown);
    }
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;

  return {
    port,
    url: (scheme = 'http') => `${scheme}://127.0.0.1:${port}`,
    stats: () => ({ ...stats }),
    resetStats: () => {
      stats = emptyStats(stats.activeConnections);
    },
    setShape: (next) => {
      shape = { ...next };
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
