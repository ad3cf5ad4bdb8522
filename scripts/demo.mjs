#!/usr/bin/env node
// `npm start`: the product on the embedded default, offline. Seeds a demo store if it is empty, syncs it
// to the local libSQL file beside it (no account, no network), verifies the copy and prints the report.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const store = process.env.SESSION_SYNC_DEMO_STORE ?? '.demo-store';
const cli = (...args) => {
  console.log(`\n$ session-sync ${args.join(' ')}`);
  const r = spawnSync(process.execPath, ['dist/cli.js', ...args], { stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`\nThe demo stopped: "session-sync ${args[0]}" exited with ${r.status}.`);
    process.exit(r.status ?? 1);
  }
};

if (!existsSync(`${store}/sessions.sqlite`)) cli('seed', '--store', store, '--count', '500', '--days', '60');
cli('sync', '--store', store);
cli('sync', '--store', store, '--strategy', 'naive');
cli('verify', '--store', store);
cli('status', '--store', store);
console.log(`\nThe demo store is in ${store}/ (sessions.sqlite) and its embedded remote in ${store}/remote.db.`);
console.log('Run `npm start` again: the optimized sync sends only what changed (nothing, now), while the naive baseline');
console.log('sends every session every time. In VS Code, install the .vsix (npm run package; see the README).');
