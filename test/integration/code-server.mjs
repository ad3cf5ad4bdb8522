// Starts and stops one isolated code-server for an integration run: its own HOME, XDG dirs, TMPDIR,
// user data and extensions, all under one temp dir, so runs never see the developer's VS Code
// state and never leave anything behind. Spawned detached so the whole process group (server,
// extension host, file watchers) can be killed at the end.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';

/** Asks the OS for a free TCP port on 127.0.0.1. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Creates the per-run directory layout under `base` and returns the paths. */
export function makeRunDirs(base) {
  const names = ['home', 'config', 'data', 'cache', 'state', 'tmp', 'user-data', 'extensions', 'workspace',
    'browser-profile', 'bridge', 'screenshots'];
  const dirs = Object.fromEntries(names.map((n) => [n, path.join(base, n)]));
  for (const dir of Object.values(dirs)) fs.mkdirSync(dir, { recursive: true });
  return { base, ...dirs };
}

/** A small workspace so the extension sees real files to record. */
export function writeWorkspace(dir) {
  fs.writeFileSync(path.join(dir, 'hello.ts'), 'export function hello(name: string): string {\n' +
    '  return `Hello, ${name}!`;\n}\n');
  fs.writeFileSync(path.join(dir, 'README.md'), '# Integration workspace\n\nCreated by test/integration/launch.mjs.\n');
}

// Quiet, offline-friendly editor settings: no welcome page, no update or extension checks.
function writeUserSettings(userDataDir) {
  const settings = {
    'workbench.startupEditor': 'none',
    'workbench.tips.enabled': false,
    'workbench.secondarySideBar.defaultVisibility': 'hidden',
    'update.mode': 'none',
    'extensions.autoCheckUpdates': false,
    'extensions.autoUpdate': false,
    'telemetry.telemetryLevel': 'off',
    'security.workspace.trust.enabled': false,
    'git.enabled': false,
    // Chat/agent features try to reach GitHub and flood the log with sign-in messages offline.
    'chat.disableAIFeatures': true,
  };
  const userDir = path.join(userDataDir, 'User');
  fs.mkdirSync(userDir, { recursive: true });
  fs.writeFileSync(path.join(userDir, 'settings.json'), JSON.stringify(settings, null, 2));
}

function isolatedEnv(dirs, node24, extraEnv) {
  // Drop variables leaked from an enclosing VS Code terminal: they point code-server at another IPC.
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('VSCODE_')));
  return {
    ...inherited,
    PATH: `${path.dirname(node24)}${path.delimiter}${process.env.PATH ?? ''}`,
    HOME: dirs.home,
    XDG_CONFIG_HOME: dirs.config,
    XDG_DATA_HOME: dirs.data,
    XDG_CACHE_HOME: dirs.cache,
    XDG_STATE_HOME: dirs.state,
    TMPDIR: dirs.tmp,
    ...extraEnv,
  };
}

/**
 * Starts code-server on 127.0.0.1:port. `extraEnv` reaches the extension host, which inherits the
 * server's environment (that is how the UI bridge directory gets to the suite).
 */
export function startCodeServer({ node24, entry, port, dirs, extraEnv = {} }) {
  writeUserSettings(dirs['user-data']);
  const logFile = path.join(dirs.base, 'code-server.log');
  const out = fs.openSync(logFile, 'a');
  const args = [entry, '--auth', 'none', '--bind-addr', `127.0.0.1:${port}`, '--disable-telemetry',
    '--disable-update-check', '--disable-workspace-trust', '--user-data-dir', dirs['user-data'],
    '--extensions-dir', dirs.extensions, '--vscode-option', 'enable-smoke-test-driver', dirs.workspace];
  const child = spawn(node24, args, {
    cwd: dirs.workspace, env: isolatedEnv(dirs, node24, extraEnv), detached: true, stdio: ['ignore', out, out],
  });
  fs.closeSync(out);
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return { child, logFile, exited, stop: () => killGroup(child, exited) };
}

/**
 * Installs a .vsix into `dirs.extensions` with code-server's own `--install-extension`, as a user would,
 * in the run's isolated environment. Resolves with its output; rejects when it fails or takes over `timeoutMs`.
 */
export function installExtension({ node24, entry, dirs, vsix, timeoutMs = 60_000 }) {
  const args = [entry, '--user-data-dir', dirs['user-data'], '--extensions-dir', dirs.extensions,
    '--install-extension', vsix];
  const child = spawn(node24, args, { cwd: dirs.workspace, env: isolatedEnv(dirs, node24, {}), detached: true,
    stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  for (const pipe of [child.stdout, child.stderr]) pipe.on('data', (d) => { output += d; });
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  let timer;
  const timedOut = new Promise((resolve) => { timer = setTimeout(resolve, timeoutMs, 'timeout'); });
  return Promise.race([exited, timedOut]).then(async (outcome) => {
    clearTimeout(timer);
    await killGroup(child, exited);
    if (outcome === 'timeout') throw new Error(`--install-extension took over ${timeoutMs / 1000} s:\n${output}`);
    if (outcome.code !== 0) throw new Error(`--install-extension failed (${outcome.code ?? outcome.signal}):\n${output}`);
    return output.trim();
  });
}

/** SIGTERM to the process group, SIGKILL after 3 s if anything is still alive. */
export async function killGroup(child, exited) {
  if (child.exitCode !== null || child.signalCode !== null) return signalGroup(child.pid, 'SIGKILL');
  signalGroup(child.pid, 'SIGTERM');
  let timer;
  const grace = new Promise((resolve) => { timer = setTimeout(resolve, 3000, 'timeout'); });
  const outcome = await Promise.race([exited, grace]);
  clearTimeout(timer);
  if (outcome === 'timeout') signalGroup(child.pid, 'SIGKILL');
  // Children (extension host, watchers) may outlive the leader: sweep the group once more.
  signalGroup(child.pid, 'SIGKILL');
}

function signalGroup(pid, signal) {
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: the group is already gone.
  }
}

// node:http without keep-alive: fetch()'s pooled socket would hold the launcher open 4 s after the run.
function httpStatus(url) {
  return new Promise((resolve) => {
    const req = http.get(url, { agent: false, timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 599);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(599));
  });
}

/** Polls until code-server answers HTTP; fails early if the process dies. */
export async function waitForHttp(url, server, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  let died = false;
  server.exited.then(() => { died = true; });
  while (Date.now() < deadline && !died) {
    if ((await httpStatus(url)) < 500) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  const tail = fs.readFileSync(server.logFile, 'utf8').split('\n').slice(-20).join('\n');
  throw new Error(`code-server ${died ? 'exited' : 'did not answer'} at ${url}; log tail:\n${tail}`);
}
