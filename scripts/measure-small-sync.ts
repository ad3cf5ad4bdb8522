// The usual auto-sync cycle: one session that keeps growing, synced after every few events, as the editor does it
// (a fresh Remote per run). Against a real sqld over HTTP, with bytes counted on the socket by a loopback proxy.
// Run: node --import tsx scripts/measure-small-sync.ts [cycles=10]
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SessionStore } from '../src/core/store/session-store';
import { Remote } from '../src/core/remote/connect';
import { runSync } from '../src/core/sync/engine';
import { startSqld } from '../src/lab/bench/sqld-process';
import { startShapedProxy } from '../src/lab/shaped-proxy';
import { continueSession, generateSessions, mutationRng } from '../src/lab/generator';

const cycles = Number(process.argv[2] ?? 10);
const NOW = Date.UTC(2025, 5, 1, 12);

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'small-sync-'));
  const server = await startSqld();
  const proxy = await startShapedProxy({ target: { host: '127.0.0.1', port: Number(new URL(server.httpUrl).port) } });
  const { store } = await SessionStore.open(dir);
  try {
    let session = generateSessions({ count: 1, seed: 'small-sync', now: NOW })[0];
    store.upsertMany([session]);
    const sync = async () => {
      proxy.resetStats();
      const remote = new Remote({ url: proxy.url('http') });
      try {
        const r = await runSync(store, remote);
        if (r.result !== 'ok') throw new Error(r.error ?? r.result);
        return { ...proxy.stats(), roundTrips: r.roundTrips, bytesSent: r.bytesSent, bytesRaw: r.bytesRaw };
      } finally {
        remote.close();
      }
    };
    const first = await sync();
    console.log(`first sync (schema, dictionary, whole session): ${first.bytesUp} B up, ${first.bytesDown} B down, ` +
      `${first.roundTrips} round trips`);
    const rows: Awaited<ReturnType<typeof sync>>[] = [];
    for (let i = 1; i <= cycles; i++) {
      session = continueSession(session, mutationRng('small-sync', `${i}`), NOW + i * 60_000);
      store.upsertMany([session]);
      rows.push(await sync());
    }
    const median = (f: (r: (typeof rows)[number]) => number) => rows.map(f).sort((a, b) => a - b)[Math.floor(rows.length / 2)];
    console.log(`auto-sync cycles (${cycles}, one growing session; medians): ${median((r) => r.bytesUp)} B up ` +
      `(socket; the client counted ${median((r) => r.bytesSent)}), ${median((r) => r.bytesDown)} B down, ` +
      `${median((r) => r.roundTrips)} round trips, ${median((r) => r.bytesRaw)} B of JSON for the whole session`);
    for (const [i, r] of rows.entries()) console.log(`  cycle ${i + 1}: ${r.bytesUp} B up, ${r.bytesDown} B down, ${r.roundTrips} round trips`);
  } finally {
    await store.close();
    await proxy.close();
    await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
