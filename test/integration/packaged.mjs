#!/usr/bin/env node
// The packaged extension in a real VS Code, as a user gets it: `npm run package` (the project's own script) builds
// the .vsix in a staging copy of the tree, so the tree's dist/ and root stay untouched; code-server's
// --install-extension installs it into a fresh extensions dir; a fresh workspace opens WITHOUT
// extensionDevelopmentPath; an edit is recorded, "Session Sync: Sync Now" runs from the palette and the embedded
// remote (globalStorage/.../remote.db) must hold the session. That only works when the bundle, sql-wasm.wasm
// (the session store) and the native libSQL module (the embedded file: remote) all ship in the .vsix. Packaging must
// print no warning, and the .vsix must hold the icon, the walkthrough's pages and the CHANGELOG.
// Run by launch.mjs as its second phase; alone: node test/integration/packaged.mjs [--vsix FILE]
// (SESSION_SYNC_KEEP_TMP=1 keeps the run directory for a post-mortem.)
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient } from '@libsql/client';
import { chromium } from 'playwright-core';
import { ROOT, codeServerPath, ensureCodeServer, node24Path } from '../../scripts/ensure-test-tools.mjs';
import { freePort, installExtension, killGroup, makeRunDirs, startCodeServer, waitForHttp, writeWorkspace }
  from './code-server.mjs';
import { palette, statusbar } from './ui-driver.mjs';

const CHROMIUM = process.env.SESSION_SYNC_CHROMIUM ?? '/usr/bin/chromium';
const PHASE_TIMEOUT_MS = 120_000;
const EXTENSION_ID = 'session-sync.session-sync';
// Build outputs and local state (all git-ignored) are not copied into the staging tree; node_modules is linked.
const NOT_STAGED = new Set(['.git', 'node_modules', '.vscode-test', 'dist', 'out', 'scratch', 'bench-results',
  '.demo-store']);

/** Copies the source tree into `stage` (node_modules as a symlink: vsce lists it through `npm list`). */
function stageTree(stage) {
  fs.mkdirSync(stage, { recursive: true });
  for (const name of fs.readdirSync(ROOT)) {
    if (NOT_STAGED.has(name) || name.endsWith('.vsix')) continue;
    fs.cpSync(path.join(ROOT, name), path.join(stage, name), { recursive: true });
  }
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(stage, 'node_modules'), 'dir');
}

/** Runs a command to completion in its own process group; rejects with its output's tail when it fails. */
function run(cmd, args, { cwd, signal }) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise((done) => child.once('exit', done));
    let output = '';
    for (const pipe of [child.stdout, child.stderr]) pipe.on('data', (d) => { output += d; });
    const onAbort = () => void killGroup(child, exited);
    signal?.addEventListener('abort', onAbort, { once: true });
    child.once('error', reject);
    child.once('close', (code) => {
      signal?.removeEventListener('abort', onAbort);
      const tail = output.trim().split('\n').slice(-15).join('\n');
      if (code === 0) resolve(output);
      else reject(new Error(`${cmd} ${args.join(' ')} failed (exit ${code}):\n${tail}`));
    });
  });
}

/** vsce's warnings (a missing repository, LICENSE, icon...) and its "continue?" prompt, in `npm run package` output. */
export function packageWarnings(output) {
  const plain = output.replace(/\x1b\[[0-9;]*m/g, '');
  return plain.split('\n').filter((line) => /\bWARNING\b|Do you want to continue/i.test(line)).map((l) => l.trim());
}

/** `npm run package` in a staging copy of the tree; returns the path of the .vsix it wrote. It must warn of nothing. */
export async function buildVsix(stage, signal) {
  stageTree(stage);
  const output = await run('npm', ['run', 'package'], { cwd: stage, signal });
  const warnings = packageWarnings(output);
  if (warnings.length) throw new Error(`npm run package printed warnings:\n${warnings.join('\n')}`);
  const built = fs.readdirSync(stage).filter((f) => f.endsWith('.vsix'));
  if (built.length !== 1) throw new Error(`npm run package wrote ${built.length} .vsix files: ${built.join(', ')}`);
  return path.join(stage, built[0]);
}

async function openPage(dirs) {
  const context = await chromium.launchPersistentContext(dirs['browser-profile'], {
    executablePath: CHROMIUM, headless: true, viewport: { width: 1400, height: 900 },
    handleSIGINT: false, handleSIGTERM: false, handleSIGHUP: false,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking',
      '--disable-component-update', '--no-first-run', '--disable-sync'],
  });
  return { context, page: context.pages()[0] ?? (await context.newPage()) };
}

/** Opens `file` through quick open, types a line and saves: the recorder sees an open, an edit and a save. */
async function editAndSave(page, file) {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout: 20_000 });
  await input.fill(file);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: file }).first().click({ timeout: 20_000 });
  const lines = page.locator('.editor-instance .monaco-editor .view-lines').first();
  await lines.click({ timeout: 20_000 });
  await page.keyboard.press('Control+Home');
  await page.keyboard.type('// edited in the packaged extension\n');
  await page.keyboard.press('Control+s');
  await page.locator('.tab.active:not(.dirty)', { hasText: file }).waitFor({ timeout: 20_000 });
}

/** The embedded remote the packaged extension wrote: the workspace's session must be in its `sessions` table. */
async function assertEmbeddedRemote(dirs) {
  const file = path.join(dirs['user-data'], 'User', 'globalStorage', EXTENSION_ID, 'remote.db');
  if (!fs.existsSync(file)) throw new Error(`no embedded remote at ${file}`);
  const db = createClient({ url: `file:${file}` });
  try {
    const rs = await db.execute('SELECT count(*) FROM sessions WHERE workspace = ?', [path.basename(dirs.workspace)]);
    const n = Number(rs.rows[0][0]);
    if (n < 1) throw new Error(`remote.db holds no session of workspace "${path.basename(dirs.workspace)}"`);
    return n;
  } finally {
    db.close();
  }
}

/**
 * What a Marketplace user gets besides the code: the icon, the walkthrough's pages (and the images they show), and
 * the CHANGELOG (vsce stores it as changelog.md). Checked in the installed folder, which holds what the .vsix held.
 */
function assertShipped(installedDir) {
  const manifest = JSON.parse(fs.readFileSync(path.join(installedDir, 'package.json'), 'utf8'));
  const media = manifest.contributes.walkthroughs.flatMap((w) => w.steps.map((s) => s.media.markdown ?? s.media.image));
  const images = media.flatMap((page) => [...fs.readFileSync(path.join(installedDir, page), 'utf8')
    .matchAll(/!\[[^\]]*\]\(([^)]+)\)/g)].map((m) => path.join(path.dirname(page), m[1])));
  const wanted = [manifest.icon, ...media, ...images];
  const missing = wanted.filter((f) => !fs.existsSync(path.join(installedDir, f)));
  const names = fs.readdirSync(installedDir).map((f) => f.toLowerCase());
  if (!names.includes('changelog.md')) missing.push('CHANGELOG.md');
  if (missing.length) throw new Error(`the .vsix lacks ${missing.join(', ')}`);
  return wanted.length + 1;
}

/** Records how long each step took, for one summary line (where the phase's time goes). */
function stepClock() {
  let last = Date.now();
  const steps = [];
  return {
    lap(name) {
      steps.push(`${name} ${((Date.now() - last) / 1000).toFixed(1)} s`);
      last = Date.now();
    },
    toString: () => steps.join(', '),
  };
}

/** Installs `vsix`, opens a fresh workspace, records, syncs from the palette, checks the embedded remote. */
async function exercise(vsix, dirs, log, servers) {
  const clock = stepClock();
  await installExtension({ node24: node24Path(), entry: codeServerPath(), dirs, vsix });
  clock.lap('install');
  const installed = fs.readdirSync(dirs.extensions).filter((d) => d.startsWith(`${EXTENSION_ID}-`));
  if (installed.length !== 1) throw new Error(`expected one installed ${EXTENSION_ID}, found ${installed.join(', ')}`);
  const shipped = assertShipped(path.join(dirs.extensions, installed[0]));
  const port = await freePort();
  servers.code = startCodeServer({ node24: node24Path(), entry: codeServerPath(), port, dirs });
  await waitForHttp(`http://127.0.0.1:${port}/healthz`, servers.code, 60_000);
  clock.lap('code-server');
  servers.browser = await openPage(dirs);
  const { page } = servers.browser;
  await page.goto(`http://127.0.0.1:${port}/?folder=${encodeURIComponent(dirs.workspace)}`);
  // Generous first wait: the workbench loads and the extension activates on startup.
  await page.locator('.statusbar-item[aria-label^="Session Sync:"]').first().waitFor({ timeout: 45_000 }).catch(() => {
    throw new Error('no "Session Sync" status bar item within 45 s: the installed extension did not activate');
  });
  clock.lap('workbench and activation');
  await editAndSave(page, 'hello.ts');
  // Nothing synced yet on a fresh profile: the open session is being recorded.
  await statusbar(page, { pattern: '^Recording, not synced yet$' });
  clock.lap('edit');
  // The recorder emits at most once a second and then sends the latest state; let that trailing update land
  // first, or it would arrive after the sync and add " · recording".
  await page.waitForTimeout(1500);
  await palette(page, { command: 'Session Sync: Sync Now' });
  await statusbar(page, { pattern: '^Synced \\d\\d:\\d\\d$' });
  const n = await assertEmbeddedRemote(dirs);
  clock.lap('sync');
  log(`[packaged] ${installed[0]}: no packaging warning, ${shipped} icon/walkthrough/changelog files shipped; ` +
    `Sync Now sent ${n} session(s) to the embedded remote.db (${clock})`);
}

function deadline(ms, signal) {
  let timer;
  const promise = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`packaged phase exceeded ${ms / 1000} s`)), ms);
    signal?.addEventListener('abort', () => reject(new Error('packaged phase interrupted')), { once: true });
  });
  promise.catch(() => undefined);
  return { promise, cancel: () => clearTimeout(timer) };
}

/**
 * The whole packaged phase. Resolves { ok, seconds, error? }; never throws and leaves no process or temp dir.
 * With `vsix` (default: SESSION_SYNC_IT_VSIX, for a CI job that packaged in an earlier step), tests that file
 * instead of building one.
 */
export async function runPackaged({ vsix = process.env.SESSION_SYNC_IT_VSIX, log = console.log, signal, timeoutMs = PHASE_TIMEOUT_MS } = {}) {
  const started = Date.now();
  const abort = new AbortController();
  signal?.addEventListener('abort', () => abort.abort(), { once: true });
  const cap = deadline(timeoutMs, abort.signal);
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'session-sync-pkg-'));
  const dirs = makeRunDirs(base);
  writeWorkspace(dirs.workspace);
  const servers = {};
  const seconds = () => Number(((Date.now() - started) / 1000).toFixed(1));
  try {
    const work = (async () => {
      const file = vsix ?? (await buildVsix(path.join(base, 'stage'), abort.signal));
      log(`[packaged] ${path.basename(file)} (${(fs.statSync(file).size / 1e6).toFixed(1)} MB) after ${seconds()} s`);
      await exercise(file, dirs, log, servers);
    })();
    work.catch(() => undefined);
    await Promise.race([work, cap.promise]);
    return { ok: true, seconds: seconds() };
  } catch (err) {
    const error = err instanceof Error ? err.message : String(err);
    log(`[packaged] FAIL: ${error}`);
    if (servers.code) log(`[packaged] code-server log tail:\n${tail(servers.code.logFile, 15)}`);
    for (const file of extensionHostLogs(dirs['user-data'])) log(`[packaged] ${path.basename(file)} tail:\n${tail(file, 8)}`);
    return { ok: false, seconds: seconds(), error };
  } finally {
    cap.cancel();
    abort.abort(); // stops `npm run package` if the deadline hit while it ran
    await servers.browser?.context.close().catch(() => undefined);
    await servers.code?.stop();
    if (process.env.SESSION_SYNC_KEEP_TMP !== '1') fs.rmSync(base, { recursive: true, force: true });
    else log(`[packaged] kept run directory ${base}`);
  }
}

/** The extension host's own log and the Session Sync log: where an activation or sync error shows up. */
function extensionHostLogs(userData) {
  const logs = path.join(userData, 'logs');
  if (!fs.existsSync(logs)) return [];
  return fs.readdirSync(logs, { recursive: true, encoding: 'utf8' })
    .filter((f) => /(^|\/)(remoteexthost|Session Sync)\.log$/.test(f)).map((f) => path.join(logs, f));
}

/** The last lines of a log, stack frames left out so the error message itself shows. */
function tail(file, lines) {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').filter((l) => !/^\s+at /.test(l)).slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

async function main() {
  const i = process.argv.indexOf('--vsix');
  const vsix = i >= 0 ? path.resolve(process.argv[i + 1]) : undefined;
  ensureCodeServer();
  const interrupt = new AbortController();
  for (const sig of ['SIGINT', 'SIGTERM']) process.once(sig, () => interrupt.abort());
  const r = await runPackaged({ vsix, signal: interrupt.signal });
  console.log(`packaged: ${r.ok ? 'passed' : 'FAILED'} in ${r.seconds} s`);
  process.exitCode = r.ok ? 0 : 1;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
}
