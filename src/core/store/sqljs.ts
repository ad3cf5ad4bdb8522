import * as fs from 'node:fs';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import initSqlJs, { SqlJsStatic } from 'sql.js';

let loading: Promise<SqlJsStatic> | undefined;

/**
 * Where sql-wasm.wasm is: next to the bundle once built (esbuild.js copies it to dist/), or in
 * node_modules when the core runs from source (tests, tsx).
 */
function wasmPath(): string {
  const beside = path.join(__dirname, 'sql-wasm.wasm');
  if (fs.existsSync(beside)) return beside;
  // createRequire keeps bundlers from trying to inline the path: in a bundle the file beside it is used.
  return createRequire(__filename).resolve('sql.js/dist/sql-wasm.wasm');
}

/** Loads the SQLite WASM module once per process. */
export function loadSqlJs(): Promise<SqlJsStatic> {
  loading ??= initSqlJs({ wasmBinary: fs.readFileSync(wasmPath()) as unknown as ArrayBuffer });
  return loading;
}
