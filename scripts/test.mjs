#!/usr/bin/env node
// `npm test`: build, typecheck, lint, the unit and fault tests (real sql.js, real libSQL file and server),
// then the integration suite inside a real VS Code. Installs its own test tools (sqld before the unit tests,
// Node 24 and code-server before the editor suite) and stops at the first tool that cannot be installed.
// Ends with one line that sums up: `tests: N passed, N failed, N skipped`.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ToolInstallError, ensureTestTools } from './ensure-test-tools.mjs';

const root = new URL('..', import.meta.url).pathname;
const CHROMIUM = process.env.SESSION_SYNC_CHROMIUM ?? '/usr/bin/chromium';
const totals = { passed: 0, failed: 0, skipped: 0 };
const failedSteps = [];

/** Runs a command with live output; returns its exit code and everything it printed. */
function run(name, cmd, args, env = {}) {
  console.log(`\n=== ${name}: ${cmd} ${args.join(' ')}`);
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => { out += d; process.stdout.write(d); });
    child.stderr.on('data', (d) => { out += d; process.stderr.write(d); });
    child.on('close', (code, signal) => {
      if (code !== 0) failedSteps.push(`${name} (exit ${code ?? signal})`);
      resolve({ code, out });
    });
  });
}

function finish() {
  if (failedSteps.length) console.log(`\nFailed steps: ${failedSteps.join(', ')}`);
  console.log(`\ntests: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
  process.exitCode = failedSteps.length || totals.failed ? 1 : 0;
}

/** Installs test tools; a failed install ends `npm test` here, naming the tool, the command and the log. */
function tools(names) {
  const started = Date.now();
  console.log(`\n=== test tools: ${names.join(', ')}`);
  try {
    ensureTestTools(names);
    console.log(`[tools] ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return true;
  } catch (err) {
    console.error(`[tools] ${err instanceof ToolInstallError ? err.message : err?.stack ?? String(err)}`);
    failedSteps.push(`test tools (${names.join(', ')})`);
    return false;
  }
}

/** Chromium is a system package: without it one line says how to install it (a failure under CI=true). */
function chromiumPresent() {
  if (existsSync(CHROMIUM)) return true;
  const ci = process.env.CI === 'true';
  console.log(`\n[it] ${CHROMIUM} not found: install it with \`sudo apt-get install -y chromium libkrb5-dev\`; ` +
    (ci ? 'CI=true requires the editor suite, so this fails the run.' : 'skipping the editor suite.'));
  if (ci) failedSteps.push('integration tests (Chromium missing)');
  else totals.skipped += 1;
  return false;
}

const count = (out, re) => [...out.matchAll(re)].reduce((n, m) => n + Number(m[1]), 0);

const unitFiles = readdirSync(join(root, 'test/unit')).filter((f) => f.endsWith('.test.ts')).sort()
  .map((f) => join('test/unit', f));

await run('build', process.execPath, ['esbuild.js']);
await run('typecheck', process.execPath, ['node_modules/typescript/bin/tsc', '-p', '.', '--noEmit']);
await run('typecheck the history page', process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.page.json', '--noEmit']);
await run('lint', process.execPath, ['node_modules/eslint/bin/eslint.js', 'src', 'test', 'scripts']);
if (!tools(['sqld'])) {
  finish();
  process.exit();
}
const unit = await run('unit tests', process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', ...unitFiles]);
totals.passed += count(unit.out, /^# pass (\d+)/gm);
totals.failed += count(unit.out, /^# fail (\d+)/gm);
totals.skipped += count(unit.out, /^# skipped (\d+)/gm) + count(unit.out, /^# todo (\d+)/gm);
if (!process.env.SESSION_SYNC_SKIP_INTEGRATION && chromiumPresent() && tools(['node24', 'code-server'])) {
  const integration = await run('integration tests (real VS Code)', process.execPath, ['test/integration/launch.mjs']);
  const m = /^integration: (\d+) passed, (\d+) failed, (\d+) skipped$/m.exec(integration.out);
  if (m) {
    totals.passed += Number(m[1]);
    totals.failed += Number(m[2]);
    totals.skipped += Number(m[3]);
  } else {
    // No closing line (the launcher crashed): count the suite as one failure rather than as nothing.
    console.log('[it] the launcher printed no `integration: N passed, N failed, N skipped` line');
    totals.failed += 1;
  }
} else if (process.env.SESSION_SYNC_SKIP_INTEGRATION) {
  console.log('\n[it] SESSION_SYNC_SKIP_INTEGRATION is set: the editor suite is skipped.');
  totals.skipped += 1;
}
finish();
