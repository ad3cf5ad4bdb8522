#!/usr/bin/env node
// The same extension-host suite through @vscode/test-electron, for machines that can download VS Code (this
// project's CI cannot: it uses test/integration/launch.mjs with code-server). Without the Playwright bridge every
// test that needs the palette, the status bar, a notification or a webview skips itself, and that is nearly all of
// them: what runs is the activation and the API, and that the commands are registered. The closing RESULT line
// counts the skipped ones. Run: npm run test:electron
import { runTests } from '@vscode/test-electron';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const root = path.resolve(new URL('../..', import.meta.url).pathname);
const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'session-sync-electron-'));
fs.writeFileSync(path.join(workspace, 'hello.ts'), 'export const hello = "world";\n');
try {
  await runTests({
    extensionDevelopmentPath: root,
    extensionTestsPath: path.join(root, 'out/test/index.js'),
    launchArgs: [workspace, '--disable-extensions', '--disable-workspace-trust'],
  });
} catch (err) {
  console.error(`The electron run failed: ${err instanceof Error ? err.message : err}`);
  process.exitCode = 1;
} finally {
  fs.rmSync(workspace, { recursive: true, force: true });
}
