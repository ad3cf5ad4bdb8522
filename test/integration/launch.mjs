#!/usr/bin/env node
// Offline integration-test launcher: runs out/test/index.js inside a real VS Code extension host
// (code-server on Node 24) and drives the workbench page with Debian's Chromium via playwright-core.
// VS Code cannot be downloaded here, so @vscode/test-electron is not used. The caller builds first
// (`node esbuild.js`). Usage: node test/integration/launch.mjs [--extension DIR] [--tests FILE]
// [--no-packaged | --packaged]. Two phases: the suite, then the packaged extension (packaged.mjs: `npm run
// package`, --install-extension, Sync Now), which counts as one more test. --no-packaged runs only the suite,
// --packaged only the packaged phase; SESSION_SYNC_IT_GREP (a subset of the suite) also skips the packaged phase.
// Last line printed is always `integration: N passed, M failed, K skipped`; the exit code is non-zero when anything failed.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { ROOT, codeServerPath, ensureCodeServer, node24Path } from '../../scripts/ensure-test-tools.mjs';
import { freePort, makeRunDirs, startCodeServer, waitForHttp, writeWorkspace } from './code-server.mjs';
import { serveBridge } from './ui-driver.mjs';
import { runPackaged } from './packaged.mjs';

const CHROMIUM = process.env.SESSION_SYNC_CHROMIUM ?? '/usr/bin/chromium';
const TOTAL_TIMEOUT_MS = Number(process.env.SESSION_SYNC_IT_TIMEOUT_MS ?? 10 * 60_000);
const STARTUP_TIMEOUT_MS = 90_000;
const DEFAULT_TESTS_ENTRY = path.join(ROOT, 'out', 'test', 'index.js');
const SCREENSHOTS_ON = process.env.SESSION_SYNC_SCREENSHOTS === '1';

/** The payload URL that makes the workbench load the extension and run the suite in its host. */
export function payloadUrl(port, workspace, extensionDir, testsEntry) {
  const remote = (p) => `vscode-remote://127.0.0.1:${port}${p}`;
  const payload = [['extensionDevelopmentPath', remote(extensionDir)], ['extensionTestsPath', remote(testsEntry)]];
  return `http://127.0.0.1:${port}/?folder=${encodeURIComponent(workspace)}` +
    `&payload=${encodeURIComponent(JSON.stringify(payload))}`;
}

function assertBuilt(extensionDir, testsEntry) {
  const manifest = path.join(extensionDir, 'package.json');
  if (!fs.existsSync(manifest)) throw new Error(`no package.json in extension folder ${extensionDir}`);
  const main = path.resolve(extensionDir, JSON.parse(fs.readFileSync(manifest, 'utf8')).main ?? 'extension.js');
  for (const file of [main, testsEntry]) {
    if (!fs.existsSync(file)) throw new Error(`${path.relative(ROOT, file)} is missing: build first with \`node esbuild.js\``);
  }
}

// codeAutomationLog carries the workbench's own log as well as the extension host's console output,
// with nothing to tell them apart; these are the offline workbench's known chatter (GitHub sign-in,
// open-vsx lookups, connection set-up). SESSION_SYNC_IT_VERBOSE=1 shows everything.
const NOISE = [/^\[(AgentHost|ChatModelSelection|AccountPolicyGate|Service Worker|reconnection-grace-time)/,
  /open-vsx\.org/, /authentication provider 'github'/, /^(Creating a socket|Resolving connection|Resolved connection)/,
  /^Updating additional builtin extensions/];
const VERBOSE = process.env.SESSION_SYNC_IT_VERBOSE === '1';
const isNoise = (line) => !VERBOSE && NOISE.some((re) => re.test(line));

// The extension host sends console output as (type, args); args are strings or serialised values.
function formatLog(args) {
  const parts = Array.isArray(args) ? args : [args];
  return parts.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' ').replace(/%c/g, '');
}

async function openWorkbench(dirs, url, onLog, onExit) {
  const context = await chromium.launchPersistentContext(dirs['browser-profile'], {
    executablePath: CHROMIUM, headless: true, viewport: { width: 1400, height: 900 },
    // Our own signal handling closes the browser and kills code-server; Playwright's would exit first.
    handleSIGINT: false, handleSIGTERM: false, handleSIGHUP: false,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking',
      '--disable-component-update', '--no-first-run', '--disable-sync'],
  });
  const page = context.pages()[0] ?? (await context.newPage());
  // Must be exposed before navigation: the workbench looks these up when the test run starts/ends.
  await page.exposeFunction('codeAutomationLog', (type, args) => onLog(type, args));
  await page.exposeFunction('codeAutomationExit', (code) => onExit(code));
  // Without this a crashed tab would only surface at the 10-minute cap.
  const crashed = new Promise((_, reject) => page.once('crash', () => reject(new Error('the workbench page crashed'))));
  crashed.catch(() => undefined);
  return { context, page, crashed, navigate: () => page.goto(url) };
}

// Rejects after `ms` or when `signal` aborts (Ctrl-C), so the caller's finally block still cleans up.
function deadline(ms, signal) {
  let timer;
  let onAbort;
  const promise = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`integration run exceeded ${ms / 1000} s`)), ms);
    onAbort = () => reject(new Error('integration run interrupted'));
    signal?.addEventListener('abort', onAbort, { once: true });
  });
  promise.catch(() => undefined);
  return { promise, cancel: () => { clearTimeout(timer); signal?.removeEventListener('abort', onAbort); } };
}

/** Prints the suite's lines and picks the counts out of its `RESULT passed=N failed=M` line. */
function logHandler(result, log) {
  return (_type, args) => {
    const line = formatLog(args);
    const m = /RESULT passed=(\d+) failed=(\d+)(?: skipped=(\d+))?/.exec(line);
    if (m) Object.assign(result, { passed: Number(m[1]), failed: Number(m[2]), skipped: Number(m[3] ?? 0), reported: true });
    if (!isNoise(line)) log(line);
  };
}

/** Runs the suite once. Resolves { code, passed, failed, reported }; never leaves processes behind. */
export async function runIntegration({ extensionDir = ROOT, testsEntry = DEFAULT_TESTS_ENTRY, log = console.log,
  timeoutMs = TOTAL_TIMEOUT_MS, signal } = {}) {
  const started = Date.now();
  const cap = deadline(timeoutMs, signal);
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'session-sync-it-'));
  const dirs = makeRunDirs(base);
  writeWorkspace(dirs.workspace);
  const result = { code: 1, passed: 0, failed: 0, skipped: 0, reported: false };
  let server;
  let browser;
  let bridge;
  try {
    const port = await freePort();
    server = startCodeServer({ node24: node24Path(), entry: codeServerPath(), port, dirs,
      extraEnv: { SESSION_SYNC_UI_BRIDGE: dirs.bridge } });
    await Promise.race([waitForHttp(`http://127.0.0.1:${port}/healthz`, server, STARTUP_TIMEOUT_MS), cap.promise]);
    log(`[it] code-server up on 127.0.0.1:${port} after ${((Date.now() - started) / 1000).toFixed(1)} s`);
    let exit;
    const exited = new Promise((resolve) => { exit = resolve; });
    const url = payloadUrl(port, dirs.workspace, path.resolve(extensionDir), path.resolve(testsEntry));
    browser = await openWorkbench(dirs, url, logHandler(result, log), exit);
    const screenshotDir = SCREENSHOTS_ON ? path.join(ROOT, 'docs', 'images') : dirs.screenshots;
    bridge = serveBridge(browser.page, dirs.bridge, { screenshotDir, log });
    await browser.navigate();
    const died = server.exited.then(({ code, signal }) => { throw new Error(`code-server exited (${code ?? signal})`); });
    result.code = Number(await Promise.race([exited, died, browser.crashed, cap.promise]));
    log(`[it] suite finished with exit code ${result.code} after ${((Date.now() - started) / 1000).toFixed(1)} s`);
    if (SCREENSHOTS_ON) {
      fs.mkdirSync(screenshotDir, { recursive: true });
      await browser.page.screenshot({ path: path.join(screenshotDir, 'integration-final.png') });
    }
  } catch (err) {
    log(`[it] ERROR: ${err instanceof Error ? err.message : String(err)}`);
    if (server) log(`[it] code-server log tail:\n${tail(server.logFile, 15)}`);
    result.code = 1;
  } finally {
    cap.cancel();
    await bridge?.stop();
    await browser?.context.close().catch(() => undefined);
    await server?.stop();
    if (process.env.SESSION_SYNC_KEEP_TMP !== '1') fs.rmSync(base, { recursive: true, force: true });
    else log(`[it] kept run directory ${base}`);
  }
  return result;
}

function tail(file, lines) {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** Missing Chromium: a local run skips (exit 0) with instructions; CI must not silently skip. */
function chromiumMissing() {
  if (fs.existsSync(CHROMIUM)) return false;
  const ci = process.env.CI === 'true';
  console.log(`[it] ${CHROMIUM} not found. Install it with: sudo apt-get install -y chromium libkrb5-dev`);
  console.log(ci ? '[it] FAIL: Chromium is required when CI=true' : '[it] SKIP: integration tests not run');
  // The closing line still comes, so a run that skipped the whole suite cannot read as a complete one.
  console.log(ci ? 'integration: 0 passed, 1 failed, 0 skipped' : 'integration: 0 passed, 0 failed, 1 skipped');
  process.exitCode = ci ? 1 : 0;
  return true;
}

function parseArgs(argv) {
  const option = (name, fallback) => {
    const i = argv.indexOf(name);
    return path.resolve(i >= 0 && argv[i + 1] ? argv[i + 1] : fallback);
  };
  const packagedOnly = argv.includes('--packaged');
  return {
    extensionDir: option('--extension', ROOT), testsEntry: option('--tests', DEFAULT_TESTS_ENTRY),
    suite: !packagedOnly,
    packaged: packagedOnly || (!argv.includes('--no-packaged') && !process.env.SESSION_SYNC_IT_GREP),
  };
}

/** Phase 1: the suite in the extension host. Its counts; a run that never reported counts as one failure. */
async function suitePhase(extensionDir, testsEntry, signal) {
  const r = await runIntegration({ extensionDir, testsEntry, signal });
  if (!r.reported) console.log('[it] the suite did not report a RESULT line (crash or timeout); counted as 1 failure');
  const failed = r.reported ? r.failed : Math.max(r.failed, 1);
  return { passed: r.passed, failed: r.code === 0 ? failed : Math.max(failed, 1), skipped: r.skipped };
}

/** Phase 2: the packaged .vsix installed into a fresh code-server; one test. */
async function packagedPhase(signal) {
  const r = await runPackaged({ signal });
  console.log(`[it] packaged extension: ${r.ok ? 'ok' : 'FAIL'} after ${r.seconds} s`);
  return { passed: r.ok ? 1 : 0, failed: r.ok ? 0 : 1, skipped: 0 };
}

async function main() {
  const { extensionDir, testsEntry, suite, packaged } = parseArgs(process.argv.slice(2));
  try {
    if (suite) assertBuilt(extensionDir, testsEntry);
  } catch (err) {
    console.error(`[it] ${err.message}`);
    console.log('integration: 0 passed, 1 failed, 0 skipped');
    process.exit(1);
  }
  if (chromiumMissing()) return;
  ensureCodeServer();
  const interrupt = new AbortController();
  for (const sig of ['SIGINT', 'SIGTERM']) process.once(sig, () => interrupt.abort());
  const totals = { passed: 0, failed: 0, skipped: 0 };
  const add = (r) => { totals.passed += r.passed; totals.failed += r.failed; totals.skipped += r.skipped; };
  if (suite) add(await suitePhase(extensionDir, testsEntry, interrupt.signal));
  if (packaged && !interrupt.signal.aborted) add(await packagedPhase(interrupt.signal));
  console.log(`integration: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
  process.exitCode = interrupt.signal.aborted ? 130 : totals.failed === 0 ? 0 : 1;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((err) => {
    console.error(err);
    console.log('integration: 0 passed, 1 failed, 0 skipped');
    process.exitCode = 1;
  });
}
