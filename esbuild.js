// One build for everything that ships or runs in the editor: the extension, the CLI and the
// integration-test bundle. sql.js needs its WASM file next to the bundle at run time, and the
// native libSQL module (behind the embedded `file:` default) cannot be bundled, so it stays external
// and ships in node_modules inside the .vsix.
const esbuild = require('esbuild');
const fs = require('fs');
const path = require('path');

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

/** @type {import('esbuild').BuildOptions} */
const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: !production,
  minify: production,
  logLevel: 'warning',
  external: ['vscode', 'libsql', '@libsql/linux-x64-gnu', '@libsql/linux-x64-musl', '@libsql/darwin-arm64',
    '@libsql/darwin-x64', '@libsql/linux-arm64-gnu', '@libsql/linux-arm64-musl', '@libsql/win32-x64-msvc'],
};

const entries = [
  { entryPoints: ['src/extension.ts'], outfile: 'dist/extension.js' },
  { entryPoints: ['src/cli.ts'], outfile: 'dist/cli.js', banner: { js: '#!/usr/bin/env node' } },
  // Encodes sync batches off the main thread (src/core/sync/encode-pool.ts looks for it beside the bundle).
  { entryPoints: ['src/core/sync/encode-worker.ts'], outfile: 'dist/encode-worker.js' },
];
if (!production && fs.existsSync('test/integration/suite/index.ts')) {
  entries.push({ entryPoints: ['test/integration/suite/index.ts'], outfile: 'out/test/index.js',
    external: [...common.external, 'mocha'] });
}

function copyWasm() {
  fs.mkdirSync('dist', { recursive: true });
  fs.copyFileSync(path.join(require.resolve('sql.js/dist/sql-wasm.js'), '..', 'sql-wasm.wasm'), 'dist/sql-wasm.wasm');
}

async function main() {
  copyWasm();
  const contexts = await Promise.all(entries.map((e) => esbuild.context({ ...common, ...e })));
  if (watch) {
    await Promise.all(contexts.map((c) => c.watch()));
    return;
  }
  await Promise.all(contexts.map((c) => c.rebuild()));
  await Promise.all(contexts.map((c) => c.dispose()));
  fs.chmodSync('dist/cli.js', 0o755);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
