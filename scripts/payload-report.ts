// The payload figures of the spec, end to end through the CLI (dist/cli.js), each strategy against a fresh
// real libSQL server over HTTP with bytes counted on the socket by a loopback proxy:
//   naive initial sync versus optimized initial sync; then mutate 1% and sync; then sync with nothing changed;
//   then pull into an empty store and compare exports byte for byte.
// Run: node esbuild.js && node --import tsx scripts/payload-report.ts [--count 10000] [--corpus builtin|wild]
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startSqld } from '../src/lab/bench/sqld-process';
import { startShapedProxy } from '../src/lab/shaped-proxy';

const arg = (name: string) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : undefined);
const count = Number(arg('--count') || 10_000);
const corpus = arg('--corpus') ?? 'builtin';
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'payload-report-'));
// Asynchronous on purpose: the proxy lives in this process and must keep forwarding while the CLI runs.
const run = promisify(execFile);
const cli = async (...args: string[]): Promise<string> =>
  (await run(process.execPath, ['dist/cli.js', ...args], { encoding: 'utf8', maxBuffer: 1 << 30 })).stdout;
const json = async (...args: string[]) => JSON.parse(await cli(...args, '--json')) as Record<string, number | string | null>;

async function serverBehindProxy() {
  const server = await startSqld();
  const proxy = await startShapedProxy({ target: { host: '127.0.0.1', port: Number(new URL(server.httpUrl).port) } });
  return { server, proxy, url: proxy.url('http') };
}

const rows: [string, string][] = [];
const note = (what: string, value: string) => {
  rows.push([what, value]);
  console.log(`${what}: ${value}`);
};

async function main(): Promise<void> {
  const store = path.join(root, 'store');
  await cli('seed', '--store', store, '--count', String(count), '--rng', '42', '--corpus', corpus);
  note('corpus', `${count} sessions of ${corpus}`);

  const naive = await serverBehindProxy();
  const n = await json('sync', '--store', store, '--remote', naive.url, '--strategy', 'naive');
  const naiveUp = naive.proxy.stats().bytesUp;
  note('naive initial sync', `${n.sent} sessions, ${naiveUp} bytes up (socket), ${n.durationMs} ms, rowsWritten ${n.rowsWritten}`);

  const opt = await serverBehindProxy();
  const o = await json('sync', '--store', store, '--remote', opt.url);
  const optUp = opt.proxy.stats().bytesUp;
  note('optimized initial sync', `${o.sent} sessions, ${optUp} bytes up (socket; bytesSent ${o.bytesSent}), ` +
    `${o.durationMs} ms, rowsWritten ${o.rowsWritten}`);
  note('optimized / naive bytes', `${((100 * optUp) / naiveUp).toFixed(2)}%`);

  const changed = (await json('mutate', '--store', store, '--fraction', '0.01', '--rng', '7')).changed;
  opt.proxy.resetStats();
  const d = await json('sync', '--store', store, '--remote', opt.url);
  const deltaUp = opt.proxy.stats().bytesUp;
  note('after mutate --fraction 0.01', `${changed} changed, ${d.sent} sent, ${deltaUp} bytes up = ` +
    `${((100 * deltaUp) / optUp).toFixed(2)}% of the initial sync, rowsWritten ${d.rowsWritten}, ${d.batches} batches`);

  opt.proxy.resetStats();
  const z = await json('sync', '--store', store, '--remote', opt.url);
  note('sync with nothing changed', `sent ${z.sent}, roundTrips ${z.roundTrips}, ${opt.proxy.stats().bytesUp} bytes up`);

  const pulled = path.join(root, 'pulled');
  await json('pull', '--store', pulled, '--remote', opt.url);
  const same = (await cli('export', '--store', store)) === (await cli('export', '--store', pulled));
  note('pull into an empty store, then export', same ? 'byte-identical to the original export' : 'DIFFERENT');
  await cli('verify', '--store', store, '--remote', opt.url);
  note('verify', 'exit 0');

  for (const s of [naive, opt]) {
    await s.proxy.close();
    await s.server.stop();
  }
  if (!same) process.exitCode = 1;
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
}).finally(() => fs.rmSync(root, { recursive: true, force: true }));
