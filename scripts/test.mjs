#!/usr/bin/env node
// `npm test`: build, typecheck, lint, the unit and fault tests (real sql.js, real libSQL file and server),
// then the integration suite inside a real VS Code. Ends with one line that sums them up.
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const totals = { passed: 0, failed: 0 };
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

const count = (out, re) => [...out.matchAll(re)].reduce((n, m) => n + Number(m[1]), 0);

const unitFiles = readdirSync(join(root, 'test/unit')).filter((f) => f.endsWith('.test.ts')).sort()
  .map((f) => join('test/unit', f));

await run('build', process.execPath, ['esbuild.js']);
await run('typecheck', process.execPath, ['node_modules/typescript/bin/tsc', '-p', '.', '--noEmit']);
await run('lint', process.execPath, ['node_modules/eslint/bin/eslint.js', 'src', 'test', 'scripts']);
const unit = await run('unit tests', process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', ...unitFiles]);
totals.passed += count(unit.out, /^# pass (\d+)/gm);
totals.failed += count(unit.out, /^# fail (\d+)/gm);
if (!process.env.SESSION_SYNC_SKIP_INTEGRATION) {
  const integration = await run('integration tests (real VS Code)', process.execPath, ['test/integration/launch.mjs']);
  const m = /^integration: (\d+) passed, (\d+) failed/m.exec(integration.out);
  if (m) {
    totals.passed += Number(m[1]);
    totals.failed += Number(m[2]);
  }
}

if (failedSteps.length) console.log(`\nFailed steps: ${failedSteps.join(', ')}`);
console.log(`\ntests: ${totals.passed} passed, ${totals.failed} failed`);
process.exitCode = failedSteps.length || totals.failed ? 1 : 0;
